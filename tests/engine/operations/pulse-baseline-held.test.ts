// A pulse count dated before its meter's first reading (no registry baseline) that is held for
// its own reasons (pulse audit). Its count is the pulses since the module's reading before it,
// held or not, so the reading after a held one bills its own count: sent in that order, the old
// first reading is billed. Sent the other way round, the first reading stayed the baseline,
// billing nothing until the held one was released: the same readings billed otherwise by their
// order (DESIGN.md's ledger law). The held one stays out of the chain; the old first reading is
// billed its count when the rules bill it (a fault the held one flags its meter for holds it, the
// count then owed until that release), and never under a meter type no plugin defines. Both stores.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { OperationSession, releaseHeld } from "../../../engine/operations/index.js";
import { readLedger } from "../../../engine/store/ledger.js";
import { openStore } from "../../../engine/store/open.js";
import { runAndRead, write } from "../../helpers/run.js";
import { tempDir } from "../../helpers/tmp.js";
import { runPostgresTests, testStoreUrl } from "../store/postgres-env.js";

const dir = tempDir("meterflow-pulse-baseline-held-");
let n = 0;
const STORES = [
  { kind: "sqlite", db: () => join(dir, `s-${n++}.db`) },
  ...(runPostgresTests ? [{ kind: "postgres", db: testStoreUrl }] : []),
];
const day = (d: number) => `2026-11-${String(d).padStart(2, "0")}`;

/** A plugin: the pulse type `type` (0.01 m3 a pulse) and a rule holding a manual reading `manual_check` (it flags nothing). */
function pluginConfig(name: string, type: string): string {
  writeFileSync(join(dir, `${name}.mjs`), `export default {
  name: "@test/manual", version: "1.0.0", sdk: "^1.0.0",
  meterTypes: [{ name: ${JSON.stringify(type)}, kind: "pulse", unit: "m3", description: "test", defaults: { pulseWeight: 0.01 } }],
  rules: [{ name: "manual", rules: [{ name: "manual-check",
    conditions: { all: [{ fact: "source", operator: "equal", value: "manual" }] },
    event: { type: "hold", params: { reason: "manual_check" } } }] }],
};\n`);
  const config = join(dir, `${name}.json`);
  writeFileSync(config, JSON.stringify({ plugins: [`./${name}.mjs`] }));
  return config;
}

const config = pluginConfig("manual-v1", "test.pulse");
const renamed = pluginConfig("manual-v2", "test2.pulse");
const meters = write(dir, "meters.csv", ["meter_id,type", "P1,test.pulse"]);

/** What each reading billed (by end day), and the meter's total, from the store's ledger. */
async function billedOf(db: string, meterId: string): Promise<{ total: number; byDay: Record<string, number> }> {
  const store = await openStore(db);
  try {
    const byDay: Record<string, number> = {};
    let total = 0;
    for (const e of (await readLedger(store, [meterId])).get(meterId) ?? []) {
      const d = new Date(e.end * 86_400_000).toISOString().slice(0, 10);
      byDay[d] = Math.round(((byDay[d] ?? 0) + e.billed) * 1e9) / 1e9;
      total += e.billed;
    }
    return { total: Math.round(total * 1e9) / 1e9, byDay };
  } finally {
    await store.close();
  }
}

describe.each(STORES)("a pulse reading held before its meter's first reading, on $kind", ({ db: newDb }) => {
  const runner = (db: string) => (cfg: string, lines: string[]) => runAndRead({
    meters, db, config: cfg, inputs: [write(dir, `r-${n++}.csv`, ["meter_id,end,value,source", ...lines])], out: join(dir, `o-${n++}`),
  });
  const EARLIER = `P1,${day(2)},4,manual`;
  const FIRST = `P1,${day(5)},100,auto`;

  it("bills the old first reading its count, as when the held one came first; its release bills nothing more", async () => {
    const inOrder = newDb();
    const a = runner(inOrder);
    expect((await a(config, [EARLIER])).held.map((h) => [h.reading_id, h.reasons])).toEqual([[`P1@${day(2)}`, "initial|manual_check"]]);
    expect((await a(config, [FIRST])).billing.map((b) => [b.reading_id, b.start, b.consumption])).toEqual([[`P1@${day(5)}`, day(3), "1"]]);

    const late = newDb();
    const b = runner(late);
    expect((await b(config, [FIRST])).held.map((h) => [h.reading_id, h.reasons])).toEqual([[`P1@${day(5)}`, "initial"]]);
    const held = await b(config, [EARLIER]);
    expect(held.held.map((h) => [h.reading_id, h.reasons])).toEqual([[`P1@${day(2)}`, "initial|manual_check"]]);
    // The old first reading's count over (2nd, 5th], as a correction.
    expect(held.billing.map((r) => [r.reading_id, r.start, r.days, r.consumption, r.flags])).toEqual([[`P1@${day(5)}`, day(3), "3", "1", "correction"]]);
    expect(held.summary).toMatchObject({ in: 1, held: 1, billable: 0, corrections: 1, balanced: true });
    expect(await billedOf(late, "P1")).toEqual(await billedOf(inOrder, "P1"));
    expect(await billedOf(late, "P1")).toEqual({ total: 1, byDay: { [day(5)]: 1 } });

    // Released (in either store), the held reading is the baseline and bills nothing: nothing billed twice.
    for (const db of [inOrder, late]) {
      const session = await OperationSession.open({ db, config });
      try {
        expect(await releaseHeld(session, { readingId: `P1@${day(2)}`, reason: "read on site", actor: "ops" })).toMatchObject({ decision: "billed", billed: 0, correction: 0 });
      } finally {
        await session.close();
      }
      expect(await billedOf(db, "P1")).toEqual({ total: 1, byDay: { [day(2)]: 0, [day(5)]: 1 } });
    }
  });

  it("leaves the old first reading the baseline when the held one flags its meter, its count billed on that release", async () => {
    const db = newDb();
    const run = runner(db);
    await run(config, [FIRST]);
    // A bounce (a 2 ms pulse): held, the meter flagged temp_bad, so the old first reading's count is not billed now.
    const bounce = await runAndRead({ meters, db, config, inputs: [write(dir, `r-${n++}.csv`, ["meter_id,end,value,pulse_min_on_ms", `P1,${day(2)},4,2`])], out: join(dir, `o-${n++}`) });
    expect(bounce.held.map((h) => [h.reading_id, h.reasons])).toEqual([[`P1@${day(2)}`, "temp_bad:bounce|initial"]]);
    expect(bounce.billing).toEqual([]);
    expect(await billedOf(db, "P1")).toEqual({ total: 0, byDay: { [day(5)]: 0 } });
    const session = await OperationSession.open({ db, config });
    try {
      expect(await releaseHeld(session, { readingId: `P1@${day(2)}`, reason: "checked", actor: "ops" })).toMatchObject({ billed: 0, correction: 1 });
    } finally {
      await session.close();
    }
    expect(await billedOf(db, "P1")).toEqual({ total: 1, byDay: { [day(2)]: 0, [day(5)]: 1 } });
  });

  it("bills nothing of the old first reading while its meter's type is one no loaded plugin defines", async () => {
    const db = newDb();
    const run = runner(db);
    await run(config, [FIRST]);
    const gone = await run(renamed, [`P1,${day(2)},4,auto`]);
    expect(gone.held.map((h) => [h.reading_id, h.reasons])).toEqual([[`P1@${day(2)}`, "initial|unknown_meter_type"]]);
    expect(gone.billing).toEqual([]);
    expect(await billedOf(db, "P1")).toEqual({ total: 0, byDay: { [day(5)]: 0 } });
  });
});
