// The threshold tracker's state as JSON data (ThresholdTracker.snapshot / restore), and the check
// that a value read back is one.
import { ThresholdStateError } from "./errors.js";

/** The tracker's state as plain JSON data. */
export interface ThresholdSnapshot {
  readonly version: 1;
  readonly states: readonly ThresholdSnapshotEntry[];
}

/** One meter and channel: the last time observed, and its open episodes. */
export interface ThresholdSnapshotEntry {
  readonly meterId: string;
  readonly channel: string;
  readonly lastMs: number;
  readonly episodes: readonly { readonly rule: string; readonly sinceMs: number; readonly alerted: boolean }[];
}

/** The entries of a snapshot; throws ThresholdStateError when `snapshot` is not one. */
export function readSnapshot(snapshot: unknown): ThresholdSnapshotEntry[] {
  const bad = (why: string) => new ThresholdStateError(`not a threshold snapshot: ${why}`);
  if (snapshot === null || typeof snapshot !== "object") throw bad("not an object");
  const s = snapshot as { version?: unknown; states?: unknown };
  if (s.version !== 1) throw bad(`version ${JSON.stringify(s.version)}, expected 1`);
  if (!Array.isArray(s.states)) throw bad("states is not an array");
  s.states.forEach((e: unknown, i) => {
    const ok =
      e !== null && typeof e === "object" &&
      typeof (e as ThresholdSnapshotEntry).meterId === "string" &&
      typeof (e as ThresholdSnapshotEntry).channel === "string" &&
      Number.isFinite((e as ThresholdSnapshotEntry).lastMs) &&
      Array.isArray((e as ThresholdSnapshotEntry).episodes) &&
      (e as ThresholdSnapshotEntry).episodes.every(
        (p: unknown) =>
          p !== null && typeof p === "object" &&
          typeof (p as { rule?: unknown }).rule === "string" &&
          Number.isFinite((p as { sinceMs?: unknown }).sinceMs) &&
          typeof (p as { alerted?: unknown }).alerted === "boolean",
      );
    if (!ok) throw bad(`states[${i}] is malformed`);
  });
  return s.states as ThresholdSnapshotEntry[];
}
