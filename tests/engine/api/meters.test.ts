// Meters, temp_bad, held readings and metrics through the control API on both stores: what GET
// answers (registry, state, flag, version as ETag, recent readings), flag changes conditional on
// If-Match (412 when the meter moved on), audited with the token's name and seen by the next run
// (a run going while it is set does not undo it), held readings paged and released (billing
// exactly what was held), and the Prometheus text counting it all.
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { latestByDay, readLedger } from "../../../engine/store/ledger.js";
import { METERS_HEADER, runAndRead, write } from "../../helpers/run.js";
import { tempDir } from "../../helpers/tmp.js";
import { apiFixture, STORES } from "./fixture.js";
import type { ApiFixture } from "./fixture.js";

const dir = tempDir("meterflow-api-meters-");
let n = 0;

describe.each(STORES)("control API meters on $kind", ({ db }) => {
  let f: ApiFixture;
  afterEach(async () => {
    expect(f.logged).toEqual([]);
    await f?.close();
  });

  it("shows a meter: registry row, state, no flag, version as ETag, recent readings", async () => {
    f = await apiFixture(db);
    await f.run(["E-1,2026-11-01,1001", "E-1,2026-11-10,1010"]);
    const res = await f.request("GET", "/v1/meters/E-1", { token: f.tokens.viewer });
    expect(res.status).toBe(200);
    expect(res.headers.get("etag")).toBe(`"${res.data.version}"`);
    expect(res.data).toMatchObject({
      meter_id: "E-1", temp_bad: null, version: 0,
      registry: { type: "electricity.register", unit: "kWh", scaling_factor: 1, last_reading: 1000, last_end: "2026-10-31" },
      state: { last_end: "2026-11-10", last_value: 1010, readings: 2, held_readings: 0 },
    });
    expect(res.data.readings.map((r: Record<string, unknown>) => [r.reading_id, r.decision, r.consumption, r.billed])).toEqual([
      ["E-1@2026-11-10", "billed", 9, 9], ["E-1@2026-11-01", "billed", 1, 1],
    ]);
    expect(await f.request("GET", `/v1/meters/${"x".repeat(300)}`, { token: f.tokens.viewer })).toMatchObject({ status: 400 });
  });

  it("answers an unknown meter with one code on every /v1/meters route: 404 MF_ERR_UNKNOWN_METER; its held reading's release is refused, 409", async () => {
    f = await apiFixture(db);
    const unknown = { status: 404, data: { code: "MF_ERR_UNKNOWN_METER" } };
    expect(await f.request("GET", "/v1/meters/NOPE", { token: f.tokens.viewer })).toMatchObject(unknown);
    expect(await f.request("GET", "/v1/meters/NOPE/audit", { token: f.tokens.viewer })).toMatchObject(unknown);
    expect(await f.request("PUT", "/v1/meters/NOPE/temp-bad", { json: { reason: "x" } })).toMatchObject(unknown);
    expect(await f.request("DELETE", "/v1/meters/NOPE/temp-bad", { json: { reason: "x" } })).toMatchObject(unknown);
    const reading = new FormData();
    reading.append("end", "2026-11-10");
    reading.append("value", "1010");
    expect(await f.request("POST", "/v1/meters/NOPE/readings", { body: reading })).toMatchObject(unknown);
    // A reading of a meter not in the registry is held (unknown_meter): listed, and its release
    // refused until the meter is imported (409, as README's release section says), not a 404.
    await f.run(["NOPE,2026-11-10,5"]);
    expect((await f.request("GET", "/v1/held?meter_id=NOPE")).data.held.map((h: Record<string, unknown>) => h.reasons)).toEqual(["unknown_meter"]);
    const refused = await f.request("POST", "/v1/held/NOPE@2026-11-10/release", { json: { reason: "x" } });
    expect(refused).toMatchObject({ status: 409, data: { code: "MF_ERR_RELEASE_REFUSED" } });
    expect(refused.data.message).toMatch(/import/);
  });

  it("releases an unknown meter's reading once it is imported: judged now, held again for what it is (decision held) or billed", async () => {
    f = await apiFixture(db);
    await f.run(["N-1,2026-11-10,500", "N-2,2026-11-10,1010"]);
    const meter = (id: string) => `${id},electricity.register,kWh,1,,,,,,,,,1000,2026-10-31`;
    await runAndRead({ meters: write(dir, `n-${n++}.csv`, [METERS_HEADER, ...["E-1", "E-2", "E-3", "N-1", "N-2"].map(meter)]), db: f.db, inputs: [], out: join(dir, `n-${n++}`) });
    // 500 after a baseline of 1000: a wrap of almost the whole register, implausible.
    const reheld = await f.request("POST", "/v1/held/N-1@2026-11-10/release", { json: { reason: "meter imported" } });
    expect(reheld).toMatchObject({ status: 200, data: { reading_id: "N-1@2026-11-10", decision: "held", reasons: "implausible_rollover", billed: 0, billing: [] } });
    expect((await f.request("GET", "/v1/held?meter_id=N-1")).data.held.map((h: Record<string, unknown>) => [h.reading_id, h.reasons]))
      .toEqual([["N-1@2026-11-10", "implausible_rollover"]]);
    expect((await f.request("GET", "/v1/meters/N-1/audit")).data.audit.map((a: Record<string, unknown>) => [a.action, a.reason]))
      .toEqual([["release", "meter imported (re-held: implausible_rollover)"]]);
    const billed = await f.request("POST", "/v1/held/N-2@2026-11-10/release", { json: { reason: "meter imported" } });
    expect(billed).toMatchObject({ status: 200, data: { decision: "billed", reasons: "", billed: 10 } });
  });

  it("sets and clears temp_bad under If-Match (412 when the version moved), audited with the token's name; the next run holds", async () => {
    f = await apiFixture(db);
    const before = await f.request("GET", "/v1/meters/E-1");
    const set = await f.request("PUT", "/v1/meters/E-1/temp-bad", { json: { reason: "meter under verification", note: "ticket 7" }, headers: { "if-match": before.headers.get("etag")! } });
    expect(set.status).toBe(200);
    expect(set.data).toMatchObject({ meter_id: "E-1", temp_bad: { reason: "meter under verification", note: "ticket 7", by: "operator-anna" } });
    expect(set.data.version).toBeGreaterThan(before.data.version);
    expect(set.headers.get("etag")).toBe(`"${set.data.version}"`);

    // Another operator acting on the version read before the change: refused, nothing changed.
    const stale = await f.request("PUT", "/v1/meters/E-1/temp-bad", { json: { reason: "other" }, headers: { "if-match": before.headers.get("etag")! }, token: f.tokens.admin });
    expect(stale).toMatchObject({ status: 412, data: { code: "MF_ERR_STORE_VERSION" } });
    // If-Match compares strongly (RFC 9110): a weak tag never matches, not even the current version.
    for (const method of ["PUT", "DELETE"]) {
      const weak = await f.request(method, "/v1/meters/E-1/temp-bad", { json: { reason: "x" }, headers: { "if-match": `W/"${set.data.version}"` } });
      expect(weak).toMatchObject({ status: 412, data: { code: "MF_ERR_STORE_VERSION" } });
      expect(weak.data.message).toMatch(/weak tag/);
      expect(await f.request(method, "/v1/meters/NOPE/temp-bad", { json: { reason: "x" }, headers: { "if-match": 'W/"1"' } })).toMatchObject({ status: 404, data: { code: "MF_ERR_UNKNOWN_METER" } });
    }
    expect(await f.request("PUT", "/v1/meters/E-1/temp-bad", { json: { reason: "x" }, headers: { "if-match": "yesterday" } })).toMatchObject({ status: 400, data: { code: "MF_ERR_API_INVALID" } });
    expect((await f.request("GET", "/v1/meters/E-1")).data.temp_bad.reason).toBe("meter under verification");
    expect(await f.request("PUT", "/v1/meters/NOPE/temp-bad", { json: { reason: "x" } })).toMatchObject({ status: 404, data: { code: "MF_ERR_UNKNOWN_METER" } });

    const night = await f.run(["E-1,2026-11-10,1010", "E-2,2026-11-10,1010"]);
    expect(night.held.map((h) => [h.reading_id, h.reasons])).toEqual([["E-1@2026-11-10", "temp_bad"]]);

    const current = await f.request("GET", "/v1/meters/E-1");
    const cleared = await f.request("DELETE", "/v1/meters/E-1/temp-bad", { json: { reason: "verified on site" }, headers: { "if-match": current.headers.get("etag")! } });
    expect(cleared).toMatchObject({ status: 200, data: { temp_bad: null } });
    expect(await f.request("DELETE", "/v1/meters/E-1/temp-bad", { json: { reason: "again" } })).toMatchObject({ status: 409, data: { code: "MF_ERR_FLAG_NOT_SET" } });
    expect(await f.request("DELETE", "/v1/meters/NOPE/temp-bad", { json: { reason: "x" } })).toMatchObject({ status: 404 });
    const audit = await f.request("GET", "/v1/meters/E-1/audit", { token: f.tokens.viewer });
    expect(audit.data.audit.map((a: Record<string, string>) => [a.action, a.reason, a.by])).toEqual([
      ["set", "meter under verification", "operator-anna"], ["clear", "verified on site", "operator-anna"],
    ]);
    expect(audit.data.version).toBe(cleared.data.version);
  });

  it("compares If-Match strongly and reads it as RFC 9110 says: a tag matches character for character, a list if any member does (API audit)", async () => {
    f = await apiFixture(db);
    const put = (ifMatch: string) => f.request("PUT", "/v1/meters/E-1/temp-bad", { json: { reason: "x" }, headers: { "if-match": ifMatch } });
    expect((await f.request("GET", "/v1/meters/E-1")).headers.get("etag")).toBe('"0"');
    // Another spelling of the number is another tag: no match.
    for (const other of ['"00"', '"+0"', '"0.0"', '"abc"']) expect(await put(other)).toMatchObject({ status: 412, data: { code: "MF_ERR_STORE_VERSION" } });
    // Not an entity tag (unquoted, unbalanced, a space inside, * in a list): malformed, 400.
    for (const bad of ["0", "1", '"0', '0"', '"0 "', '"0"x', '*, "0"', 'w/"0"', ","]) {
      expect(await put(bad), bad).toMatchObject({ status: 400, data: { code: "MF_ERR_API_INVALID" } });
    }
    // A list matches when one of its members does; weak members never do.
    expect(await put('"7", W/"0"')).toMatchObject({ status: 412, data: { code: "MF_ERR_STORE_VERSION" } });
    const set = await put('"7", "0"');
    expect(set.status).toBe(200);
    const v = set.data.version as number;
    expect(await put(`"${v - 1}" , "x,y", , "${v}"`)).toMatchObject({ status: 200 });
    const after = (await f.request("GET", "/v1/meters/E-1")).data.version as number;
    expect(await f.request("DELETE", "/v1/meters/E-1/temp-bad", { json: { reason: "x" }, headers: { "if-match": `"0", "${after}"` } })).toMatchObject({ status: 200 });
    expect(await put("*")).toMatchObject({ status: 200 });
    expect(await f.request("PUT", "/v1/meters/NOPE/temp-bad", { json: { reason: "x" }, headers: { "if-match": '"0", "1"' } })).toMatchObject({ status: 404, data: { code: "MF_ERR_UNKNOWN_METER" } });
  });

  it("keeps a flag set while a run is going: the run does not undo it", async () => {
    f = await apiFixture(db);
    const lines = Array.from({ length: 2000 }, (_, i) => `E-${1 + (i % 3)},${new Date(Date.UTC(2026, 10, 1) - (2000 - i) * 86_400_000).toISOString().slice(0, 10)},${1000 + i}`);
    const going = f.run(lines);
    const set = await f.request("PUT", "/v1/meters/E-2/temp-bad", { json: { reason: "set during the run" } });
    expect(set.status).toBe(200);
    await going;
    expect((await f.request("GET", "/v1/meters/E-2")).data.temp_bad).toMatchObject({ reason: "set during the run", by: "operator-anna" });
    const next = await f.run(["E-2,2026-11-20,1020"]);
    expect(next.held.map((h) => h.reasons)).toEqual(["temp_bad"]);
  });

  it("lists held readings by meter and reason, paged by cursor; a release bills exactly what was held", async () => {
    f = await apiFixture(db);
    await f.run(["E-1,2026-11-01,1001"]);
    for (const id of ["E-1", "E-2"]) expect((await f.request("PUT", `/v1/meters/${id}/temp-bad`, { json: { reason: "suspect" } })).status).toBe(200);
    await f.run(["E-1,2026-11-10,1010", "E-2,2026-11-10,1005", "E-3,2026-11-10,1003"]);
    const all = await f.request("GET", "/v1/held", { token: f.tokens.viewer });
    expect(all.data.held.map((h: Record<string, unknown>) => [h.reading_id, h.reasons, h.value])).toEqual([["E-1@2026-11-10", "temp_bad", 1010], ["E-2@2026-11-10", "temp_bad", 1005]]);
    expect(all.data.next_cursor).toBeNull();
    const first = await f.request("GET", "/v1/held?limit=1", { token: f.tokens.viewer });
    expect(first.data.held.map((h: Record<string, unknown>) => h.meter_id)).toEqual(["E-1"]);
    const second = await f.request("GET", `/v1/held?limit=1&cursor=${first.data.next_cursor}`, { token: f.tokens.viewer });
    expect(second.data.held.map((h: Record<string, unknown>) => h.meter_id)).toEqual(["E-2"]);
    expect((await f.request("GET", "/v1/held?meter_id=E-2&reason=temp_bad")).data.held).toHaveLength(1);
    expect((await f.request("GET", "/v1/held?reason=spike")).data.held).toHaveLength(0);

    expect(await f.request("POST", "/v1/held/E-1@2026-11-10/release", { json: { reason: "x" }, token: f.tokens.viewer })).toMatchObject({ status: 403 });
    expect(await f.request("POST", "/v1/held/E-3@2026-11-10/release", { json: { reason: "x" } })).toMatchObject({ status: 404, data: { code: "MF_ERR_HELD_NOT_FOUND" } });
    expect(await f.request("POST", "/v1/held/E-1@2026-11-10/release", { json: { reason: "x", force: true } })).toMatchObject({ status: 400 });
    await f.request("DELETE", "/v1/meters/E-1/temp-bad", { json: { reason: "checked" } });
    const released = await f.request("POST", "/v1/held/E-1@2026-11-10/release", { json: { reason: "photo shows 1010" } });
    expect(released).toMatchObject({ status: 200, data: { reading_id: "E-1@2026-11-10", meter_id: "E-1", billed: 9, correction: 0, by: "operator-anna" } });
    expect(await f.request("POST", "/v1/held/E-1@2026-11-10/release", { json: { reason: "again" } })).toMatchObject({ status: 404 });
    const ledger = (await readLedger(f.store, ["E-1"])).get("E-1")!;
    expect(ledger.reduce((s, e) => s + e.billed, 0)).toBe(10);
    expect(latestByDay(ledger).filter((e) => e.held === 0).map((e) => [e.value, e.billed])).toEqual([[1001, 1], [1010, 9]]);
    expect((await f.request("GET", "/v1/meters/E-1/audit")).data.audit.map((a: Record<string, string>) => [a.action, a.by])).toEqual([
      ["set", "operator-anna"], ["clear", "operator-anna"], ["release", "operator-anna"],
    ]);
    expect((await f.request("GET", "/v1/held")).data.held.map((h: Record<string, unknown>) => h.meter_id)).toEqual(["E-2"]);
  });

  it("lists a meter's baseline reading (held `initial`, as held.csv says) among its readings; a registry baseline is no reading (API audit)", async () => {
    f = await apiFixture(db);
    const meters = write(dir, `baseline-${n++}.csv`, [METERS_HEADER, "O-1,electricity.register,kWh,1,,,,,,,,,,", "B-1,electricity.register,kWh,1,,,,,,,,,500,2026-11-01"]);
    const night = await runAndRead({ meters, db: f.db, inputs: [write(dir, `baseline-${n++}.csv`, ["meter_id,end,value", "O-1,2026-11-01,100"])], out: join(dir, `baseline-out-${n++}`) });
    expect(night.held.map((h) => [h.reading_id, h.consumption, h.flags, h.reasons])).toEqual([["O-1@2026-11-01", "0", "initial", "initial"]]);
    const first = await f.request("GET", "/v1/meters/O-1");
    expect(first.data.state).toMatchObject({ last_end: "2026-11-01", last_value: 100, readings: 0 });
    expect(first.data.readings).toEqual([{ reading_id: "O-1@2026-11-01", end: "2026-11-01", value: 100, decision: "held", consumption: 0, billed: 0,
      flags: "initial", reasons: "initial", rules_version: null }]);
    await runAndRead({ db: f.db, inputs: [write(dir, `baseline-${n++}.csv`, ["meter_id,end,value", "O-1,2026-11-05,110"])], out: join(dir, `baseline-out-${n++}`) });
    const second = await f.request("GET", "/v1/meters/O-1");
    expect(second.data.state).toMatchObject({ last_value: 110, readings: 1 });
    expect(second.data.readings.map((r: Record<string, unknown>) => [r.reading_id, r.decision, r.consumption, r.reasons])).toEqual([
      ["O-1@2026-11-05", "billed", 10, null], ["O-1@2026-11-01", "held", 0, "initial"],
    ]);
    // A registry baseline is the registry row's (last_reading, last_end), not a reading.
    const registered = await f.request("GET", "/v1/meters/B-1");
    expect(registered.data.registry).toMatchObject({ last_reading: 500, last_end: "2026-11-01" });
    expect(registered.data.readings).toEqual([]);
  });

  it("answers a release of a malformed reading id 400, saying what a reading id looks like; a well-formed one not held stays 404 (API audit)", async () => {
    f = await apiFixture(db);
    for (const id of ["E-1@2026-13-28", "E-1", "E-1@", "@2026-11-10", "E-1@2026-02-30", "E-1@2026-11-10x", "E-1@26-11-10"]) {
      const res = await f.request("POST", `/v1/held/${encodeURIComponent(id)}/release`, { json: { reason: "x" } });
      expect(res, id).toMatchObject({ status: 400, data: { code: "MF_ERR_API_INVALID" } });
      expect(res.data.message).toMatch(/METER_ID@YYYY-MM-DD/);
    }
    for (const id of ["E-1@2026-11-10", "a@b@2026-11-10", " E-1 @2026-11-10"]) {
      expect(await f.request("POST", `/v1/held/${encodeURIComponent(id)}/release`, { json: { reason: "x" } }), id)
        .toMatchObject({ status: 404, data: { code: "MF_ERR_HELD_NOT_FOUND" } });
    }
  });

  it("says a release's flags as GET /v1/meters/:id says its readings' (|-separated), its billing rows as billing.ndjson (lists as arrays) (API audit)", async () => {
    f = await apiFixture(db);
    await f.run(["E-2,2026-11-02,1010", "E-2,2026-11-03,5"]);
    const released = await f.request("POST", "/v1/held/E-2@2026-11-03/release", { json: { reason: "meter wrapped" } });
    expect(released.status).toBe(200);
    expect(released.data.flags).toBe("rollover|rollover_inferred|implausible_rollover");
    const row = released.data.billing.find((b: Record<string, unknown>) => b.reading_id === "E-2@2026-11-03");
    expect(row.flags).toEqual(["rollover", "rollover_inferred", "implausible_rollover"]);
    const view = await f.request("GET", "/v1/meters/E-2");
    expect(view.data.readings.find((r: Record<string, unknown>) => r.reading_id === "E-2@2026-11-03").flags).toBe(released.data.flags);
  });

  it("reports Prometheus metrics prefixed meterflow_: requests by route and status, held meters, readings by decision, flags, rules", async () => {
    f = await apiFixture(db);
    await f.request("PUT", "/v1/meters/E-1/temp-bad", { json: { reason: "suspect" } });
    await f.run(["E-1,2026-11-10,1010", "E-2,2026-11-10,1005"]);
    await f.request("GET", "/v1/meters/E-2");
    await f.request("GET", "/v1/meters/NOPE");
    await f.request("GET", "/v1/meters/E-2", { token: null });
    expect(await f.request("GET", "/metrics", { token: null })).toMatchObject({ status: 401 });
    const res = await f.request("GET", "/metrics", { token: f.tokens.viewer });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/plain/);
    const text = await res.res.text();
    expect(text).toContain('meterflow_api_requests_total{method="GET",route="/v1/meters/:id",status="200"} 1');
    expect(text).toContain('meterflow_api_requests_total{method="GET",route="/v1/meters/:id",status="404"} 1');
    expect(text).toContain('meterflow_api_requests_total{method="GET",route="/v1/meters/:id",status="401"} 1');
    expect(text).toContain('meterflow_api_requests_total{method="PUT",route="/v1/meters/:id/temp-bad",status="200"} 1');
    expect(text).toContain('meterflow_api_request_duration_seconds_count{method="GET",route="/v1/meters/:id"} 3');
    expect(text).toContain("meterflow_held_meters 1");
    expect(text).toContain('meterflow_held_readings{reason="temp_bad"} 1');
    expect(text).toContain("# TYPE meterflow_readings_total counter");
    expect(text).toContain('meterflow_readings_total{decision="billed"} 1');
    expect(text).toContain('meterflow_readings_total{decision="held"} 1');
    expect(text).toContain("meterflow_temp_bad_meters 1");
    expect(text).toContain(`meterflow_rules_info{version="${f.session.rules.version}"} 1`);
    for (const line of text.split("\n").filter((l) => l !== "" && !l.startsWith("#"))) expect(line).toMatch(/^meterflow_/);
    // A release is a batch of one this server decided: timed like a manual reading.
    await f.request("DELETE", "/v1/meters/E-1/temp-bad", { json: { reason: "checked" } });
    expect((await f.request("POST", "/v1/held/E-1@2026-11-10/release", { json: { reason: "checked" } })).status).toBe(200);
    const after = await (await f.request("GET", "/metrics", { token: f.tokens.viewer })).res.text();
    expect(after).toContain('meterflow_api_decisions_total{source="release",decision="billed"} 1');
    expect(after).toContain('meterflow_batch_duration_seconds_count{source="release"} 1');
    // The release's batch adds its billed reading; the night's held reading stays counted: it only grows.
    expect(after).toContain('meterflow_readings_total{decision="billed"} 2');
    expect(after).toContain('meterflow_readings_total{decision="held"} 1');
  });
});
