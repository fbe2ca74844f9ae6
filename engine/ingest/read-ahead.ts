// Batches read ahead of their consumer: a decoding worker that may not touch the store yet
// (a gated DecodingWorker, threaded.ts) decodes its first window meanwhile.
import type { ReadingBatch } from "./batch.js";

/**
 * `source`'s batches, read from now on, up to `rows` rows ahead of the consumer; a failure of the
 * source reaches the consumer after the batches before it. Returning early stops the source.
 */
export function readAhead(source: AsyncIterable<ReadingBatch>, rows: number): AsyncGenerator<ReadingBatch> {
  const queue: ReadingBatch[] = [];
  let held = 0;
  let done = false;
  let stopped = false;
  let failure: { error: unknown } | undefined;
  let wakeConsumer: (() => void) | undefined;
  let wakePump: (() => void) | undefined;
  const pump = (async () => {
    try {
      for await (const batch of source) {
        queue.push(batch);
        held += batch.length;
        wakeConsumer?.();
        while (held >= rows && !stopped) await new Promise<void>((resolve) => (wakePump = resolve));
        if (stopped) break;
      }
    } catch (error) {
      failure = { error };
    } finally {
      done = true;
      wakeConsumer?.();
    }
  })();
  async function* take(): AsyncGenerator<ReadingBatch> {
    try {
      for (;;) {
        while (queue.length === 0 && !done) await new Promise<void>((resolve) => (wakeConsumer = resolve));
        if (queue.length === 0) {
          if (failure !== undefined) throw failure.error;
          return;
        }
        const batch = queue.shift()!;
        held -= batch.length;
        wakePump?.();
        yield batch;
      }
    } finally {
      stopped = true;
      wakePump?.();
      await pump;
    }
  }
  return take();
}
