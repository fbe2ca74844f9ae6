// Releasing a reading held `unknown_meter_type` once its type is back, or `before_baseline` once
// its meter's baseline is fixed (release audit: a reading the type's rule holds, or one of a
// meter flagged temp_bad, was billed on release). Neither hold showed what the rules would find:
// the type's rules (and the settings it brings) were not loaded when the reading was held, and a
// reading before the baseline is held before any rule runs. A release lifted every hold the
// reading would now get; it now judges the reading as a new late reading (decide/rejudge.ts):
// held by that judgement it stays held under its new reasons, nothing billed (an operator's
// release of those is the usual override), else it is billed as before. Both stores.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { listHeld, OperationSession, releaseHeld, setTempBad } from "../../../engine/operations/index.js";
import { readLedger } from "../../../engine/store/ledger.js";
import { openStore } from "../../../engine/store/open.js";
import { runAndRead, write } from "../../helpers/run.js";
import { tempDir } from "../../helpers/tmp.js";
import { runPostgresTests, testStoreUrl } from "../store/postgres-env.js";

const dir = tempDir("meterflow-type-release-");
let n = 0;
const STORES = [
  { kind: "sqlite", db: () => join(dir, `s-${n++}.db`) },
  ...(runPostgresTests ? [{ kind: "postgres", db: testStoreUrl }] : []),
];

/**
 * A plugin config whose plugin defines the register type `type` (scaling factor 2) and a rule
 * of that type: a daily consumption above 15 is held `steam_over_cap`.
 */
function pluginConfig(name: string, type: string): string {
  writeFileSync(join(dir, `${name}.mjs`), `export default {
  name: "@test/steam", version: "1.0.0", sdk: "^1.0.0",
  meterTypes: [{ name: ${JSON.stringify(type)}, kind: "register", unit: "t", description: "steam", defaults: { scalingFactor: 2 } }],
  rules: [{ name: "steam", rules: [{
    name: "cap",
    conditions: { all: [{ fact: "meter_type", operator: "equal", value: ${JSON.stringify(type)} }, { fact: "daily", operator: "greaterThan", value: 15 }] },
    event: { type: "hold", params: { reason: "steam_over_cap" } },
  }] }],
};\n`);
  const config = join(dir, `${name}.json`);
  writeFileSync(config, JSON.stringify({ plugins: [`./${name}.mjs`] }));
  return config;
}

const steam = pluginConfig("steam-v1", "steam.register");
const renamed = pluginConfig("steam-v2", "steam_mass.register");

/** A meter's billed total, from the store's ledger. */
async function billedOf(db: string, meterId: string): Promise<number> {
  const store = await openStore(db);
  try {
    const total = ((await readLedger(store, [meterId])).get(meterId) ?? []).reduce((t, e) => t + e.billed, 0);
    return Math.round(total * 1e9) / 1e9;
  } finally {
    await store.close();
  }
}

/** A meter's held readings (reading id, reasons), by reading id. */
async function heldOf(db: string, meterId: string): Promise<Array<[string, string]>> {
  const store = await openStore(db);
  try {
    return (await listHeld(store, { meterId })).rows.map((h): [string, string] => [h.readingId, h.reasons]).sort((a, b) => a[0].localeCompare(b[0]));
  } finally {
    await store.close();
  }
}

async function release(db: string, readingId: string, reason: string) {
  const session = await OperationSession.open({ db, config: steam });
  try {
    return await releaseHeld(session, { readingId, reason, actor: "ops" });
  } finally {
    await session.close();
  }
}

async function flag(db: string, meterId: string): Promise<void> {
  const store = await openStore(db);
  await setTempBad(store, { meterId, reason: "meter under verification", actor: "ops" }).finally(() => store.close());
}

describe.each(STORES)("a release of a reading held before the rules could judge it, on $kind", ({ db: newDb }) => {
  const runner = (db: string, meters: string) => (config: string, lines: string[]) => runAndRead({
    meters, db, config, inputs: [write(dir, `r-${n++}.csv`, ["meter_id,end,value", ...lines])], out: join(dir, `o-${n++}`),
  });

  // S-1's reading consumes 500 (x2) in 30 days: the type's rule holds it; S-2 is flagged temp_bad by an
  // operator while its type is gone; S-3's reading is clean. Held unknown_meter_type alone.
  it.each([
    { name: "after the meter's latest reading", late: false },
    { name: "back-dated: a later reading billed first", late: true },
  ])("unknown_meter_type: judged by the type's rules once it is back, held for what they find ($name)", async ({ late }) => {
    const db = newDb();
    const run = runner(db, write(dir, `m-${n++}.csv`, ["meter_id,type", "S-1,steam.register", "S-2,steam.register", "S-3,steam.register"]));
    await run(steam, ["S-1", "S-2", "S-3"].flatMap((id) => [`${id},2026-08-31,100`, `${id},2026-09-30,150`]));
    const gone = await run(renamed, ["S-1,2026-10-31,400", "S-2,2026-10-31,160", "S-3,2026-10-31,160"]);
    expect(gone.held.map((h) => h.reasons)).toEqual(["unknown_meter_type", "unknown_meter_type", "unknown_meter_type"]);
    await flag(db, "S-2");
    // The type back: a later reading of each is billed before the release (the late path).
    if (late) await run(steam, ["S-1,2026-11-20,410", "S-2,2026-11-20,170", "S-3,2026-11-20,170"]);
    if (late) expect([await billedOf(db, "S-1"), await billedOf(db, "S-2"), await billedOf(db, "S-3")]).toEqual([100 + 520, 100, 100 + 40]);

    const s1 = await release(db, "S-1@2026-10-31", "type back");
    expect(s1).toMatchObject({ decision: "held", reasons: "steam_over_cap", billed: 0, correction: 0, billing: [] });
    expect(await heldOf(db, "S-1")).toEqual([["S-1@2026-10-31", "steam_over_cap"]]);
    expect(await billedOf(db, "S-1")).toBe(late ? 620 : 100);

    const s2 = await release(db, "S-2@2026-10-31", "type back");
    expect(s2).toMatchObject({ decision: "held", reasons: "temp_bad", billed: 0, correction: 0 });
    // (Its later reading, flagged too, stays held temp_bad.)
    expect(await heldOf(db, "S-2")).toEqual([["S-2@2026-10-31", "temp_bad"], ...(late ? [["S-2@2026-11-20", "temp_bad"]] : [])]);
    expect(await billedOf(db, "S-2")).toBe(100);

    const s3 = await release(db, "S-3@2026-10-31", "type back");
    expect(s3).toMatchObject({ decision: "billed", reasons: "", billed: 20, correction: late ? -20 : 0 });
    expect(await heldOf(db, "S-3")).toEqual([]);
    expect(await billedOf(db, "S-3")).toBe(late ? 140 : 120);

    // The operator looked at the cap and releases it: their override, billed what it adds.
    const override = await release(db, "S-1@2026-10-31", "cap checked");
    expect(override).toMatchObject({ decision: "billed", reasons: "", billed: 500, correction: late ? -500 : 0 });
    expect(await heldOf(db, "S-1")).toEqual([]);
    expect(await billedOf(db, "S-1")).toBe(late ? 620 : 600);
  });

  it("unknown_meter_type: refused as before while the type is still undefined, its record kept", async () => {
    const db = newDb();
    const run = runner(db, write(dir, `m-${n++}.csv`, ["meter_id,type", "S-1,steam.register"]));
    await run(steam, ["S-1,2026-09-30,100"]);
    await run(renamed, ["S-1,2026-11-30,400"]);
    const session = await OperationSession.open({ db, config: renamed });
    try {
      await expect(releaseHeld(session, { readingId: "S-1@2026-11-30", reason: "x", actor: "ops" }))
        .rejects.toMatchObject({ code: "MF_ERR_RELEASE_REFUSED", message: expect.stringMatching(/unknown_meter_type: its meter's registered type/) });
    } finally {
      await session.close();
    }
    expect(await heldOf(db, "S-1")).toEqual([["S-1@2026-11-30", "unknown_meter_type"]]);
  });

  // R-1's reading consumes 400 (x2) in 9 days: the steam type's rule holds it; R-2 is flagged temp_bad;
  // R-3's reading is clean. Held before_baseline (baseline the 15th), then the baseline fixed.
  it("before_baseline: judged once the baseline is fixed, held for what the rules find", async () => {
    const db = newDb();
    const registry = (d: string) => write(dir, `m-${n++}.csv`, ["meter_id,type,last_reading,last_end",
      `R-1,steam.register,1000,${d}`, `R-2,,1000,${d}`, `R-3,,1000,${d}`]);
    const held = await runner(db, registry("2026-11-15"))(steam, ["R-1,2026-11-10,1200", "R-2,2026-11-10,1010", "R-3,2026-11-10,1010"]);
    expect(held.held.map((h) => h.reasons)).toEqual(["before_baseline", "before_baseline", "before_baseline"]);
    await runner(db, registry("2026-11-01"))(steam, []);
    await flag(db, "R-2");

    expect(await release(db, "R-1@2026-11-10", "baseline fixed")).toMatchObject({ decision: "held", reasons: "steam_over_cap", billed: 0 });
    expect(await heldOf(db, "R-1")).toEqual([["R-1@2026-11-10", "steam_over_cap"]]);
    expect(await release(db, "R-2@2026-11-10", "baseline fixed")).toMatchObject({ decision: "held", reasons: "temp_bad", billed: 0 });
    expect(await heldOf(db, "R-2")).toEqual([["R-2@2026-11-10", "temp_bad"]]);
    expect(await release(db, "R-3@2026-11-10", "baseline fixed")).toMatchObject({ decision: "billed", reasons: "", billed: 10 });
    expect([await billedOf(db, "R-1"), await billedOf(db, "R-2"), await billedOf(db, "R-3")]).toEqual([0, 0, 10]);
    // Released again: the operator's override.
    expect(await release(db, "R-2@2026-11-10", "verified")).toMatchObject({ decision: "billed", billed: 10 });
    expect(await billedOf(db, "R-2")).toBe(10);
  });
});
