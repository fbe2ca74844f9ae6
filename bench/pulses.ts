// Pulse kernels on about 10M raw pulse events over 18,000 synthetic channel-days: the event
// kernel's SIMD and scalar builds against the TypeScript reference and the memory floor of its
// columns, where its time goes (the order check, the main pass), and the interval kernel on the
// summaries, all measured in this run.
//   npm run bench:pulses     (or: node dist/bench/pulses.js [channels] [days])
import { Bench } from "tinybench";
import { createPulseEventKernel, createPulseKernel, EVENT_INTERVAL_OUTPUTS } from "../engine/pulses/index.js";
import type { EventIntervalColumns, PulseBatch, PulseColumnName, PulseEventBatch, PulseEventColumns } from "../engine/pulses/index.js";
import { loadKernels } from "../engine/wasm/index.js";
import { PULSE_PROFILES } from "../engine/pulses/profiles.js";
import { generateFleet, SENSORS } from "../engine/pulses/signals/index.js";
import { medianMs, printTable } from "./lib/report.js";

// The night's loggers come from the synthetic signal generator (engine/pulses/signals): a fleet
// of channels over two days, each day clean S0, NAMUR or reed pulses following a daily profile,
// 10% of the days one of the fault kinds or near misses (bounce bursts, shorts, cuts, magnets,
// leaks, backflow, idle, fast and long legal pulses). About 560 events per channel-day: 9,000
// channels x 2 days is about 10M events.
const CHANNELS = Number(process.argv[2] ?? 9_000);
const DAYS = Number(process.argv[3] ?? 2);
const DAY_MS = 86_400_000;
const fleet = generateFleet({ channels: CHANNELS, days: DAYS, dayStartMs: Date.UTC(2026, 10, 1), seed: 2026 });
const N = fleet.events.length;
const M = fleet.intervals.length;

/** The fleet into kernel columns, each channel-day with its input profile's debounce time. */
function fill(e: PulseEventColumns, c: EventIntervalColumns): void {
  e.interval.set(fleet.events.interval.subarray(0, N));
  e.t.set(fleet.events.t.subarray(0, N));
  e.onMs.set(fleet.events.onMs.subarray(0, N));
  e.reverse.set(fleet.events.reverse.subarray(0, N));
  for (let j = 0; j < M; j++) {
    c.startMs[j] = fleet.intervals.dayStartMs[j];
    c.endMs[j] = fleet.intervals.dayStartMs[j] + DAY_MS;
    c.debounceMs[j] = PULSE_PROFILES[SENSORS[fleet.intervals.sensor[j]] === "reed" ? "reed" : "s0a"].debounceMs;
  }
}

function copyInputs(from: PulseEventBatch, to: PulseEventBatch): void {
  const a = from.events, b = to.events;
  b.interval.set(a.interval); b.t.set(a.t); b.onMs.set(a.onMs); b.reverse.set(a.reverse);
  const x = from.intervals, y = to.intervals;
  y.startMs.set(x.startMs); y.endMs.set(x.endMs); y.debounceMs.set(x.debounceMs);
}

function sameOutputs(a: PulseEventBatch, b: PulseEventBatch): boolean {
  const x = a.intervals, y = b.intervals;
  return EVENT_INTERVAL_OUTPUTS.every((k) => x[k].every((v, j) => Object.is(v, y[k][j]) || (v !== v && y[k][j] !== y[k][j])));
}

async function main(): Promise<void> {
  const simd = createPulseEventKernel({ implementation: "simd" });
  const scalar = createPulseEventKernel({ implementation: "scalar" });
  const reference = createPulseEventKernel({ implementation: "reference" });
  const plain = reference.allocate(N, M);
  fill(plain.events, plain.intervals);
  const simdBatch = simd.allocate(N, M);
  const scalarBatch = scalar.allocate(N, M);
  copyInputs(plain, simdBatch);
  copyInputs(plain, scalarBatch);
  for (const [kernel, batch] of [[simd, simdBatch], [scalar, scalarBatch], [reference, plain]] as const) kernel.compute(batch, N, M);
  if (!sameOutputs(simdBatch, plain) || !sameOutputs(scalarBatch, plain)) throw new Error("the implementations disagree");
  const out = plain.intervals;
  let debounced = 0;
  for (let j = 0; j < M; j++) debounced += out.debounced[j];

  const { exports } = loadKernels("simd");
  const b = simdBatch;
  const args = [
    b.pointer("interval"), b.pointer("t"), b.pointer("onMs"), b.pointer("reverse"),
    b.pointer("startMs"), b.pointer("endMs"), b.pointer("debounceMs"),
    b.pointer("count"), b.pointer("debounced"), b.pointer("minOnMs"), b.pointer("minGapMs"), b.pointer("maxClosedMs"),
    b.pointer("reverseCount"), b.pointer("pulseFreeMaxMin"), b.pointer("spanMin"),
  ] as const;
  // The order check alone: with the last time NaN the kernel checks every event, then refuses.
  let lastT = 0;
  const breakOrder = { beforeAll: () => { lastT = b.events.t[N - 1]; b.events.t[N - 1] = Number.NaN; }, afterAll: () => { b.events.t[N - 1] = lastT; } };

  console.log(`pulse event kernel, ${N.toLocaleString("en")} events over ${M.toLocaleString("en")} channel-days ` +
    `(${((N - debounced) / N * 100).toFixed(1)}% dropped as bounce), node ${process.version}`);
  const bench = new Bench({ name: "pulse events", iterations: 15, time: 0, warmupIterations: 3, warmupTime: 0 });
  bench
    .add("memory floor (all columns)", () => {
      if (exports.pulseEventsFloor(N, M, ...args) !== 0) throw new Error("floor refused");
    })
    .add("order check alone (SIMD)", () => {
      if (exports.pulseEvents(N, M, ...args) !== 3) throw new Error("expected STATUS_UNSORTED");
    }, breakOrder)
    .add("wasm SIMD", () => simd.compute(simdBatch, N, M))
    .add("wasm scalar", () => scalar.compute(scalarBatch, N, M))
    .add("TypeScript reference", () => reference.compute(plain, N, M));
  await bench.run();
  printTable(bench, N, "memory floor (all columns)", "event");
  const floor = medianMs(bench, "memory floor (all columns)");
  const check = medianMs(bench, "order check alone (SIMD)");
  const kernelMs = medianMs(bench, "wasm SIMD");
  const scalarMs = medianMs(bench, "wasm scalar");
  const referenceMs = medianMs(bench, "TypeScript reference");
  const ns = (ms: number) => ((ms * 1e6) / N).toFixed(2);
  const perSecond = (ms: number) => `${(N / ms / 1e3).toFixed(0)}M events/s`;
  console.log(`\nSIMD ${perSecond(kernelMs)}, scalar ${perSecond(scalarMs)}, reference ${perSecond(referenceMs)}, floor ${perSecond(floor)} (goal >= 100M/s)`);
  console.log(`SIMD / floor ${(kernelMs / floor).toFixed(2)}x, scalar / floor ${(scalarMs / floor).toFixed(2)}x; ` +
    `reference / SIMD ${(referenceMs / kernelMs).toFixed(2)}x, reference / scalar ${(referenceMs / scalarMs).toFixed(2)}x`);

  // The same work on the first channel-days only (~1 MB of events, in cache): compute without memory.
  let days = 0;
  while (days < M && firstOf(plain, days + 1) < 50_000) days++;
  const few = firstOf(plain, days);
  const cached = new Bench({ name: "in cache", iterations: 400, time: 0, warmupIterations: 40, warmupTime: 0 });
  cached
    .add("wasm SIMD", () => simd.compute(simdBatch, few, days))
    .add("wasm scalar", () => scalar.compute(scalarBatch, few, days))
    .add("TypeScript reference", () => reference.compute(plain, few, days));
  await cached.run();
  const inCache = (name: string) => ns((medianMs(cached, name) * N) / few);
  console.log(`
where the time goes, ns/event (from memory; in cache: the first ${days} channel-days, ${few.toLocaleString("en")} events):`);
  console.log(`  SIMD      ${ns(kernelMs)}: order check ${ns(check)} + main pass ${ns(kernelMs - check)}; in cache ${inCache("wasm SIMD")}`);
  console.log(`  scalar    ${ns(scalarMs)}; in cache ${inCache("wasm scalar")}`);
  console.log(`  reference ${ns(referenceMs)}; in cache ${inCache("TypeScript reference")}`);
  console.log(`  floor     ${ns(floor)}: every column read once`);

  // The interval kernel over the day summaries, tiled to 1M rows.
  const ROWS = 1_000_000;
  const intervalKernels = (["simd", "scalar", "reference"] as const).map((implementation) => {
    const kernel = createPulseKernel({ implementation });
    const batch = kernel.allocate(ROWS);
    fillIntervals(batch, plain.intervals, M, ROWS);
    return { implementation, kernel, batch };
  });
  const intervals = new Bench({ name: "pulse intervals", iterations: 25, time: 0, warmupIterations: 5, warmupTime: 0 });
  for (const { implementation, kernel, batch } of intervalKernels) intervals.add(`interval kernel ${implementation}`, () => kernel.compute(batch, ROWS));
  await intervals.run();
  console.log(`\npulse interval kernel, ${ROWS.toLocaleString("en")} rows (the summaries above, tiled):`);
  printTable(intervals, ROWS, "interval kernel reference", "row");
  for (const { kernel, batch } of intervalKernels) kernel.release(batch);
  simd.release(simdBatch);
  scalar.release(scalarBatch);
}

/** Index of the first event of channel-day `day` (events are sorted by channel-day). */
function firstOf(batch: PulseEventBatch, day: number): number {
  const ids = batch.events.interval;
  let lo = 0;
  let hi = ids.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (ids[mid] < day) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Interval kernel rows from event summaries: counts, debounced counts, on-times, slots. */
function fillIntervals(batch: PulseBatch, s: EventIntervalColumns, m: number, rows: number): void {
  const c = batch.columns;
  const copied = ["count", "minOnMs", "minGapMs", "maxClosedMs", "reverseCount", "pulseFreeMaxMin", "spanMin"] as const satisfies readonly PulseColumnName[];
  for (let r = 0; r < rows; r++) {
    const j = r % m;
    for (const name of copied) c[name][r] = s[name][j];
    c.debouncedIn[r] = s.debounced[j];
    c.weight[r] = 10;
  }
}

await main();
