// The has_photo fact (one list of facts, sdk/reading-facts.ts): a manual reading entered through
// the control API with a photo has it true, every other reading false (a run's readings too,
// `source` manual included). Rules on it decide a manual reading with and without a photo
// differently, by the row-by-row judge (a rule naming the string fact `source`) and by the
// columnar rules (boolean and number facts only); `rules check` knows it.
import { spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { packageRoot } from "../../../engine/wasm/paths.js";
import { runAndRead, write } from "../../helpers/run.js";
import { tempDir } from "../../helpers/tmp.js";
import { apiFixture, STORES } from "./fixture.js";
import type { ApiFixture } from "./fixture.js";

const dir = tempDir("meterflow-has-photo-");
const BIN = join(packageRoot(), "dist", "engine", "cli", "main.js");
const PNG = Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 7, 7, 7]);
let n = 0;

/** Manual readings without a photo are held for a look (judged row by row: `source` is a string fact). */
const WITHOUT_PHOTO = {
  rules: [{
    name: "manual-without-photo", priority: 10,
    conditions: { all: [{ fact: "source", operator: "equal", value: "manual" }, { fact: "has_photo", operator: "equal", value: false }] },
    event: { type: "hold", params: { reason: "manual_without_photo" } },
  }],
};
/** More than 5 units without a photo is held (booleans and numbers only: the columnar rules). */
const BIG_WITHOUT_PHOTO = {
  rules: [{
    name: "big-without-photo", priority: 10,
    conditions: { all: [{ fact: "has_photo", operator: "equal", value: false }, { fact: "consumption", operator: "greaterThan", value: 5 }] },
    event: { type: "hold", params: { reason: "big_without_photo" } },
  }],
};

function form(end: string, value: number, photo: boolean): FormData {
  const data = new FormData();
  data.append("end", end);
  data.append("value", String(value));
  if (photo) data.append("photo", new Blob([PNG], { type: "image/png" }), "dial.png");
  return data;
}

describe.each(STORES)("the has_photo fact on $kind", ({ db }) => {
  let f: ApiFixture;
  afterEach(async () => {
    expect(f.logged).toEqual([]);
    await f?.close();
  });

  it("decides a manual reading through the API with and without a photo differently", async () => {
    f = await apiFixture(db);
    const admin = { token: f.tokens.admin };
    expect(await f.request("PUT", "/v1/rules", { json: { files: [{ name: "photo.json", content: WITHOUT_PHOTO }] }, ...admin })).toMatchObject({ status: 200 });
    const without = await f.request("POST", "/v1/meters/E-1/readings", { body: form("2026-11-10", 1010, false) });
    expect(without.data).toMatchObject({ decision: "held", reasons: "manual_without_photo" });
    const withPhoto = await f.request("POST", "/v1/meters/E-2/readings", { body: form("2026-11-10", 1010, true) });
    expect(withPhoto.data).toMatchObject({ decision: "billed", consumption: 10 });
    // The dry run takes the fact as posted.
    const dry = await f.request("POST", "/v1/rules/test", { json: { facts: [{ source: "manual", has_photo: false }, { source: "manual", has_photo: true }] } });
    expect(dry.data.outcomes.map((o: { reasons: string }) => o.reasons)).toEqual(["manual_without_photo", ""]);

    expect(await f.request("PUT", "/v1/rules", { json: { files: [{ name: "big.json", content: BIG_WITHOUT_PHOTO }] }, ...admin })).toMatchObject({ status: 200 });
    expect((await f.request("POST", "/v1/meters/E-3/readings", { body: form("2026-11-10", 1010, false) })).data)
      .toMatchObject({ decision: "held", reasons: "big_without_photo" });
    // E-1's reading of the 10th is held: the next one is billed against the baseline, 20 units, with its photo.
    expect((await f.request("POST", "/v1/meters/E-1/readings", { body: form("2026-11-20", 1020, true) })).data)
      .toMatchObject({ decision: "billed", consumption: 20 });
    expect((await f.request("POST", "/v1/meters/E-2/readings", { body: form("2026-11-11", 1011, false) })).data)
      .toMatchObject({ decision: "billed", consumption: 1 });
  });

  it("is false for every reading of a run, manual ones included", async () => {
    f = await apiFixture(db);
    const rules = [WITHOUT_PHOTO, BIG_WITHOUT_PHOTO].map((content, i) => {
      const path = join(dir, `rules-${n++}-${i}.json`);
      writeFileSync(path, JSON.stringify(content));
      return path;
    });
    const out = await runAndRead({
      db: f.db, rules, out: join(dir, `out-${n++}`),
      inputs: [write(dir, `night-${n++}.csv`, ["meter_id,end,value,source", "E-1,2026-11-01,1001,manual", "E-2,2026-11-01,1001,auto", "E-3,2026-11-01,1010,auto"])],
    });
    expect(out.held.map((h) => [h.meter_id, h.reasons])).toEqual([["E-1", "manual_without_photo"], ["E-3", "big_without_photo"]]);
    expect(out.billing.map((b) => b.meter_id)).toEqual(["E-2"]);
    // Each rule set on its own: the columnar rules alone decide as well.
    const columnar = await runAndRead({
      db: f.db, rules: [rules[1]], out: join(dir, `out-${n++}`),
      inputs: [write(dir, `night-${n++}.csv`, ["meter_id,end,value,source", "E-2,2026-11-10,1020,manual", "E-1,2026-11-10,1002,manual"])],
    });
    expect(columnar.held.map((h) => [h.meter_id, h.reasons])).toEqual([["E-2", "big_without_photo"]]);
    expect(columnar.billing.map((b) => b.meter_id)).toEqual(["E-1"]);
  });
});

describe("meterflow rules check", () => {
  it("accepts rules naming has_photo", () => {
    const path = join(dir, "check.json");
    writeFileSync(path, JSON.stringify(WITHOUT_PHOTO));
    const r = spawnSync(process.execPath, [BIN, "rules", "check", path], { encoding: "utf8" });
    expect(r.status, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain("valid, 0 warnings");
    const typo = join(dir, "typo.json");
    writeFileSync(typo, JSON.stringify({ rules: [{ ...WITHOUT_PHOTO.rules[0], conditions: { all: [{ fact: "has_foto", operator: "equal", value: false }] } }] }));
    const refused = spawnSync(process.execPath, [BIN, "rules", "check", typo], { encoding: "utf8" });
    expect(refused.status).toBe(1);
    expect(refused.stdout).toContain('unknown fact "has_foto" (did you mean "has_photo"?)');
  });
});
