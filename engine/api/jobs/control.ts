// A job's control word and progress figures, shared between the server's event loop (which
// pauses, resumes, cancels and reads progress for GET /v1/jobs/:id) and the thread running the
// job (which checks the word between two batches and writes the figures), in a SharedArrayBuffer:
// no message is needed for either, and none can be lost before the thread listens.

/** What the job should do at its next checkpoint. */
const RUN = 0;
const PAUSE = 1;
const CANCEL = 2;

/** Atomics.waitAsync (Node 16+; in TypeScript's ES2024 lib, newer than this project's). */
const waitAsync = (Atomics as unknown as {
  waitAsync(array: Int32Array, index: number, value: number): { async: false; value: string } | { async: true; value: Promise<string> };
}).waitAsync;

/**
 * `waiting`, with the thread's event loop held open until it settles. Node does not count a
 * pending Atomics.waitAsync as work: a job's thread (run.ts) paused between two batches on
 * SQLite has nothing else pending, so its loop would end there and the thread exit with 13
 * (an unsettled top-level await) before any resume, leaving a failed job and its .partial files.
 */
async function keptAlive<T>(waiting: Promise<T>): Promise<T> {
  const handle = setInterval(() => undefined, 2 ** 30);
  try {
    return await waiting;
  } finally {
    clearInterval(handle);
  }
}

/** Thrown at a checkpoint of a cancelled job. */
export class JobCancelled extends Error {
  override name = "JobCancelled";
}

/** Slots of the figures (BigInt64, written by the running side only). */
const PROCESSED = 0;
const BYTES_READ = 1;
const BYTES = 2;

export class JobControl {
  /** Transferable to a worker thread (`new JobControl(buffer)` there). */
  readonly buffer: SharedArrayBuffer;
  readonly #word: Int32Array;
  readonly #figures: BigInt64Array;

  constructor(buffer = new SharedArrayBuffer(8 + 3 * 8)) {
    this.buffer = buffer;
    this.#word = new Int32Array(buffer, 0, 1);
    this.#figures = new BigInt64Array(buffer, 8, 3);
  }

  pause(): void {
    Atomics.compareExchange(this.#word, 0, RUN, PAUSE);
  }

  resume(): void {
    if (Atomics.compareExchange(this.#word, 0, PAUSE, RUN) === PAUSE) Atomics.notify(this.#word, 0);
  }

  cancel(): void {
    Atomics.store(this.#word, 0, CANCEL);
    Atomics.notify(this.#word, 0);
  }

  get paused(): boolean {
    return Atomics.load(this.#word, 0) === PAUSE;
  }

  get cancelled(): boolean {
    return Atomics.load(this.#word, 0) === CANCEL;
  }

  /** Between two batches (the running side): waits while paused, throws JobCancelled when cancelled. */
  async checkpoint(): Promise<void> {
    for (;;) {
      const word = Atomics.load(this.#word, 0);
      if (word === CANCEL) throw new JobCancelled("cancelled");
      if (word === RUN) return;
      // Resolves when the word is no longer PAUSE (at once when it changed before the wait began).
      const wait = waitAsync(this.#word, 0, PAUSE);
      if (wait.async) await keptAlive(wait.value);
    }
  }

  /** Readings processed, bytes of the inputs read, and the inputs' bytes. */
  get figures(): { processed: number; bytesRead: number; bytes: number } {
    const f = this.#figures;
    return { processed: Number(Atomics.load(f, PROCESSED)), bytesRead: Number(Atomics.load(f, BYTES_READ)), bytes: Number(Atomics.load(f, BYTES)) };
  }

  /**
   * Progress only grows: a job fenced by other writers decides again from its first batch (its
   * committed batches adopted), and its figures stay at the furthest point until it passes it.
   * One side (the job) writes them.
   */
  setProcessed(n: number): void {
    this.#advance(PROCESSED, n);
  }

  setBytesRead(n: number): void {
    this.#advance(BYTES_READ, n);
  }

  #advance(index: number, n: number): void {
    const value = BigInt(n);
    if (value > Atomics.load(this.#figures, index)) Atomics.store(this.#figures, index, value);
  }

  setBytes(n: number): void {
    Atomics.store(this.#figures, BYTES, BigInt(n));
  }
}
