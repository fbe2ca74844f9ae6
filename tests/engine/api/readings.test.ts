// Manual readings with a photo through the control API on both stores: the photo checked by its
// bytes (415), limited (413), kept content-addressed and served back; the reading decided as a
// batch of one with source manual, resolving a temp_bad flag (cleared, audited with the reading's
// id) and billed; held for an operator instead when the server asks for review; rejected with the
// reason a run gives (future_date, value_exceeds_register), resolving nothing and keeping no photo.
import { createHash } from "node:crypto";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { readLedger } from "../../../engine/store/ledger.js";
import { METERS_HEADER, runAndRead, write } from "../../helpers/run.js";
import { tempDir } from "../../helpers/tmp.js";
import { apiFixture, STORES } from "./fixture.js";
import type { ApiFixture } from "./fixture.js";

const PNG = Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, ...Array.from({ length: 200 }, (_, i) => i)]);
const JPEG = Uint8Array.from([0xff, 0xd8, 0xff, 0xe0, ...Array.from({ length: 100 }, (_, i) => 255 - i)]);
const WEBP = Uint8Array.from([...Buffer.from("RIFF"), 100, 0, 0, 0, ...Buffer.from("WEBPVP8 "), 1, 2, 3]);

const dir = tempDir("meterflow-readings-");
let n = 0;
const sha = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex");

/** The UTC day `days` after today, YYYY-MM-DD. */
function dayFromToday(days: number): string {
  return new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);
}

/** Adds meter G-1 to the fixture's registry: a 4-dial register at 5000 on 2026-10-31. */
async function registerDials(f: ApiFixture): Promise<void> {
  const meters = write(dir, `g-${n}.csv`, [METERS_HEADER, "G-1,electricity.register,kWh,1,,4,,,,,,,5000,2026-10-31"]);
  await runAndRead({ meters, db: f.db, inputs: [write(dir, `none-${n}.csv`, ["meter_id,end,value"])], out: join(dir, `out-${n++}`) });
}

function form(fields: Record<string, string>, photo?: { bytes: Uint8Array; type?: string; name?: string }): FormData {
  const data = new FormData();
  for (const [k, v] of Object.entries(fields)) data.append(k, v);
  if (photo !== undefined) data.append("photo", new Blob([photo.bytes.slice()], { type: photo.type ?? "application/octet-stream" }), photo.name ?? "meter.bin");
  return data;
}

describe.each(STORES)("control API manual readings on $kind", ({ db }) => {
  let f: ApiFixture;
  afterEach(async () => {
    expect(f.logged).toEqual([]);
    await f?.close();
  });

  it("a manual reading with a photo on a temp_bad meter resolves the flag and is billed; its photo is served back", async () => {
    f = await apiFixture(db);
    await f.run(["E-1,2026-11-01,1001"]);
    await f.request("PUT", "/v1/meters/E-1/temp-bad", { json: { reason: "zero consumption reported" } });
    const res = await f.request("POST", "/v1/meters/E-1/readings", { body: form({ end: "2026-11-10", time: "08:15", value: "1010" }, { bytes: PNG, type: "image/jpeg", name: "dial.jpg" }) });
    expect(res.status, JSON.stringify(res.data)).toBe(200);
    const sha256 = createHash("sha256").update(PNG).digest("hex");
    expect(res.data).toMatchObject({
      reading_id: "E-1@2026-11-10", meter_id: "E-1", end: "2026-11-10", time: "08:15", value: 1010, source: "manual",
      decision: "billed", consumption: 9, resolved_temp_bad: true, by: "operator-anna",
      photo: { sha256, media_type: "image/png", url: `/v1/photos/${sha256}` },
    });
    const meter = await f.request("GET", "/v1/meters/E-1", { token: f.tokens.viewer });
    expect(meter.data.temp_bad).toBeNull();
    expect(meter.data.readings[0]).toMatchObject({ reading_id: "E-1@2026-11-10", decision: "billed", billed: 9 });
    const audit = (await f.request("GET", "/v1/meters/E-1/audit")).data.audit;
    expect(audit.at(-1)).toMatchObject({ action: "clear", by: "operator-anna" });
    expect(audit.at(-1).reason).toContain("manual reading E-1@2026-11-10");
    expect(audit.at(-1).reason).toContain(sha256);
    expect((await readLedger(f.store, ["E-1"])).get("E-1")!.reduce((s, e) => s + e.billed, 0)).toBe(10);

    const photo = await f.app.request(`/v1/photos/${sha256}`, { headers: { authorization: `Bearer ${f.tokens.viewer}` } });
    expect(photo.status).toBe(200);
    expect(photo.headers.get("content-type")).toBe("image/png");
    expect(Buffer.from(await photo.arrayBuffer()).equals(Buffer.from(PNG))).toBe(true);
    expect(await f.request("GET", `/v1/photos/${"0".repeat(64)}`)).toMatchObject({ status: 404, data: { code: "MF_ERR_API_NOT_FOUND" } });
    expect(await f.request("GET", "/v1/photos/../../etc/passwd")).toMatchObject({ status: 404 });
    expect(await f.request("GET", "/v1/photos/ABC")).toMatchObject({ status: 400 });

    // The same reading and photo again: one batch, nothing billed twice.
    const again = await f.request("POST", "/v1/meters/E-1/readings", { body: form({ end: "2026-11-10", value: "1010" }, { bytes: PNG }) });
    expect(again.data).toMatchObject({ decision: "duplicate", resolved_temp_bad: false });
    expect((await readLedger(f.store, ["E-1"])).get("E-1")!.reduce((s, e) => s + e.billed, 0)).toBe(10);
    // Flagged again since: a re-send of a reading the meter has, with that photo or another, is a
    // duplicate and resolves nothing; a new reading with a photo resolves the flag.
    await f.request("PUT", "/v1/meters/E-1/temp-bad", { json: { reason: "magnet seen" } });
    for (const [end, value, bytes] of [["2026-11-10", "1010", PNG], ["2026-11-10", "1010", JPEG], ["2026-11-01", "1001", WEBP]] as const) {
      const resent = await f.request("POST", "/v1/meters/E-1/readings", { body: form({ end, value }, { bytes }) });
      expect(resent.data, end).toMatchObject({ decision: "duplicate", resolved_temp_bad: false });
      expect((await f.request("GET", "/v1/meters/E-1", { token: f.tokens.viewer })).data.temp_bad).toMatchObject({ reason: "magnet seen" });
    }
    const next = await f.request("POST", "/v1/meters/E-1/readings", { body: form({ end: "2026-11-12", value: "1013" }, { bytes: JPEG }) });
    expect(next.data).toMatchObject({ decision: "billed", consumption: 3, resolved_temp_bad: true });
    expect((await readLedger(f.store, ["E-1"])).get("E-1")!.reduce((s, e) => s + e.billed, 0)).toBe(13);
  });

  it("resolves nothing with a conflicting reading: held as a conflict with its photo, the meter keeps its flag", async () => {
    f = await apiFixture(db);
    await f.run(["E-1,2026-11-01,1001", "E-1,2026-11-10,1010"]);
    await f.request("PUT", "/v1/meters/E-1/temp-bad", { json: { reason: "magnet seen" } });
    const billed = async () => (await readLedger(f.store, ["E-1"])).get("E-1")!.reduce((s, e) => s + e.billed, 0);
    const before = await billed();
    // Another value for a day the meter has: which one is right is an operator's call, so the
    // photo resolves neither the conflict nor the flag.
    const res = await f.request("POST", "/v1/meters/E-1/readings", { body: form({ end: "2026-11-10", value: "1012" }, { bytes: PNG }) });
    expect(res.status, JSON.stringify(res.data)).toBe(200);
    expect(res.data).toMatchObject({ decision: "held", resolved_temp_bad: false, photo: { sha256: sha(PNG) } });
    expect(res.data.reasons.split("|")).toContain("conflict");
    // A conflict is held as it arrived, nothing computed (held.csv: no previous): no consumption.
    expect(res.data.consumption).toBeNull();
    expect((await f.request("GET", "/v1/meters/E-1", { token: f.tokens.viewer })).data.temp_bad).toMatchObject({ reason: "magnet seen" });
    expect((await f.request("GET", "/v1/meters/E-1/audit")).data.audit.map((a: Record<string, string>) => a.action)).toEqual(["set"]);
    expect(await billed()).toBe(before);
    expect(await f.store.readPhoto(sha(PNG))).toBeDefined();
    // A new day with a photo still resolves the flag.
    const next = await f.request("POST", "/v1/meters/E-1/readings", { body: form({ end: "2026-11-12", value: "1014" }, { bytes: JPEG }) });
    expect(next.data).toMatchObject({ decision: "billed", consumption: 4, resolved_temp_bad: true });
  });

  it("takes JPEG and WebP by their bytes; without a photo a flagged meter's reading is held", async () => {
    f = await apiFixture(db);
    const jpeg = await f.request("POST", "/v1/meters/E-2/readings", { body: form({ end: "2026-11-05", value: "1005" }, { bytes: JPEG }) });
    expect(jpeg.data).toMatchObject({ decision: "billed", consumption: 5, resolved_temp_bad: false, photo: { media_type: "image/jpeg" } });
    const webp = await f.request("POST", "/v1/meters/E-3/readings", { body: form({ end: "2026-11-05", value: "1002.5" }, { bytes: WEBP }) });
    expect(webp.data).toMatchObject({ decision: "billed", consumption: 2.5, photo: { media_type: "image/webp" } });
    await f.request("PUT", "/v1/meters/E-2/temp-bad", { json: { reason: "suspect" } });
    const bare = await f.request("POST", "/v1/meters/E-2/readings", { body: form({ end: "2026-11-10", value: "1010" }) });
    // A held reading answers the consumption held.csv gives it (API audit: it answered null).
    expect(bare.data).toMatchObject({ decision: "held", reasons: "temp_bad", consumption: 5, resolved_temp_bad: false, photo: null });
    expect((await f.request("GET", "/v1/meters/E-2")).data.temp_bad).toMatchObject({ reason: "suspect" });
    expect((await f.request("GET", "/v1/held?meter_id=E-2")).data.held.map((h: Record<string, unknown>) => h.reading_id)).toEqual(["E-2@2026-11-10"]);
    // Several reasons, written as every route writes them: |-separated.
    const typo = await f.request("POST", "/v1/meters/E-2/readings", { body: form({ end: "2026-11-12", value: "5" }) });
    expect(typo.data.decision).toBe("held");
    const listed = (await f.request("GET", "/v1/held?meter_id=E-2")).data.held.find((h: Record<string, unknown>) => h.reading_id === "E-2@2026-11-12");
    expect(typo.data.reasons).toContain("|");
    expect(typo.data.reasons).toBe(listed.reasons);
    // Against the meter's latest trusted reading (1005 on 11-05; the held 1010 is no one's base), wrapped at 9999.
    expect(typo.data).toMatchObject({ consumption: 8999 });
  });

  it("refuses what is not a photo (415), too large (413), malformed (400), unknown meters (404) and viewers (403), storing nothing", async () => {
    f = await apiFixture(db, { maxPhotoBytes: 4096 });
    await f.request("PUT", "/v1/meters/E-1/temp-bad", { json: { reason: "suspect" } });
    const text = Buffer.from("this is not a photo at all, only a text named like one");
    expect(await f.request("POST", "/v1/meters/E-1/readings", { body: form({ end: "2026-11-10", value: "1010" }, { bytes: text, type: "image/jpeg", name: "x.jpg" }) }))
      .toMatchObject({ status: 415, data: { code: "MF_ERR_API_UNSUPPORTED_MEDIA" } });
    const big = Uint8Array.from([...PNG, ...new Uint8Array(8192)]);
    expect(await f.request("POST", "/v1/meters/E-1/readings", { body: form({ end: "2026-11-10", value: "1010" }, { bytes: big }) }))
      .toMatchObject({ status: 413, data: { code: "MF_ERR_API_BODY_TOO_LARGE" } });
    const malformed: Array<Record<string, string>> = [{ end: "2026-02-30", value: "1010" }, { end: "2026-11-10", value: "ten" }, { end: "2026-11-10", value: "-5" },
      { end: "2026-11-10", value: "1010", colour: "red" }, { value: "1010" }, { end: "2026-11-10", time: "25:00", value: "1010" }];
    for (const fields of malformed) {
      expect(await f.request("POST", "/v1/meters/E-1/readings", { body: form(fields, { bytes: PNG }) }), JSON.stringify(fields))
        .toMatchObject({ status: 400, data: { code: "MF_ERR_API_INVALID" } });
    }
    // Two photo parts: said as such (it was "photo must be a file part").
    const two = form({ end: "2026-11-10", value: "1010" }, { bytes: PNG });
    two.append("photo", new Blob([PNG.slice()]), "second.png");
    expect(await f.request("POST", "/v1/meters/E-1/readings", { body: two }))
      .toMatchObject({ status: 400, data: { code: "MF_ERR_API_INVALID", message: "one photo part per reading, got 2" } });
    expect(await f.request("POST", "/v1/meters/E-1/readings", { json: { end: "2026-11-10", value: 1010 } })).toMatchObject({ status: 415 });
    expect(await f.request("POST", "/v1/meters/NOPE/readings", { body: form({ end: "2026-11-10", value: "1010" }, { bytes: PNG }) })).toMatchObject({ status: 404 });
    expect(await f.request("POST", "/v1/meters/NOPE/readings", { body: form({ end: "2026-11-10", value: "1010" }) })).toMatchObject({ status: 404, data: { code: "MF_ERR_UNKNOWN_METER" } });
    expect(await f.request("POST", "/v1/meters/E-1/readings", { body: form({ end: "2026-11-10", value: "1010" }, { bytes: PNG }), token: f.tokens.viewer })).toMatchObject({ status: 403 });
    expect(await f.store.readPhoto(createHash("sha256").update(PNG).digest("hex"))).toBeUndefined();
    expect((await f.request("GET", "/v1/meters/E-1")).data).toMatchObject({ temp_bad: { reason: "suspect" }, readings: [] });
    expect((await f.request("GET", "/v1/held")).data.held).toEqual([]);
  });

  it("rejects, with the reason a run gives, an end after tomorrow (future_date) and a value its register cannot show", async () => {
    f = await apiFixture(db);
    await registerDials(f);
    const before = await f.store.batchTotals();
    // A run rejects an end after today plus --future-days (1): so does a manual reading, with nothing kept of it.
    for (const end of [dayFromToday(2), "2030-01-01"]) {
      const res = await f.request("POST", "/v1/meters/G-1/readings", { body: form({ end, value: "5100" }, { bytes: PNG }) });
      expect(res, end).toMatchObject({ status: 200, data: { decision: "rejected", reasons: "future_date", consumption: null, resolved_temp_bad: false, photo: null, billing: [] } });
    }
    expect(await f.store.batchTotals()).toEqual(before);
    expect(await f.store.readPhoto(sha(PNG))).toBeUndefined();
    expect(await f.request("POST", "/v1/meters/NOPE/readings", { body: form({ end: "2030-01-01", value: "1" }) })).toMatchObject({ status: 404, data: { code: "MF_ERR_UNKNOWN_METER" } });
    // 10000 on a 4-dial register: rejected by the batch of one, as a run's row is, and counted so.
    const big = await f.request("POST", "/v1/meters/G-1/readings", { body: form({ end: "2026-11-06", value: "10000" }) });
    expect(big.data).toMatchObject({ decision: "rejected", reasons: "value_exceeds_register", consumption: null, billing: [] });
    expect((await f.store.batchTotals()).rejected).toBe(before.rejected + 1);
    // 10^22 on a register without digits: no register shows it (a consumption could be infinite), as in a run.
    const huge = await f.request("POST", "/v1/meters/E-1/readings", { body: form({ end: "2026-11-06", value: `1${"0".repeat(22)}` }) });
    expect(huge.data).toMatchObject({ decision: "rejected", reasons: "value_exceeds_register", consumption: null, billing: [] });
    // Tomorrow is not the future yet.
    const tomorrow = await f.request("POST", "/v1/meters/G-1/readings", { body: form({ end: dayFromToday(1), value: "5100" }) });
    expect(tomorrow.data).toMatchObject({ decision: "billed", reasons: null, consumption: 100 });
  });

  it("takes the server's futureDays as a run takes --future-days", async () => {
    f = await apiFixture(db, { futureDays: 3 });
    expect((await f.request("POST", "/v1/meters/E-1/readings", { body: form({ end: dayFromToday(3), value: "1010" }) })).data).toMatchObject({ decision: "billed" });
    expect((await f.request("POST", "/v1/meters/E-2/readings", { body: form({ end: dayFromToday(4), value: "1010" }) })).data).toMatchObject({ decision: "rejected", reasons: "future_date" });
  });

  it("resolves nothing with a rejected reading: a flagged meter keeps its flag, and the reading's photo is not kept", async () => {
    f = await apiFixture(db);
    await registerDials(f);
    await f.request("PUT", "/v1/meters/G-1/temp-bad", { json: { reason: "suspect" } });
    const rejected = await f.request("POST", "/v1/meters/G-1/readings", { body: form({ end: "2026-11-06", value: "10000" }, { bytes: PNG }) });
    expect(rejected.data).toMatchObject({ decision: "rejected", reasons: "value_exceeds_register", resolved_temp_bad: false, photo: null });
    const meter = (await f.request("GET", "/v1/meters/G-1")).data;
    expect(meter).toMatchObject({ temp_bad: { reason: "suspect" }, readings: [] });
    expect((await f.request("GET", "/v1/meters/G-1/audit")).data.audit.map((a: Record<string, string>) => a.action)).toEqual(["set"]);
    expect(await f.store.readPhoto(sha(PNG))).toBeUndefined();
    expect(await f.request("GET", `/v1/photos/${sha(PNG)}`)).toMatchObject({ status: 404 });
    // A reading the rules judge, with the photo, resolves it.
    const judged = await f.request("POST", "/v1/meters/G-1/readings", { body: form({ end: "2026-11-06", value: "5010" }, { bytes: PNG }) });
    expect(judged.data).toMatchObject({ decision: "billed", consumption: 10, resolved_temp_bad: true, photo: { sha256: sha(PNG) } });
    expect(await f.store.readPhoto(sha(PNG))).toBeDefined();
    // On a meter with no flag, a rejected reading's photo is not kept either.
    const unflagged = await f.request("POST", "/v1/meters/G-1/readings", { body: form({ end: "2026-11-07", value: "10000" }, { bytes: JPEG }) });
    expect(unflagged.data).toMatchObject({ decision: "rejected", reasons: "value_exceeds_register", photo: null });
    expect(await f.store.readPhoto(sha(JPEG))).toBeUndefined();
  });

  it("with review asked, holds a flagged meter's manual reading for an operator, who releases it", async () => {
    f = await apiFixture(db, { manualReview: true });
    await registerDials(f);
    await f.request("PUT", "/v1/meters/E-1/temp-bad", { json: { reason: "suspect" } });
    await f.request("PUT", "/v1/meters/G-1/temp-bad", { json: { reason: "suspect" } });
    const rejected = await f.request("POST", "/v1/meters/G-1/readings", { body: form({ end: "2026-11-10", value: "10000" }, { bytes: JPEG }) });
    expect(rejected.data).toMatchObject({ decision: "rejected", reasons: "value_exceeds_register", resolved_temp_bad: false, photo: null });
    expect(await f.store.readPhoto(sha(JPEG))).toBeUndefined();
    const res = await f.request("POST", "/v1/meters/E-1/readings", { body: form({ end: "2026-11-10", value: "1010" }, { bytes: PNG }) });
    expect(res.data).toMatchObject({ decision: "held", reasons: "temp_bad", resolved_temp_bad: false });
    const released = await f.request("POST", "/v1/held/E-1@2026-11-10/release", { json: { reason: "photo checked" }, token: f.tokens.admin });
    expect(released).toMatchObject({ status: 200, data: { billed: 10, by: "admin-anna" } });
  });
});
