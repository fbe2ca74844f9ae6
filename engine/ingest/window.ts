// The bytes a streaming decoder is looking at: the unconsumed tail of earlier chunks plus the
// newest chunk, contiguous, so a record split across chunks is seen whole. Bytes before `len`
// are never modified once written: batches keep views of them for their rows' raw text.

const OWNED_MIN = 64 * 1024;
const LARGE = 1 << 20;
const EMPTY = new Uint8Array(0);

/** A contiguous byte window over a stream of chunks. */
export class ChunkWindow {
  /** The current bytes: exactly `len` long (a view of the window's storage). */
  buf: Uint8Array = EMPTY;
  len = 0;
  /** Storage of `buf` when the window allocated it (room to append in place), else null. */
  private store: Uint8Array | null = null;

  /**
   * Appends a copy of `chunk`, keeping the bytes from `keepFrom` on. Returns the shift to subtract
   * from every offset the caller holds at or after `keepFrom` (0 when the bytes did not move).
   * The chunk is copied, never referenced: a reader may reuse its buffer for the next one
   * (open.ts readFileChunks).
   */
  append(chunk: Uint8Array, keepFrom: number): number {
    const keep = this.len - keepFrom;
    const store = this.store;
    if (store !== null && store.length - this.len >= chunk.length) {
      // Appending past `len` never touches bytes a batch may hold.
      store.set(chunk, this.len);
      this.len += chunk.length;
      this.buf = store.subarray(0, this.len);
      return 0;
    }
    const need = keep + chunk.length;
    // A record spanning several chunks grows geometrically; otherwise large chunks are held exactly.
    const capacity = keep >= chunk.length || need < LARGE ? Math.max(OWNED_MIN, need * 2) : need;
    const next = new Uint8Array(capacity);
    if (keep > 0) next.set(this.buf.subarray(keepFrom, this.len));
    next.set(chunk, keep);
    this.store = next;
    this.buf = next.subarray(0, need);
    this.len = need;
    return keepFrom;
  }
}

/** Coerces a stream chunk (Buffer, Uint8Array or, defensively, string) to bytes. */
export function asBytes(chunk: Uint8Array | string): Uint8Array {
  if (typeof chunk === "string") return new TextEncoder().encode(chunk);
  return chunk;
}
