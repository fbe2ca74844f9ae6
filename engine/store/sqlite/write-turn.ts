// Taking turns at SQLite's write lock, between the connections of one process. SQLite has one
// writer at a time and no queue: a connection refused the lock (SQLITE_BUSY) tries again later,
// and a job committing batch after batch takes the lock again a moment after it let it go, so
// the control API's short write (a temp_bad change, a manual reading) could find it taken for
// several of the job's commits in a row. A WriteTurn (a SharedArrayBuffer handed to the job's
// threads) fixes the order: a waiting request says so; a job's connection, before it begins a
// write transaction, lets those waiting go first (for at most `maxGiveWayMs`); and every write
// transaction that ends says so, so the waiting request tries again at once instead of on a timer.
import { isMainThread } from "node:worker_threads";

/** Atomics.waitAsync (Node 16+; in TypeScript's ES2024 lib, newer than this project's). */
const waitAsync = (Atomics as unknown as {
  waitAsync(array: Int32Array, index: number, value: number, timeout?: number): { async: false; value: string } | { async: true; value: Promise<string> };
}).waitAsync;

/** Slots of the shared words. */
const WAITING = 0;
const ENDED = 1;

/** How long a yielding connection lets waiting writers go first before it writes anyway. */
export const MAX_GIVE_WAY_MS = 200;

export class WriteTurn {
  /** Shared with the threads of the same process (worker data). */
  readonly buffer: SharedArrayBuffer;
  readonly #words: Int32Array;

  constructor(buffer = new SharedArrayBuffer(8)) {
    this.buffer = buffer;
    this.#words = new Int32Array(buffer, 0, 2);
  }

  /** Writers waiting for the lock now. */
  get waiting(): number {
    return Atomics.load(this.#words, WAITING);
  }

  /**
   * The yielding side, before it begins a write transaction: blocks its thread while writers wait,
   * at most `maxMs`. On the main thread it never blocks (the writers it would wait for may need
   * that very thread).
   */
  giveWay(maxMs = MAX_GIVE_WAY_MS): void {
    if (isMainThread) return;
    const until = performance.now() + maxMs;
    for (let waiting = this.waiting; waiting > 0; waiting = this.waiting) {
      const left = until - performance.now();
      if (left <= 0) return;
      Atomics.wait(this.#words, WAITING, waiting, left);
    }
  }

  /** Any side, after a write transaction ended (committed or rolled back): wakes the waiting writers. */
  ended(): void {
    Atomics.add(this.#words, ENDED, 1);
    Atomics.notify(this.#words, ENDED);
  }

  /** The waiting side: counts this writer as waiting until the returned function is called. */
  enter(): () => void {
    Atomics.add(this.#words, WAITING, 1);
    let left = false;
    return () => {
      if (left) return;
      left = true;
      Atomics.sub(this.#words, WAITING, 1);
      Atomics.notify(this.#words, WAITING);
    };
  }

  /** The transactions ended so far: read it before a try, and pass it to {@link nextEnd}. */
  get ends(): number {
    return Atomics.load(this.#words, ENDED);
  }

  /** Resolves once a write transaction ends after `seen` ({@link ends}), or after `timeoutMs`. */
  async nextEnd(seen: number, timeoutMs: number): Promise<void> {
    const wait = waitAsync(this.#words, ENDED, seen, timeoutMs);
    if (wait.async) await wait.value;
  }
}
