// Consumption kernel on 10M readings: SIMD and scalar WebAssembly builds against the plain JS
// loop (the reference implementation) and the memory floor, all measured in this run.
//   npm run bench            (or: node dist/bench/consumption.js [readings])
import { Bench } from "tinybench";
import { createConsumptionKernel } from "../engine/consumption/index.js";
import type { ConsumptionBatch, ConsumptionColumns, ConsumptionKernel } from "../engine/consumption/index.js";
import { loadKernels } from "../engine/wasm/index.js";
import { medianMs, printTable } from "./lib/report.js";

const N = Number(process.argv[2] ?? 10_000_000);
// Share of rows off the common path (overrides, rollovers, first readings, unmoved registers).
const SLOW_SHARE = Number(process.argv[3] ?? 0.03);
const INPUTS = ["prev", "cur", "scale", "reset", "digits", "mode", "override", "prevEnd", "end"] as const;
const OUTPUTS = ["consumption", "flags", "start", "days", "daily"] as const;

/**
 * A night's readings: mostly ordinary daily reads, with 1% overrides, 1% rollovers, 0.5% first
 * readings and 0.5% unmoved registers. `slowShare` raises the share of non-common rows.
 */
function fill(c: ConsumptionColumns, n: number, slowShare: number): void {
  let seed = 42;
  const rnd = () => ((seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) / 4294967296);
  for (let i = 0; i < n; i++) {
    const prev = Math.floor(rnd() * 90000) + 100;
    const r = rnd();
    const slow = r < slowShare;
    const kind = slow ? Math.floor((r / slowShare) * 4) : -1;
    c.prev[i] = kind === 2 ? Number.NaN : prev;
    c.cur[i] = kind === 1 ? Math.floor(rnd() * 50) : kind === 3 ? prev : prev + Math.floor(rnd() * 40);
    c.scale[i] = i % 7 === 0 ? 0.01 : 1;
    c.reset[i] = i % 11 === 0 ? 100000 : Number.NaN;
    c.digits[i] = i % 5 === 0 ? 6 : 0;
    c.mode[i] = 0;
    c.override[i] = kind === 0 ? 12.5 : Number.NaN;
    c.prevEnd[i] = 20_400 + (i % 30);
    c.end[i] = 20_430 + (i % 30);
  }
}

function copyInputs(from: ConsumptionColumns, to: ConsumptionColumns): void {
  for (const name of INPUTS) (to[name] as Float64Array).set(from[name] as Float64Array);
}

function main(): Promise<void> {
  return run();
}

async function run(): Promise<void> {
  const simd = createConsumptionKernel({ implementation: "simd" });
  const scalar = createConsumptionKernel({ implementation: "scalar" });
  const reference = createConsumptionKernel({ implementation: "reference" });
  const source = reference.allocate(N);
  fill(source.columns, N, SLOW_SHARE);
  const simdBatch = simd.allocate(N);
  const scalarBatch = scalar.allocate(N);
  copyInputs(source.columns, simdBatch.columns);
  copyInputs(source.columns, scalarBatch.columns);
  const plain = reference.allocate(N);
  copyInputs(source.columns, plain.columns);
  const { exports } = loadKernels("simd");
  const p = (b: ConsumptionBatch, name: Parameters<ConsumptionBatch["pointer"]>[0]) => b.pointer(name);
  const b = simdBatch;

  console.log(`consumption kernel, ${N.toLocaleString("en")} readings (${SLOW_SHARE * 100}% off the common path), node ${process.version}`);
  const bench = new Bench({ name: "consumption", iterations: 15, time: 0, warmupIterations: 3, warmupTime: 0 });
  bench
    .add("memory floor (all columns)", () => {
      exports.memoryFloor(N, p(b, "prev"), p(b, "cur"), p(b, "scale"), p(b, "reset"), p(b, "digits"), p(b, "mode"),
        p(b, "override"), p(b, "prevEnd"), p(b, "end"), p(b, "consumption"), p(b, "flags"), p(b, "start"),
        p(b, "days"), p(b, "daily"));
    })
    .add("memory floor (common-path columns)", () => {
      exports.commonPathFloor(N, p(b, "prev"), p(b, "cur"), p(b, "scale"), p(b, "override"), p(b, "prevEnd"),
        p(b, "end"), p(b, "consumption"), p(b, "flags"), p(b, "start"), p(b, "days"), p(b, "daily"));
    })
    .add("wasm SIMD", () => simd.compute(simdBatch, N))
    .add("wasm scalar", () => scalar.compute(scalarBatch, N))
    .add("plain JS loop (reference)", () => reference.compute(plain, N))
    .add("wasm SIMD + copy in and out", () => {
      copyInputs(source.columns, simdBatch.columns);
      simd.compute(simdBatch, N);
      const out = simdBatch.columns;
      for (const name of OUTPUTS) (plain.columns[name] as Float64Array).set(out[name] as Float64Array);
    });
  await bench.run();
  printTable(bench, N, "memory floor (all columns)");
  const floor = medianMs(bench, "memory floor (all columns)");
  const kernel = medianMs(bench, "wasm SIMD");
  console.log(`\nSIMD / floor: ${(kernel / floor).toFixed(2)}x (goal <= 1.3x); ` +
    `plain JS / SIMD: ${(medianMs(bench, "plain JS loop (reference)") / kernel).toFixed(2)}x (goal >= 2x)`);

  // Worst case: half the rows leave the common path (overrides, rollovers, first readings).
  fill(plain.columns, N, 0.5);
  copyInputs(plain.columns, simdBatch.columns);
  copyInputs(plain.columns, scalarBatch.columns);
  const adversarial = new Bench({ name: "adversarial", iterations: 9, time: 0, warmupIterations: 2, warmupTime: 0 });
  adversarial
    .add("plain JS loop (reference)", () => reference.compute(plain, N))
    .add("wasm scalar", () => scalar.compute(scalarBatch, N))
    .add("wasm SIMD", () => simd.compute(simdBatch, N));
  await adversarial.run();
  console.log(`\nadversarial mix, 50% off the common path:`);
  printTable(adversarial, N, "plain JS loop (reference)");
  for (const k of [simd, scalar] as ConsumptionKernel[]) k.release(k === simd ? simdBatch : scalarBatch);
}

await main();
