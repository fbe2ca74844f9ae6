// Interns meter ids to dense indices for one run, straight from bytes: a decoder hashes the
// id's bytes and only creates a string the first time an id is seen.

/** Maps meter ids to dense indices 0..size-1 and back. */
export interface MeterIndex {
  /** Distinct meter ids seen so far. */
  readonly size: number;
  /** The index of an id given as bytes `buf[start, end)` (UTF-8), interning it when new. */
  internBytes(buf: Uint8Array, start: number, end: number): number;
  /** The index of an id given as a string, interning it when new. */
  intern(id: string): number;
  /** The meter id of an index. */
  idOf(index: number): string;
}
