// A decision's scratch shared by the deciders of one thread (decide/scratch.ts; a worker's
// partition sessions): the kernel's work batch, the fact columns and the per-row arrays. Each
// decision writes what it reads there first, so what another decider left never reaches its bills. Two fleets whose meters differ in
// every register setting (scaling factor, reset value, digits, mode) are decided alternately on
// one shared batch, the larger first, and must come out exactly as each decided on its own.
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { createConsumptionKernel } from "../../../engine/consumption/index.js";
import type { ConsumptionBatch, ConsumptionKernel } from "../../../engine/consumption/index.js";
import { Decider } from "../../../engine/decide/decider.js";
import { FLAG } from "../../../engine/flags/flags.js";
import { DecisionScratch } from "../../../engine/decide/scratch.js";
import type { BatchOutput, DecideContext } from "../../../engine/decide/output.js";
import { defaultRuleFiles, RulesDecider } from "../../../engine/decide/rules.js";
import type { ReadingBatch } from "../../../engine/ingest/batch.js";
import { createMeterIndex, readReadings } from "../../../engine/ingest/index.js";
import { createEntries, entryAt } from "../../../engine/store/history.js";
import { openStore } from "../../../engine/store/open.js";
import { STATE_FIELDS } from "../../../engine/store/state.js";
import { METERS_HEADER, runAndRead, write } from "../../helpers/run.js";
import { tempDir } from "../../helpers/tmp.js";
import { prepareSlice } from "./prepare.js";

const dir = tempDir();
const day = (d: number) => new Date(Date.UTC(2026, 9, 1) + d * 86_400_000).toISOString().slice(0, 10);

/** A kernel that counts the batches it hands out and takes back. */
function counting(kernel: ConsumptionKernel) {
  const live = new Set<ConsumptionBatch>();
  const counts = { allocated: 0, released: 0, live };
  const wrapped: ConsumptionKernel = {
    implementation: kernel.implementation,
    maxWrapShare: kernel.maxWrapShare,
    allocate(capacity) {
      const b = kernel.allocate(capacity);
      counts.allocated++;
      live.add(b);
      return b;
    },
    release(b) {
      counts.released++;
      live.delete(b);
      kernel.release(b);
    },
    compute: (b, n) => kernel.compute(b, n),
  };
  return { kernel: wrapped, counts };
}

/**
 * A fleet's state after night 1 and its night 2 as a file. `odd` meters have a scaling factor of
 * 2.5, 5 digits in modulus mode and registers near their wrap; the others the defaults.
 */
async function fleet(name: string, meters: number, odd: boolean, readings: number) {
  const ids = Array.from({ length: meters }, (_, i) => `${name}-${String(i).padStart(4, "0")}`);
  const registry = write(dir, `${name}-meters.csv`, [METERS_HEADER, ...ids.map((id) =>
    odd ? `${id},water.register,m3,2.5,,5,modulus,,,,,,99000,${day(0)}` : `${id},water.register,m3,,,,,,,,,,1000,${day(0)}`)]);
  const header = "meter_id,end,value,verification";
  const base = odd ? 99_000 : 1000;
  const night1 = ids.map((id, i) => `${id},${day(1)},${base + 300 + (i % 7)},`);
  // Night 2: some meters wrap (odd fleet), some read zero under verification (odd: temp_bad set),
  // some go back (plain: held), the rest advance.
  const night2 = ids.flatMap((id, i) => Array.from({ length: readings }, (_, n) => {
    const step = (n + 1) * (400 + (i % 11));
    if (odd && i % 5 === 0 && n === 0) return `${id},${day(2)},${base + 300 + (i % 7)},true`;
    const value = odd ? (base + 300 + step) % 100_000 : i % 9 === 0 && n === 0 ? base + 100 : base + 300 + step;
    return `${id},${day(2 + n)},${value},`;
  }));
  const db = join(dir, `${name}.db`);
  await runAndRead({ meters: registry, db, out: join(dir, `${name}-night1`), inputs: [write(dir, `${name}-n1.csv`, [header, ...night1])] });
  return { db, night2: write(dir, `${name}-n2.csv`, [header, ...night2]) };
}

async function batchOf(path: string): Promise<ReadingBatch> {
  for await (const batch of readReadings(path, { batchSize: 100_000, maxEndDay: 30_000, meters: createMeterIndex() })) return batch;
  throw new Error("no batch");
}

/** Decides one fleet's night 2 with a context using `kernel` and, when given, the shared `scratch`. */
async function decision(f: { db: string; night2: string }, rules: RulesDecider, kernel: ConsumptionKernel, scratch?: DecisionScratch) {
  const store = await openStore(f.db);
  const batch = await batchOf(f.night2);
  const { ws, keys, ctx } = await prepareSlice(store, batch, rules);
  await store.close();
  const decider = new Decider({ ...(ctx as DecideContext), kernel, ...(scratch === undefined ? {} : { scratch }) });
  const out: BatchOutput = {
    counts: { rows: batch.length, billable: 0, held: 0, rejected: 0, duplicates: 0, sensor: 0, corrections: 0 },
    history: createEntries(), held: [], heldOut: [], rejected: [], alerts: [], audit: [],
  };
  return { decide: () => decider.decide(batch, keys, out), decider, out, ws };
}

function outcome(d: Awaited<ReturnType<typeof decision>>) {
  const ids = d.ws.meters.ids;
  const h = d.out.history;
  return {
    counts: d.out.counts,
    history: Array.from({ length: h.length }, (_, i) => ({ ...entryAt(h, i), meter: ids.get(h.meter[i]) })),
    held: d.out.held,
    audit: d.out.audit,
    state: STATE_FIELDS.map(([name]) => Array.from(d.ws.state[name].subarray(0, d.ws.size))),
  };
}

describe("a thread's decision scratch", () => {
  it("allocates its kernel batch once, grows it only for a larger batch, and gives it back on release", () => {
    const { kernel, counts } = counting(createConsumptionKernel({ implementation: "reference" }));
    const scratch = new DecisionScratch(kernel);
    const small = scratch.take(3);
    expect(small.capacity).toBe(64);
    expect(scratch.take(64)).toBe(small);
    const large = scratch.take(65);
    expect(large.capacity).toBe(65_536);
    expect(counts).toMatchObject({ allocated: 2, released: 1 });
    expect([...counts.live]).toEqual([large]);
    expect(scratch.take(100)).toBe(large);
    expect(scratch.take(70_000).capacity).toBe(70_000);
    scratch.release();
    expect(counts.live.size).toBe(0);
    expect(scratch.take(1).capacity).toBe(64);
  });

  it("shared by two deciders deciding in turn gives what each decides on its own", async () => {
    const rules = await RulesDecider.load(defaultRuleFiles());
    const [odd, plain] = await Promise.all([fleet("odd", 400, true, 3), fleet("plain", 90, false, 2)]);
    const alone = [];
    for (const f of [odd, plain]) {
      const d = await decision(f, rules, createConsumptionKernel({ implementation: "auto" }));
      d.decide();
      d.decider.release();
      alone.push(outcome(d));
    }
    const { kernel, counts } = counting(createConsumptionKernel({ implementation: "auto" }));
    const scratch = new DecisionScratch(kernel);
    const a = await decision(odd, rules, kernel, scratch);
    const b = await decision(plain, rules, kernel, scratch);
    // odd, plain, then each again on fresh slices: every decision after the first finds the
    // other fleet's rows in the batch.
    a.decide();
    b.decide();
    const a2 = await decision(odd, rules, kernel, scratch);
    const b2 = await decision(plain, rules, kernel, scratch);
    b2.decide();
    a2.decide();
    // A decider with shared scratch gives nothing back: the batch stays for the thread's others.
    for (const d of [a, b, a2, b2]) d.decider.release();
    expect(counts).toMatchObject({ allocated: 1, released: 0 });
    scratch.release();
    expect(counts.live.size).toBe(0);
    // The plain fleet holds readings that went back; the odd fleet's registers wrap, and its
    // readings of zero under verification set temp_bad.
    expect(alone[1].counts.held).toBeGreaterThan(0);
    expect(alone[0].audit.some((a) => a.action === "set")).toBe(true);
    expect(alone[0].history.some((e) => (e.flags & FLAG.rollover) !== 0 && e.held === 0)).toBe(true);
    for (const [d, expected] of [[a, alone[0]], [b, alone[1]], [a2, alone[0]], [b2, alone[1]]] as const) expect(outcome(d)).toEqual(expected);
  });
});
