// Releasing a reading held `unknown_meter` once its meter is imported (pulse audit: a bounce
// billed on release). Its hold carried no judgement: the meter was unknown, so no fault, rule or
// implausible value could be seen. A release lifted every hold the reading would now get and
// billed it; it now judges the reading as a new late reading with its own facts and the meter's
// registry row: held by that judgement, it stays held under its new reasons (listed, nothing
// billed; an operator's release of those is the usual override), else it is billed as before.
// Both stores; the ledger law holds throughout (a held reading bills nothing, a release what it adds).
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { listHeld, listTempBad, OperationSession, releaseHeld, setTempBad } from "../../../engine/operations/index.js";
import { exportOutputs } from "../../../engine/export/export.js";
import { readLedger } from "../../../engine/store/ledger.js";
import { openStore } from "../../../engine/store/open.js";
import { METERS_HEADER, readCsv, runAndRead, write } from "../../helpers/run.js";
import { tempDir } from "../../helpers/tmp.js";
import { runPostgresTests, testStoreUrl } from "../store/postgres-env.js";

const dir = tempDir("meterflow-unknown-release-");
let n = 0;
const STORES = [
  { kind: "sqlite", db: () => join(dir, `s-${n++}.db`) },
  ...(runPostgresTests ? [{ kind: "postgres", db: testStoreUrl }] : []),
];
const day = (d: number) => `2026-11-${String(d).padStart(2, "0")}`;
const PULSE_HEADER = "meter_id,type,unit,pulse_weight,pulse_input,last_reading,last_end";
const register = (id: string, baseline: string) => `${id},electricity.register,kWh,1,,,,,,,,,${baseline}`;

/** A meter's billed total, and what each reading billed (by end day), from the store's ledger. */
async function billedOf(db: string, meterId: string): Promise<{ total: number; byDay: Map<string, number> }> {
  const store = await openStore(db);
  try {
    const byDay = new Map<string, number>();
    let total = 0;
    for (const e of (await readLedger(store, [meterId])).get(meterId) ?? []) {
      const d = new Date(e.end * 86_400_000).toISOString().slice(0, 10);
      byDay.set(d, Math.round(((byDay.get(d) ?? 0) + e.billed) * 1e9) / 1e9);
      total += e.billed;
    }
    return { total: Math.round(total * 1e9) / 1e9, byDay };
  } finally {
    await store.close();
  }
}

async function heldOf(db: string, meterId: string): Promise<Array<[string, string]>> {
  const store = await openStore(db);
  try {
    return (await listHeld(store, { meterId })).rows.map((h) => [h.readingId, h.reasons]);
  } finally {
    await store.close();
  }
}

async function release(db: string, readingId: string, reason = "meter imported") {
  const session = await OperationSession.open({ db });
  try {
    return await releaseHeld(session, { readingId, reason, actor: "ops" });
  } finally {
    await session.close();
  }
}

describe.each(STORES)("releasing a reading held unknown_meter, its meter imported since, on $kind", ({ db: newDb }) => {
  /** Runs `lines` (with `header`) against the registry file `meters`. */
  const runner = (db: string) => (meters: string, header: string, lines: string[]) => runAndRead({
    meters, db, inputs: [write(dir, `r-${n++}.csv`, [header, ...lines])], out: join(dir, `o-${n++}`),
  });

  // The pulse meter P1 unknown: its bouncing reading (a 2 ms pulse) held unknown_meter; then it is
  // imported with a registry baseline, and (late) a later clean reading is billed before the release.
  it.each([
    { name: "after the meter's latest reading", late: false },
    { name: "back-dated: a later reading billed first", late: true },
  ])("keeps a bouncing pulse reading held for its bounce, billing nothing ($name); an operator's release of that bills it", async ({ late }) => {
    const db = newDb();
    const run = runner(db);
    const none = write(dir, `m-${n++}.csv`, [PULSE_HEADER, `K1,water.pulse,m3,0.01,s0a,0,${day(1)}`]);
    const first = await run(none, "meter_id,end,value,pulse_min_on_ms", [`P1,${day(10)},10,2`, `K1,${day(10)},10,`]);
    expect(first.held.map((h) => [h.reading_id, h.reasons])).toEqual([[`P1@${day(10)}`, "unknown_meter"]]);
    const imported = write(dir, `m-${n++}.csv`, [PULSE_HEADER, `K1,water.pulse,m3,0.01,s0a,0,${day(1)}`, `P1,water.pulse,m3,0.01,s0a,0,${day(1)}`]);
    const later = await run(imported, "meter_id,end,value,pulse_min_on_ms", late ? [`P1,${day(12)},5,50`] : []);
    expect(later.billing.map((b) => [b.reading_id, b.consumption])).toEqual(late ? [[`P1@${day(12)}`, "0.05"]] : []);

    const r = await release(db, `P1@${day(10)}`);
    expect(r).toMatchObject({ readingId: `P1@${day(10)}`, decision: "held", billed: 0, correction: 0, billing: [] });
    expect(r.reasons.split("|")).toContain("temp_bad:bounce");
    // Held under its new reasons, in place of unknown_meter: one held record, nothing billed for it.
    expect(await heldOf(db, "P1")).toEqual([[`P1@${day(10)}`, r.reasons]]);
    expect(await billedOf(db, "P1")).toMatchObject({ total: late ? 0.05 : 0 });
    const store = await openStore(db);
    try {
      // As a new reading with a bounce would, it flagged its meter temp_bad (the default rules).
      expect((await listTempBad(store)).map((f) => [f.meterId, f.reason])).toEqual([["P1", "bounce"]]);
      // The release is audited with what it came to; its batch of one counts the reading held.
      // (Both in one commit: the stores list them in either order.)
      expect((await store.audit("P1")).map((a) => [a.action, a.reason, a.actor]).sort()).toEqual([
        ["release", `meter imported (re-held: ${r.reasons})`, "ops"], ["set", "bounce", expect.stringMatching(/^rules/)],
      ]);
      const batches = await store.listBatches({ limit: 100 });
      expect(batches.at(-1)!.counts).toMatchObject({ rows: 1, billable: 0, held: 1, rejected: 0, duplicates: 0 });
      expect(await store.heldSummary()).toMatchObject({ meters: 1, readings: 1, byReason: { [r.reasons]: 1 } });
      // Exported, the release's batch has its held.csv row (the first run's keeps the one it held), and every reading is accounted for.
      const out = join(dir, `x-${n++}`);
      expect(await exportOutputs({ store, out })).toMatchObject({ balanced: true });
      expect(readCsv(join(out, "held.csv")).filter((h) => h.meter_id === "P1").map((h) => [h.reading_id, h.flags, h.reasons]))
        .toEqual([[`P1@${day(10)}`, "", "unknown_meter"], [`P1@${day(10)}`, "bounce", r.reasons]]);
    } finally {
      await store.close();
    }

    // The operator saw the bounce and releases it: their override, as for any held reading.
    const override = await release(db, `P1@${day(10)}`, "bounce checked: the count is right");
    expect(override).toMatchObject({ decision: "billed", reasons: "", billed: 0.1, correction: 0 });
    expect(await heldOf(db, "P1")).toEqual([]);
    expect(await billedOf(db, "P1")).toMatchObject({ total: late ? 0.15 : 0.1 });
  });

  it("bills a clean pulse reading held unknown_meter as before: its own count", async () => {
    const db = newDb();
    const run = runner(db);
    const none = write(dir, `m-${n++}.csv`, [PULSE_HEADER, `K1,water.pulse,m3,0.01,s0a,0,${day(1)}`]);
    await run(none, "meter_id,end,value,pulse_min_on_ms", [`P2,${day(10)},10,50`]);
    const imported = write(dir, `m-${n++}.csv`, [PULSE_HEADER, `K1,water.pulse,m3,0.01,s0a,0,${day(1)}`, `P2,water.pulse,m3,0.01,s0a,0,${day(1)}`]);
    await run(imported, "meter_id,end,value", []);
    expect(await release(db, `P2@${day(10)}`)).toMatchObject({ decision: "billed", reasons: "", billed: 0.1, correction: 0 });
    expect(await heldOf(db, "P2")).toEqual([]);
    expect(await billedOf(db, "P2")).toMatchObject({ total: 0.1 });
  });

  // The register meter R1 unknown: 500 on the 10th, its registry baseline 1000 (a wrap of almost the
  // whole register: implausible); R2's reading is clean; R3 is flagged temp_bad once imported; R4's
  // reading is zero consumption while under verification.
  it.each([
    { name: "after the meter's latest reading", late: false },
    { name: "back-dated: a later reading billed first", late: true },
  ])("keeps an implausible or rule-held register reading held under its reasons, and bills a clean one ($name)", async ({ late }) => {
    const db = newDb();
    const run = runner(db);
    const none = write(dir, `m-${n++}.csv`, [METERS_HEADER, register("K", `1000,${day(1)}`)]);
    const first = await run(none, "meter_id,end,value,verification", [`R1,${day(10)},500,`, `R2,${day(10)},1010,`, `R3,${day(10)},1010,`, `R4,${day(10)},1000,true`]);
    expect(first.held.map((h) => h.reasons)).toEqual(["unknown_meter", "unknown_meter", "unknown_meter", "unknown_meter"]);
    const imported = write(dir, `m-${n++}.csv`, [METERS_HEADER, register("K", `1000,${day(1)}`),
      ...["R1", "R2", "R3", "R4"].map((id) => register(id, `1000,${day(1)}`))]);
    const later = await run(imported, "meter_id,end,value", late ? [`R1,${day(20)},1020`, `R2,${day(20)},1020`, `R4,${day(20)},1020`] : []);
    expect(later.billing.length).toBe(late ? 3 : 0);
    const store = await openStore(db);
    await setTempBad(store, { meterId: "R3", reason: "meter under verification", actor: "ops" }).finally(() => store.close());

    const r3 = await release(db, `R3@${day(10)}`);
    expect(r3).toMatchObject({ decision: "held", reasons: "temp_bad", billed: 0 });
    expect(await heldOf(db, "R3")).toEqual([[`R3@${day(10)}`, "temp_bad"]]);
    expect(await billedOf(db, "R3")).toMatchObject({ total: 0 });

    const r4 = await release(db, `R4@${day(10)}`);
    expect(r4).toMatchObject({ decision: "held", billed: 0 });
    expect(r4.reasons.split("|")).toContain("temp_bad:zero_under_verification");
    expect(await heldOf(db, "R4")).toEqual([[`R4@${day(10)}`, r4.reasons]]);
    expect(await billedOf(db, "R4")).toMatchObject({ total: late ? 20 : 0 });

    const r2 = await release(db, `R2@${day(10)}`);
    expect(r2).toMatchObject({ decision: "billed", reasons: "", billed: 10, correction: late ? -10 : 0 });
    expect(await heldOf(db, "R2")).toEqual([]);
    expect(await billedOf(db, "R2")).toMatchObject({ total: late ? 20 : 10 });

    const r1 = await release(db, `R1@${day(10)}`);
    expect(r1).toMatchObject({ decision: "held", reasons: "implausible_rollover", billed: 0, correction: 0 });
    expect(await heldOf(db, "R1")).toEqual([[`R1@${day(10)}`, "implausible_rollover"]]);
    expect(await billedOf(db, "R1")).toMatchObject({ total: late ? 20 : 0 });
  });

  // Held again for what no release lifts yet, the release is refused as before and its record
  // stays `unknown_meter`: judged whole once the registry allows (a before_baseline record would
  // have had its rules' holds lifted by that later release, unseen).
  it("still refuses, changing nothing, while the meter is unknown, the reading lies before its baseline, or conflicts", async () => {
    const db = newDb();
    const run = runner(db);
    const none = write(dir, `m-${n++}.csv`, [METERS_HEADER, register("K", `1000,${day(1)}`)]);
    await run(none, "meter_id,end,value", [`U1,${day(10)},5`, `U2,${day(5)},500`, `U3,${day(10)},1005`]);
    await expect(release(db, `U1@${day(10)}`)).rejects.toMatchObject({ code: "MF_ERR_RELEASE_REFUSED", message: expect.stringMatching(/unknown_meter: its meter is not in the registry/) });
    // U2 imported with a baseline after its reading (and 500 below it: implausible once placed);
    // U3 gets another value for the day of its held reading.
    const registry = (u2: string) => write(dir, `m-${n++}.csv`, [METERS_HEADER, register("K", `1000,${day(1)}`), register("U2", u2), register("U3", `1000,${day(1)}`)]);
    await run(registry(`1000,${day(8)}`), "meter_id,end,value", [`U3,${day(10)},1007`]);
    await expect(release(db, `U2@${day(5)}`)).rejects.toMatchObject({ code: "MF_ERR_RELEASE_REFUSED", message: expect.stringMatching(/before_baseline/) });
    await expect(release(db, `U3@${day(10)}`)).rejects.toMatchObject({ code: "MF_ERR_RELEASE_REFUSED", message: expect.stringMatching(/conflict/) });
    for (const [id, d] of [["U1", 10], ["U2", 5], ["U3", 10]] as const) expect(await heldOf(db, id)).toEqual([[`${id}@${day(d)}`, "unknown_meter"]]);
    // The baseline fixed: U2's reading is judged whole, an implausible wrap, and held for it.
    await run(registry(`1000,${day(1)}`), "meter_id,end,value", []);
    expect(await release(db, `U2@${day(5)}`)).toMatchObject({ decision: "held", reasons: "implausible_rollover", billed: 0 });
    expect(await heldOf(db, "U2")).toEqual([[`U2@${day(5)}`, "implausible_rollover"]]);
    expect(await billedOf(db, "U2")).toMatchObject({ total: 0 });
    expect(await billedOf(db, "U3")).toMatchObject({ total: 7 });
  });
});
