// Runs readings described as plain objects through a consumption kernel, for readable tests.
import type { ConsumptionImplementation, ConsumptionKernel } from "../../engine/consumption/index.js";
import { createConsumptionKernel, ROLLOVER_MODE } from "../../engine/consumption/index.js";
import { flagNames } from "../../engine/flags/index.js";
import type { FlagName } from "../../engine/flags/index.js";
import { formatDay, parseDay } from "../../engine/time/index.js";

export const IMPLEMENTATIONS: ConsumptionImplementation[] = ["simd", "scalar", "reference"];

export interface Row {
  prev?: number;
  cur: number;
  scale?: number;
  reset?: number;
  digits?: number;
  mode?: keyof typeof ROLLOVER_MODE;
  override?: number;
  prevEnd?: string;
  end?: string;
}

export interface Result {
  consumption: number;
  flags: FlagName[];
  start: string;
  days: number;
  daily: number;
}

const kernels = new Map<string, ConsumptionKernel>();

export function kernelFor(implementation: ConsumptionImplementation, maxWrapShare = 0.5): ConsumptionKernel {
  const key = `${implementation}:${maxWrapShare}`;
  let kernel = kernels.get(key);
  if (kernel === undefined) {
    kernel = createConsumptionKernel({ implementation, maxWrapShare });
    kernels.set(key, kernel);
  }
  return kernel;
}

/** Computes rows [0, rows.length) in one batch. */
export function compute(implementation: ConsumptionImplementation, rows: Row[], maxWrapShare = 0.5): Result[] {
  const kernel = kernelFor(implementation, maxWrapShare);
  const batch = kernel.allocate(Math.max(rows.length, 1));
  try {
    const c = batch.columns;
    rows.forEach((row, i) => {
      c.prev[i] = row.prev ?? Number.NaN;
      c.cur[i] = row.cur;
      c.scale[i] = row.scale ?? 1;
      c.reset[i] = row.reset ?? Number.NaN;
      c.digits[i] = row.digits ?? 0;
      c.mode[i] = ROLLOVER_MODE[row.mode ?? "documented"];
      c.override[i] = row.override ?? Number.NaN;
      c.prevEnd[i] = parseDay(row.prevEnd ?? "2026-10-31");
      c.end[i] = parseDay(row.end ?? "2026-11-30");
    });
    kernel.compute(batch, rows.length);
    const out = batch.columns;
    return rows.map((_, i) => ({
      consumption: out.consumption[i],
      flags: flagNames(out.flags[i]),
      start: formatDay(out.start[i]),
      days: out.days[i],
      daily: out.daily[i],
    }));
  } finally {
    kernel.release(batch);
  }
}

/**
 * Computes one row. It runs three times in one batch, so the SIMD build computes it both in a
 * two-row SIMD step and in its scalar tail; the three results must be identical.
 */
export function one(implementation: ConsumptionImplementation, row: Row, maxWrapShare = 0.5): Result {
  const [a, b, c] = compute(implementation, [row, row, row], maxWrapShare);
  if (!sameResult(a, b) || !sameResult(a, c)) {
    throw new Error(`rows in a SIMD step and in the tail disagree: ${JSON.stringify([a, b, c])}`);
  }
  return a;
}

function sameResult(a: Result, b: Result): boolean {
  return Object.is(a.consumption, b.consumption) && Object.is(a.daily, b.daily) &&
    a.start === b.start && a.days === b.days && a.flags.join() === b.flags.join();
}
