// Consume + decode + decide without the store (issue 15, goal >= 5M readings/s): a worker's
// pipeline up to the commit, beside the bare JetStream consume measured in the same run.
// Shape (stated in the output): the nightly one, N register meters with a registry baseline
// (default 1,000,000), one reading each, written by the cluster bench's generator and published
// once with `publishFiles` (meterflow publish: wire v1, 16 partitions) into a fresh stream on a
// throwaway nats-server. The stream is created beforehand with limits retention (and the readings
// stream's subjects and description, so publish takes it as its own): acknowledged messages stay,
// so every run reads the same messages. A worker's stream is a work queue, which deletes them on
// the ack; with 48 messages of ~20k readings that is 48 deletions a run.
// Every run creates fresh durable consumers with the worker's settings (ensureConsumers:
// `meterflow-p<P>`, explicit ack, one message in flight) and drains them as the worker does (a
// loop per partition: next(), handle, ackAck), timed from the first fetch to the last ack:
//   1. consume:          fetch and ack, nothing else (the baseline);
//   2. + decode:         decodeBatch + readingBatchOf (the message's id table as its meter
//                        index, nothing interned, as the worker does);
//   3. + decide inline:  + the batch's slice cut from an in-memory fleet sharded by partition as
//                        the store is (ids looked up as bytes in the partition's id index,
//                        registry columns and state gathered for exactly the batch's meters), a
//                        BatchDecider in this thread, the new state put back into the fleet;
//   4. + decide in pool: the same with the decision in a DecisionPool of 2 threads, the 16
//                        partitions' batches in flight together (one per partition, in order).
// No store: no SQLite or PostgreSQL, no batch-id hash, no commit, no output publish. Tasks run
// interleaved (run r does 1, 2, 3, 4) after one warm-up round; medians over --runs.
// Pulls expire after 30 s (--expires): the worker's 1 s pulls end with "heartbeats missed" when
// this thread is busy for a second, and the message the server sent to such a pull waits out the
// ack wait (30 s); --expires 1000 shows it.
//   npm run build:ts && node --expose-gc dist/bench/cluster/consume-decide.js [--meters 1000000] [--runs 5] [--expires 30000]
import { mkdtempSync, rmSync } from "node:fs";
import { availableParallelism, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { jetstream, jetstreamManager, RetentionPolicy, StorageType } from "@nats-io/jetstream";
import type { Consumer, JetStreamManager, JsMsg } from "@nats-io/jetstream";
import { createConsumptionKernel } from "../../engine/consumption/index.js";
import { BatchDecider } from "../../engine/decide/decide.js";
import { noHeld } from "../../engine/decide/slice.js";
import type { DecideInput, DecideOutput } from "../../engine/decide/decide.js";
import { SensorStage } from "../../engine/decide/sensors.js";
import { benchBaseline, benchMeterId, writeBenchReadings } from "../../engine/demo/bench.js";
import type { ReadingBatch } from "../../engine/ingest/batch.js";
import { createMeterIndex } from "../../engine/ingest/meter-index.js";
import { channelRanges } from "../../engine/ingest/ranges.js";
import { connectNats } from "../../engine/nats/connect.js";
import { publishFiles } from "../../engine/nats/publish.js";
import { readingBatchOf } from "../../engine/nats/reading-batch.js";
import { streamDescription } from "../../engine/nats/stream.js";
import { READINGS_SUBJECTS, readingsSubject } from "../../engine/nats/subjects.js";
import { decodeBatch } from "../../engine/nats/wire.js";
import type { WireBatch } from "../../engine/nats/wire.js";
import { channelIndex, scopedThresholds } from "../../engine/plugins/index.js";
import { canDecideInThreads, DecisionPool } from "../../engine/pool/index.js";
import { createFacts } from "../../engine/rules/facts.js";
import { loadDecisionSetup } from "../../engine/runtime/decision-setup.js";
import { createEntries } from "../../engine/store/history.js";
import { MeterIds } from "../../engine/runtime/meter-ids.js";
import { codeStrings, IdList } from "../../engine/store/meter-table.js";
import type { MeterTable } from "../../engine/store/meter-table.js";
import { bucketOf, partitionOf } from "../../engine/store/contract.js";
import { createState, STATE_FIELDS } from "../../engine/store/state.js";
import type { MeterState } from "../../engine/store/state.js";
import { parseDay } from "../../engine/time/index.js";
import { consumerName, ensureConsumers } from "../../engine/worker/consumers.js";
import { ThresholdTracker } from "../../sdk/thresholds.js";
import { startServer } from "../nats/server.js";

const { values } = parseArgs({ options: {
  meters: { type: "string", default: "1000000" }, runs: { type: "string", default: "5" }, expires: { type: "string", default: "30000" },
} });
const N = Number(values.meters);
const runs = Number(values.runs);
/** The pull's expiry, ms. The worker pulls with 1000 (idle heartbeat 500 ms), which a busy thread misses: --expires 1000 shows it. */
const EXPIRES_MS = Number(values.expires);
if (!(N >= 1 && runs >= 1 && EXPIRES_MS >= 1000)) throw new Error("--meters and --runs must be positive, --expires at least 1000");
const PARTITIONS = 16;
const STREAM = "MFLOW";
const FIRST_DAY = "2026-09-01";
const GOAL = 5e6;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1];

if (!canDecideInThreads()) throw new Error("run the compiled bench: npm run build:ts && node --expose-gc dist/bench/cluster/consume-decide.js");

// --- the fleet in memory, sharded by partition as the store is (not timed) ---
// Per partition: its meters' registry columns (bucket by bucket, registry order in a bucket), an id index and the state as the
// working set loads it after `meters import` (the registry baseline is the latest reading).
const TYPES = [["electricity.register", "kWh"], ["gas.register", "m3"], ["water.register", "m3"], ["heat.register", "kWh"]];
const baseEnd = parseDay(FIRST_DAY) - 1;
interface Shard { table: MeterTable; index: ReturnType<typeof createMeterIndex>; pristine: MeterState; state: MeterState }
const members: number[][] = Array.from({ length: PARTITIONS }, () => []);
for (let i = 0; i < N; i++) members[partitionOf(benchMeterId(i, N), PARTITIONS)].push(i);
// A shard holds its meters bucket by bucket, as a working set loads them (keys by bucket and slot).
for (const list of members) {
  const bucket = new Map(list.map((i) => [i, bucketOf(benchMeterId(i, N), PARTITIONS)]));
  list.sort((a, b) => bucket.get(a)! - bucket.get(b)! || a - b);
}
const shards: Shard[] = members.map((list) => {
  const n = list.length;
  const ids = list.map((i) => benchMeterId(i, N));
  const f64 = (v: number) => new Float64Array(n).fill(v);
  const table: MeterTable = {
    size: n, ids: new IdList(ids), keyOf: new Map(), scale: f64(1), reset: f64(Number.NaN), digits: new Uint8Array(n), mode: new Uint8Array(n),
    type: codeStrings(list.map((i) => TYPES[i & 3][0])), unit: codeStrings(list.map((i) => TYPES[i & 3][1])), pulseWeight: f64(Number.NaN), pulseInput: new Uint8Array(n),
    pulseWidthMs: f64(Number.NaN), qmax: f64(Number.NaN), noPulseDays: f64(Number.NaN), debounceMs: f64(Number.NaN),
    baseValue: Float64Array.from(list, (i) => benchBaseline(1, i)), baseEnd: new Int32Array(n).fill(baseEnd),
  };
  const index = createMeterIndex(n);
  for (let k = 0; k < n; k++) if (index.intern(ids[k]) !== k) throw new Error("fleet index out of order");
  const pristine = createState(n);
  pristine.lastEnd.fill(baseEnd);
  pristine.lastValue.set(table.baseValue);
  return { table, index, pristine, state: pristine };
});
/** Every shard's state back to the night before (a run of a deciding task starts from it). */
const resetFleetState = (): void => {
  for (const shard of shards) {
    const s = { size: shard.pristine.size } as MeterState;
    for (const [name] of STATE_FIELDS) (s as unknown as Record<string, unknown>)[name] = shard.pristine[name].slice();
    shard.state = s;
  }
};

// Gathers, one per column type.
function f64Of(from: Float64Array, at: Int32Array): Float64Array {
  const to = new Float64Array(at.length);
  for (let l = 0; l < at.length; l++) to[l] = from[at[l]];
  return to;
}
function i32Of(from: Int32Array, at: Int32Array): Int32Array {
  const to = new Int32Array(at.length);
  for (let l = 0; l < at.length; l++) to[l] = from[at[l]];
  return to;
}
function u32Of(from: Uint32Array, at: Int32Array): Uint32Array {
  const to = new Uint32Array(at.length);
  for (let l = 0; l < at.length; l++) to[l] = from[at[l]];
  return to;
}
function u8Of(from: Uint8Array, at: Int32Array): Uint8Array {
  const to = new Uint8Array(at.length);
  for (let l = 0; l < at.length; l++) to[l] = from[at[l]];
  return to;
}

/**
 * The slice of a batch of `partition` (its MeterIndex is fresh: its ids are the batch's meters)
 * cut from the partition's shard: ids looked up as bytes, registry columns and state gathered.
 */
function sliceOf(batch: ReadingBatch, wire: WireBatch, partition: number): { input: DecideInput; fleetKeys: Int32Array } {
  const shard = shards[partition];
  const fleet = shard.table;
  const index = batch.meters;
  const m = index.size;
  const { idBytes: bytes, idEnds: ends } = wire;
  const fleetKeys = new Int32Array(m);
  for (let l = 0, at = 0; l < m; l++) {
    const f = shard.index.internBytes(bytes, at, (at = ends[l]));
    if (f >= fleet.size) throw new Error(`meter ${index.idOf(l)} is not in the fleet`);
    fleetKeys[l] = f;
  }
  // The slice's ids are the batch's, as bytes (as a worker's slices carry them, runtime/slice.ts).
  const ids = MeterIds.over(bytes.slice(0, m === 0 ? 0 : ends[m - 1]), ends.slice(0, m));
  const type = { values: fleet.type.values, codes: new Uint32Array(m) };
  const unit = { values: fleet.unit.values, codes: new Uint32Array(m) };
  for (let l = 0; l < m; l++) {
    const f = fleetKeys[l];
    type.codes[l] = fleet.type.codes[f];
    unit.codes[l] = fleet.unit.codes[f];
  }
  let keyOf: Map<string, number> | undefined;
  // The decision never reads keyOf (the pool's fromTask builds it lazily too).
  const meters = Object.defineProperty({
    size: m, ids, type, unit, scale: f64Of(fleet.scale, fleetKeys), reset: f64Of(fleet.reset, fleetKeys), digits: u8Of(fleet.digits, fleetKeys),
    mode: u8Of(fleet.mode, fleetKeys), pulseWeight: f64Of(fleet.pulseWeight, fleetKeys), pulseInput: u8Of(fleet.pulseInput, fleetKeys),
    pulseWidthMs: f64Of(fleet.pulseWidthMs, fleetKeys), qmax: f64Of(fleet.qmax, fleetKeys), noPulseDays: f64Of(fleet.noPulseDays, fleetKeys),
    debounceMs: f64Of(fleet.debounceMs, fleetKeys), baseValue: f64Of(fleet.baseValue, fleetKeys), baseEnd: i32Of(fleet.baseEnd, fleetKeys),
  }, "keyOf", { get: () => (keyOf ??= new Map(Array.from({ length: m }, (_, k) => [ids.get(k), k]))), enumerable: true }) as unknown as MeterTable;
  const f = shard.state;
  const state: MeterState = {
    size: m, lastEnd: i32Of(f.lastEnd, fleetKeys), lastValue: f64Of(f.lastValue, fleetKeys), readings: u32Of(f.readings, fleetKeys),
    sumConsumption: f64Of(f.sumConsumption, fleetKeys), sumDays: f64Of(f.sumDays, fleetKeys), tempBad: u8Of(f.tempBad, fleetKeys),
    idleSince: i32Of(f.idleSince, fleetKeys), heldCount: u32Of(f.heldCount, fleetKeys), chain: u8Of(f.chain, fleetKeys),
    chainFrom: i32Of(f.chainFrom, fleetKeys), pulseEnd: i32Of(f.pulseEnd, fleetKeys),
  };
  // Slice key = the batch's meter index (the fresh index holds exactly the batch's meters).
  const keys = batch.meter.slice(0, batch.length);
  const input: DecideInput = {
    batch, keys, meters, state, history: createEntries(1),
    held: noHeld(),
  };
  return { input, fleetKeys };
}

/** The decision's state put back into the fleet. */
function applyState(out: DecideOutput, fleetKeys: Int32Array, partition: number): void {
  const f = shards[partition].state;
  const o = out.state;
  scatterI32(f.lastEnd, o.lastEnd, fleetKeys);
  scatterF64(f.lastValue, o.lastValue, fleetKeys);
  scatterU32(f.readings, o.readings, fleetKeys);
  scatterF64(f.sumConsumption, o.sumConsumption, fleetKeys);
  scatterF64(f.sumDays, o.sumDays, fleetKeys);
  scatterU8(f.tempBad, o.tempBad, fleetKeys);
  scatterI32(f.idleSince, o.idleSince, fleetKeys);
  scatterU32(f.heldCount, o.heldCount, fleetKeys);
}

function scatterF64(to: Float64Array, from: Float64Array, at: Int32Array): void {
  for (let l = 0; l < at.length; l++) to[at[l]] = from[l];
}
function scatterI32(to: Int32Array, from: Int32Array, at: Int32Array): void {
  for (let l = 0; l < at.length; l++) to[at[l]] = from[l];
}
function scatterU32(to: Uint32Array, from: Uint32Array, at: Int32Array): void {
  for (let l = 0; l < at.length; l++) to[at[l]] = from[l];
}
function scatterU8(to: Uint8Array, from: Uint8Array, at: Int32Array): void {
  for (let l = 0; l < at.length; l++) to[at[l]] = from[l];
}

// --- the decision: this thread's BatchDecider (as engine/pool/worker.ts builds one) and a pool ---
const setup = await loadDecisionSetup({});
await setup.plugins.setup();
const channels = channelIndex(setup.plugins);
const facts = createFacts();
setup.pluginFacts.clear(facts as Record<string, unknown>);
const tracker = setup.plugins.channels.length > 0 ? new ThresholdTracker(scopedThresholds(setup.plugins)) : undefined;
const inline = new BatchDecider({
  kernel: createConsumptionKernel({ implementation: "auto" }), rules: setup.rules, facts, pluginFacts: setup.pluginFacts,
  sensors: tracker === undefined ? undefined : { stage: new SensorStage(setup.plugins.channels, channelRanges(setup.plugins.channels), tracker), tracker },
});
const pool = new DecisionPool({}, 2);

// --- the stream: created with limits retention, published once with meterflow's publish ---
const dir = mkdtempSync(join(tmpdir(), "meterflow-bench-consume-"));
const server = await startServer();
const nc = await connectNats(server.url, { name: "consume-decide bench" });
const jsm: JetStreamManager = await jetstreamManager(nc);
const js = jetstream(nc);

interface Tally { stages: Record<string, number>; missed: number; messages: number; bytes: number; rows: number; billable: number; held: number; rejected: number; duplicates: number }
type Handle = (msg: JsMsg, tally: Tally) => void | Promise<void>;

/** The worker's decode: wire batch, then a ReadingBatch on the message's id table (nothing interned). */
function decode(msg: JsMsg): { batch: ReadingBatch; wire: WireBatch; partition: number } {
  const wire = decodeBatch(msg.data);
  return { batch: readingBatchOf(wire, channels), wire, partition: wire.partition };
}

/** Adds the time since `at` to the stage `name` of the tally; returns now. */
function lap(t: Tally, name: string, at: number): number {
  const now = performance.now();
  t.stages[name] = (t.stages[name] ?? 0) + (now - at) / 1000;
  return now;
}

function count(t: Tally, out: DecideOutput): void {
  t.rows += out.counts.rows;
  t.billable += out.counts.billable;
  t.held += out.counts.held;
  t.rejected += out.counts.rejected;
  t.duplicates += out.counts.duplicates;
}

const TASKS: Array<{ name: string; decides: boolean; handle: Handle }> = [
  { name: "consume", decides: false, handle: (msg, t) => void (t.bytes += msg.data.length) },
  { name: "+ decode", decides: false, handle: (msg, t) => void (t.rows += decode(msg).batch.length) },
  { name: "+ decide inline", decides: true, handle: (msg, t) => {
    let at = performance.now();
    const { batch, wire, partition } = decode(msg);
    at = lap(t, "decode", at);
    const { input, fleetKeys } = sliceOf(batch, wire, partition);
    at = lap(t, "slice", at);
    const out = inline.decide(input);
    at = lap(t, "decide", at);
    applyState(out, fleetKeys, partition);
    lap(t, "state back", at);
    count(t, out);
  } },
  { name: "+ decide in pool (2 threads)", decides: true, handle: async (msg, t) => {
    let at = performance.now();
    const { batch, wire, partition } = decode(msg);
    at = lap(t, "decode", at);
    const { input, fleetKeys } = sliceOf(batch, wire, partition);
    at = lap(t, "slice", at);
    // The slice was cut for this message: handed to the thread, not copied (as a worker does).
    const out = await pool.decide(input, { handOver: true });
    at = performance.now();
    applyState(out, fleetKeys, partition);
    lap(t, "state back", at);
    count(t, out);
  } },
];

/** One partition's messages, as the worker takes them: one at a time, acknowledged after handling. */
async function drain(consumer: Consumer, expected: number, handle: Handle, tally: Tally): Promise<void> {
  for (let got = 0; got < expected;) {
    let msg: JsMsg | null;
    try {
      msg = await consumer.next({ expires: EXPIRES_MS });
    } catch {
      // "heartbeats missed": this thread was too busy to read the server's heartbeats. The
      // worker pauses 250 ms and pulls again; here the pull is made again at once, and counted.
      tally.missed++;
      continue;
    }
    if (msg === null) continue;
    await handle(msg, tally);
    if (!(await msg.ackAck({ timeout: 10_000 }))) throw new Error(`message ${msg.seq} on ${msg.subject} was not acknowledged`);
    tally.messages++;
    got++;
  }
}

/** One timed run of a task on fresh consumers; seconds from the first fetch to the last ack. */
async function runTask(task: (typeof TASKS)[number], perPartition: number[]): Promise<{ seconds: number; tally: Tally }> {
  for (let p = 0; p < PARTITIONS; p++) await jsm.consumers.delete(STREAM, consumerName(p)).catch(() => false);
  await ensureConsumers(jsm, STREAM, PARTITIONS, 30_000);
  const consumers = await Promise.all(Array.from({ length: PARTITIONS }, (_, p) => js.consumers.get(STREAM, consumerName(p))));
  if (task.decides) resetFleetState();
  const tally: Tally = { stages: {}, missed: 0, messages: 0, bytes: 0, rows: 0, billable: 0, held: 0, rejected: 0, duplicates: 0 };
  globalThis.gc?.();
  const t = performance.now();
  await Promise.all(consumers.map((c, p) => drain(c, perPartition[p], task.handle, tally)));
  const seconds = (performance.now() - t) / 1000;
  if (tally.messages !== perPartition.reduce((a, b) => a + b, 0)) throw new Error(`${task.name}: ${tally.messages} messages`);
  if (task.name !== "consume" && tally.rows !== N) throw new Error(`${task.name}: ${tally.rows} rows of ${N}`);
  if (task.decides && tally.rows !== tally.billable + tally.held + tally.rejected + tally.duplicates) throw new Error(`${task.name}: counts do not balance`);
  return { seconds, tally };
}

try {
  const path = join(dir, "readings.csv");
  const file = await writeBenchReadings({ path, meters: N, readings: N, startDay: FIRST_DAY });
  await jsm.streams.add({
    name: STREAM, subjects: [READINGS_SUBJECTS], description: streamDescription(PARTITIONS), retention: RetentionPolicy.Limits, storage: StorageType.File,
  });
  const published = await publishFiles({ nats: server.url, inputs: [path], partitions: PARTITIONS, now: new Date(`${FIRST_DAY}T12:00:00Z`) });
  if (published.published !== N) throw new Error(`published ${published.published} of ${N}`);
  const info = await jsm.streams.info(STREAM, { subjects_filter: ">" });
  const subjects = info.state.subjects ?? {};
  const perPartition = Array.from({ length: PARTITIONS }, (_, p) => subjects[readingsSubject(p)] ?? 0);
  console.log(`shape: ${N.toLocaleString("en")} register meters with a registry baseline, one reading each (${(file.bytes / 1e6).toFixed(1)} MB CSV), `
    + `published once by meterflow publish (wire v1, ${PARTITIONS} partitions): ${published.messages} messages, ${(published.bytes / 1e6).toFixed(1)} MB `
    + `(${(published.bytes / N).toFixed(1)} B/reading), stream ${STREAM} (file storage, limits retention) on nats-server ${nc.info?.version ?? "?"} at ${server.url}`);
  console.log(`consumers: a fresh durable pull consumer per partition each run (meterflow-p<P>, explicit ack, max_ack_pending 1), drained as the worker does; `
    + `pulls expire after ${EXPIRES_MS} ms; fleet in memory in ${PARTITIONS} shards by partition; decision: default rules and built-in plugins; pool: 2 threads; ${availableParallelism()} cores, `
    + `node ${process.version}; ${runs} timed runs per task after a warm-up round, tasks interleaved`);

  const times = TASKS.map(() => [] as number[]);
  const missed = TASKS.map(() => 0);
  const stages = TASKS.map(() => new Map<string, number[]>());
  const tallies: Tally[] = [];
  const loads: number[] = [];
  for (let r = -1; r < runs; r++) {
    const line: string[] = [];
    for (let k = 0; k < TASKS.length; k++) {
      const { seconds, tally } = await runTask(TASKS[k], perPartition);
      line.push(`${TASKS[k].name} ${seconds.toFixed(3)} s${tally.missed > 0 ? ` (${tally.missed} pulls ended by missed heartbeats)` : ""}`);
      if (r < 0) continue;
      times[k].push(seconds);
      missed[k] += tally.missed;
      for (const [name, x] of Object.entries(tally.stages)) stages[k].set(name, [...(stages[k].get(name) ?? []), x]);
      tallies[k] = tally;
    }
    if (r >= 0) loads.push(loadavg()[0]);
    console.log(`${r < 0 ? "warm-up" : `run ${r + 1}`}: ${line.join(", ")}; load ${loadavg().map((l) => l.toFixed(2)).join(" ")}`);
  }
  const base = median(times[0]);
  console.log(`\ntask                           median s  M readings/s  time vs consume  runs (s)`);
  const rates: number[] = [];
  TASKS.forEach((task, k) => {
    const s = median(times[k]);
    rates.push(N / s);
    console.log(`${task.name.padEnd(29)} ${s.toFixed(3).padStart(9)}  ${(N / s / 1e6).toFixed(2).padStart(12)}  ${`${(s / base).toFixed(2)}x`.padStart(15)}  `
      + times[k].map((x) => x.toFixed(3)).join(" "));
  });
  const d = tallies[2];
  console.log(`decided per run: ${d.rows.toLocaleString("en")} readings, ${d.billable.toLocaleString("en")} billable, ${d.held.toLocaleString("en")} held, `
    + `${d.rejected} rejected, ${d.duplicates} duplicates (the same in the pool: ${tallies[3].billable.toLocaleString("en")} billable)`);
  for (const k of [2, 3]) {
    console.log(`${TASKS[k].name}, median seconds per stage (main thread): `
      + [...stages[k]].map(([name, xs]) => `${name} ${median(xs).toFixed(3)}`).join(", ") + (k === 2 ? "; the rest is fetch and ack" : "; the rest is fetch, ack, the pool (slices handed over, the decision) and waiting"));
  }
  if (missed.some((x) => x > 0)) console.log(`pulls ended by "heartbeats missed" (pulled again at once): ${TASKS.map((task, k) => `${task.name} ${missed[k]}`).join(", ")}`);
  console.log(`load average (1 min) over the runs: ${Math.min(...loads).toFixed(2)}-${Math.max(...loads).toFixed(2)}`);
  const best = Math.max(rates[2], rates[3]);
  console.log(`goal "consume + decode + decide without the store >= 5M readings/s": ${best >= GOAL ? "MET" : "NOT MET"} `
    + `(inline ${(rates[2] / 1e6).toFixed(2)}M/s, pool ${(rates[3] / 1e6).toFixed(2)}M/s; consume alone ${(rates[0] / 1e6).toFixed(2)}M/s, + decode ${(rates[1] / 1e6).toFixed(2)}M/s)`);
} finally {
  await pool.close();
  await nc.close();
  await server.stop();
  await setup.plugins.teardown();
  rmSync(dir, { recursive: true, force: true });
}
