// Writes large files through a stream in big Buffer chunks, waiting for 'drain' when the stream
// is full, so memory stays bounded at a few chunks however large the file.
import { createWriteStream } from "node:fs";
import type { WriteStream } from "node:fs";
import { once } from "node:events";
import { finished } from "node:stream/promises";

/** Default chunk size: 4 MiB. */
export const CHUNK_BYTES = 4 << 20;

/** A chunk being filled: write bytes at `buf[pos...]`, then call `flush` when fewer than you need remain. */
export class ChunkedFile {
  buf: Buffer;
  pos = 0;
  /** Bytes handed to the stream so far. */
  written = 0;
  private readonly stream: WriteStream;
  private error: Error | null = null;

  constructor(path: string, readonly chunkBytes = CHUNK_BYTES) {
    this.buf = Buffer.allocUnsafe(chunkBytes);
    this.stream = createWriteStream(path, { highWaterMark: chunkBytes });
    this.stream.on("error", (err) => { this.error = err; });
  }

  /** Bytes left in the current chunk. */
  get room(): number {
    return this.chunkBytes - this.pos;
  }

  /** Hands the filled part of the chunk to the stream (waiting while it is full) and starts a new chunk. */
  async flush(): Promise<void> {
    if (this.error !== null) throw this.error;
    if (this.pos === 0) return;
    const chunk = this.buf.subarray(0, this.pos);
    this.written += this.pos;
    // The stream keeps the chunk until it is written: fill a fresh buffer meanwhile.
    this.buf = Buffer.allocUnsafe(this.chunkBytes);
    this.pos = 0;
    if (!this.stream.write(chunk)) {
      if (this.error !== null) throw this.error;
      await once(this.stream, "drain");
    }
  }

  /** Appends latin1 text, flushing first when it does not fit. */
  async text(s: string): Promise<void> {
    if (s.length > this.room) await this.flush();
    if (s.length > this.room) throw new RangeError(`text of ${s.length} bytes exceeds the chunk size`);
    this.pos += this.buf.write(s, this.pos, "latin1");
  }

  /** Flushes the rest and closes the file; resolves once everything is on disk's page cache. */
  async close(): Promise<number> {
    await this.flush();
    this.stream.end();
    await finished(this.stream);
    if (this.error !== null) throw this.error;
    return this.written;
  }

  /** Closes the file after a failure without waiting for pending writes. */
  destroy(): void {
    this.stream.destroy();
  }
}
