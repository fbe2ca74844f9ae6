// Subjects of the readings stream: one per partition of the store's partition function.

/** Default stream name. */
export const DEFAULT_STREAM = "MFLOW";
/** Readings subjects are `meterflow.readings.<partition>`. */
export const READINGS_PREFIX = "meterflow.readings";
/** The stream's subject filter. */
export const READINGS_SUBJECTS = `${READINGS_PREFIX}.*`;

/** The subject of a partition's readings. */
export function readingsSubject(partition: number): string {
  return `${READINGS_PREFIX}.${partition}`;
}

/** The partition of a readings subject, or -1 when it is not one. */
export function partitionOfSubject(subject: string): number {
  if (!subject.startsWith(`${READINGS_PREFIX}.`)) return -1;
  const text = subject.slice(READINGS_PREFIX.length + 1);
  return /^(0|[1-9][0-9]{0,5})$/.test(text) ? Number(text) : -1;
}
