// The bytes a streaming decoder is looking at: the unconsumed tail of earlier chunks plus the
// newest chunk, contiguous, so a record split across chunks is seen whole. Bytes before `len`
// are never modified once written: batches keep views of them for their rows' raw text. With
// `reuse`, a caller that keeps no view past its next append (its rows' raw text read back from
// the file by offset: builder.ts) lets the window write its next chunks into the storage it
// left: a window's storage is fresh memory, and fresh pages cost (a nightly file of 27 MB
// copied into new storage took ~90 ms of the decoding thread, 255 ms for a 55 MB backlog).

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
  /** The offset in the stream of `buf[0]` (bytes appended before it and dropped since). */
  base = 0;
  /** With reuse: storage left behind, to take again. */
  private readonly free: Uint8Array[] | undefined;

  constructor(options: { reuse?: boolean } = {}) {
    this.free = options.reuse === true ? [] : undefined;
  }

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
    // A record spanning several chunks grows geometrically; otherwise large chunks are held
    // exactly (with reuse, rounded up to 64 KiB and one more: the next chunk and its record's
    // tail fit the storage left behind).
    const capacity = keep >= chunk.length || need < LARGE ? Math.max(OWNED_MIN, need * 2)
      : this.free !== undefined ? (Math.ceil(need / OWNED_MIN) + 1) * OWNED_MIN : need;
    const next = this.take(capacity);
    if (keep > 0) next.set(this.buf.subarray(keepFrom, this.len));
    next.set(chunk, keep);
    if (store !== null) this.free?.push(store);
    this.store = next;
    this.buf = next.subarray(0, need);
    this.len = need;
    this.base += keepFrom;
    return keepFrom;
  }

  /** Storage of at least `capacity` bytes: left storage that fits (with reuse), else new. */
  private take(capacity: number): Uint8Array {
    const free = this.free;
    if (free !== undefined) {
      for (let i = 0; i < free.length; i++) {
        if (free[i].length >= capacity) return free.splice(i, 1)[0];
      }
    }
    return new Uint8Array(capacity);
  }
}

/** Coerces a stream chunk (Buffer, Uint8Array or, defensively, string) to bytes. */
export function asBytes(chunk: Uint8Array | string): Uint8Array {
  if (typeof chunk === "string") return new TextEncoder().encode(chunk);
  return chunk;
}
