// Readings' outcomes over several runs' outputs, for tests that compare one batching of the same
// readings with another (tests/engine/ledger, tests/engine/runtime).
import type { Outputs } from "./run.js";

/** Every reading's outcome over the runs: its latest billing row (a correction replaces it), or its held reasons. */
export function outcomes(runs: Outputs[]): string[] {
  const out = new Map<string, string>();
  for (const run of runs) {
    for (const b of run.billing) out.set(b.reading_id, `${b.reading_id} billed ${b.start} ${b.days} ${b.previous} ${b.current} ${b.flags}`);
    for (const h of run.held) out.set(`${h.reading_id} ${h.current}`, `${h.reading_id} held ${h.current} ${h.reasons}`);
  }
  return [...out.values()].sort();
}

/** What the runs billed in all, per reading (billing rows and their corrections summed). */
export function billed(runs: Outputs[]): string[] {
  const sum = new Map<string, number>();
  for (const run of runs) for (const b of run.billing) sum.set(b.reading_id, (sum.get(b.reading_id) ?? 0) + Number(b.consumption));
  return [...sum].map(([id, c]) => `${id} ${c.toFixed(6)}`).sort();
}
