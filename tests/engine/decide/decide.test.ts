// The decision as a function (engine/decide/decide.ts) against the decision on the run's working
// set: the same batch, on the same stored state (history, held readings, a registry baseline),
// decided both ways, gives the same ledger entries, held readings, alerts, audit, counts and new
// state. The batch has new, back-dated, duplicate, conflicting, held-again and unknown readings.
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { BatchDecider } from "../../../engine/decide/decide.js";
import { Decider } from "../../../engine/decide/decider.js";
import type { BatchOutput, DecideContext } from "../../../engine/decide/output.js";
import { defaultRuleFiles, RulesDecider } from "../../../engine/decide/rules.js";
import type { ReadingBatch } from "../../../engine/ingest/batch.js";
import { createMeterIndex, readReadings } from "../../../engine/ingest/index.js";
import { applySlice, sliceOf } from "../../../engine/runtime/slice.js";
import { createEntries, entryAt } from "../../../engine/store/history.js";
import type { HistoryEntries } from "../../../engine/store/history.js";
import { openStore } from "../../../engine/store/open.js";
import type { PartitionedStore } from "../../../engine/store/contract.js";
import { STATE_FIELDS } from "../../../engine/store/state.js";
import { METERS_HEADER, runAndRead, write } from "../../helpers/run.js";
import { tempDir } from "../../helpers/tmp.js";
import type { MeterIdColumn } from "../../../engine/store/meter-table.js";
import { prepareSlice } from "./prepare.js";

const dir = tempDir();
const meterIds = Array.from({ length: 12 }, (_, i) => `E-${i}`);
const meters = write(dir, "meters.csv", [METERS_HEADER, ...meterIds.map((id, i) =>
  `${id},electricity.register,kWh,${i % 3 === 0 ? 2 : 1},,${i % 4 === 0 ? 5 : ""},,,,,,,${i % 2 === 0 ? "1000,2026-10-31" : ","}`)]);

async function firstBatch(path: string): Promise<ReadingBatch> {
  for await (const batch of readReadings(path, { batchSize: 100_000, maxEndDay: 30_000, meters: createMeterIndex() })) return batch;
  throw new Error("no batch");
}

async function prepare(store: PartitionedStore, batch: ReadingBatch) {
  return prepareSlice(store, batch, await RulesDecider.load(defaultRuleFiles()));
}

const emptyOutput = (rows: number): BatchOutput => ({
  counts: { rows, billable: 0, held: 0, rejected: 0, duplicates: 0, sensor: 0, corrections: 0 },
  history: createEntries(), held: [], heldOut: [], rejected: [], alerts: [], audit: [],
});

function byId(h: HistoryEntries, ids: MeterIdColumn) {
  return Array.from({ length: h.length }, (_, i) => ({ ...entryAt(h, i), meter: ids.get(h.meter[i]) }));
}

describe("decide(input) -> output", () => {
  it("decides a batch's slice exactly as the run decides it on its working set", async () => {
    const db = join(dir, "state.db");
    await runAndRead({ meters, db, out: join(dir, "night-1"), inputs: [write(dir, "n1.csv", ["meter_id,end,value",
      ...meterIds.flatMap((id, i) => [`${id},2026-11-10,${1010 + i}`, `${id},2026-11-20,${i === 3 ? 50 : 1030 + i * 2}`, `${id},2026-11-25,${1040 + i * 3}`])])] });
    const night2 = write(dir, "n2.csv", ["meter_id,end,value,source,verification",
      ...meterIds.flatMap((id, i) => [
        `${id},2026-11-30,${1060 + i * 4},,`, // new
        `${id},2026-11-15,${1020 + i},manual,`, // back-dated
        `${id},2026-11-25,${1040 + i * 3},,`, // duplicate
      ]),
      "E-1,2026-11-10,999,,", // conflict
      "E-3,2026-11-20,50,,", // a held reading again
      "E-5,2026-11-12,1012,manual,true", // zero under verification, back-dated
      "X-9,2026-11-30,5,,", // unknown meter
    ]);
    const store = await openStore(db);
    const a = await prepare(store, await firstBatch(night2));
    const batchB = await firstBatch(night2);
    const b = await prepare(store, batchB);

    const outA = emptyOutput(batchB.length);
    new Decider(a.ctx as DecideContext).decide(await firstBatch(night2), a.keys, outA);
    const slice = sliceOf(b.ctx, batchB, b.keys);
    const decider = new BatchDecider({ kernel: b.ctx.kernel, rules: b.ctx.rules, facts: b.ctx.facts });
    const outB = decider.decide(slice.input);
    applySlice(b.ctx, slice, outB);

    expect(outA.counts.corrections).toBeGreaterThan(5);
    expect(outA.held.length).toBeGreaterThan(2);
    expect(outB.counts).toEqual(outA.counts);
    expect(byId(outB.history, b.ws.meters.ids)).toEqual(byId(outA.history, a.ws.meters.ids));
    expect(outB.held).toEqual(outA.held);
    expect(outB.alerts).toEqual(outA.alerts);
    expect(outB.audit).toEqual(outA.audit);
    for (const id of meterIds) {
      const ka = a.ws.meters.keyOf.get(id)!;
      const kb = b.ws.meters.keyOf.get(id)!;
      for (const [name] of STATE_FIELDS) expect(b.ws.state[name][kb], `${id} ${name}`).toEqual(a.ws.state[name][ka]);
    }
    await store.close();
  });
});
