// Runs pulse interval rows described as plain objects through a pulse kernel, for readable tests.
import { flagNames } from "../../../engine/flags/index.js";
import type { FlagName } from "../../../engine/flags/index.js";
import { createPulseKernel, INPUT_COLUMNS, THRESHOLD_COLUMNS } from "../../../engine/pulses/index.js";
import type { InputColumn, PulseImplementation, PulseKernel, ThresholdColumn } from "../../../engine/pulses/index.js";

export const IMPLEMENTATIONS: PulseImplementation[] = ["simd", "scalar", "reference"];

export type PulseRow = Partial<Record<InputColumn | ThresholdColumn, number>>;

export interface PulseResult {
  debounced: number;
  consumption: number;
  faults: FlagName[];
}

const kernels = new Map<PulseImplementation, PulseKernel>();

export function pulseKernelFor(implementation: PulseImplementation): PulseKernel {
  let kernel = kernels.get(implementation);
  if (kernel === undefined) {
    kernel = createPulseKernel({ implementation });
    kernels.set(implementation, kernel);
  }
  return kernel;
}

/** Computes rows in one batch; unset columns keep the batch defaults (PulseBatch.clear). */
export function computePulses(implementation: PulseImplementation, rows: PulseRow[]): PulseResult[] {
  const kernel = pulseKernelFor(implementation);
  const batch = kernel.allocate(Math.max(rows.length, 1));
  try {
    const c = batch.columns;
    rows.forEach((row, i) => {
      for (const name of [...INPUT_COLUMNS, ...THRESHOLD_COLUMNS]) {
        const v = row[name];
        if (v !== undefined) c[name][i] = v;
      }
    });
    kernel.compute(batch, rows.length);
    const out = batch.columns;
    return rows.map((_, i) => ({ debounced: out.debounced[i], consumption: out.consumption[i], faults: flagNames(out.faults[i]) }));
  } finally {
    kernel.release(batch);
  }
}

/** One row, computed three times in one batch (a SIMD pair and the scalar tail must agree). */
export function onePulse(implementation: PulseImplementation, row: PulseRow): PulseResult {
  const [a, b, c] = computePulses(implementation, [row, row, row]);
  for (const x of [b, c]) {
    if (!Object.is(a.consumption, x.consumption) || !Object.is(a.debounced, x.debounced) || a.faults.join() !== x.faults.join()) {
      throw new Error(`rows in a SIMD step and in the tail disagree: ${JSON.stringify([a, b, c])}`);
    }
  }
  return a;
}
