// How the pipeline hands batches to the writer: directly (inline) or to a writer thread. Both
// keep at most `SLOTS - 1` jobs pending so the pipeline can reuse its two batch buffers.
import { Worker } from "node:worker_threads";
import { MeterflowError } from "../errors.js";
import type { OutputFormat } from "../sinks/files.js";
import type { Commit } from "../store/contract.js";
import type { BatchWriter, WriteJob } from "./writer.js";
import { canStartThread, threadScript } from "../wasm/paths.js";

/** Batch buffers the pipeline alternates between: one being filled, one being written. */
export const SLOTS = 2;

export interface WriterClient {
  /**
   * Whether it encodes a commit's staged billing rows (WriteJob `billing`) itself: a writer
   * thread does, beside the deciding thread. Otherwise jobs come with their lines encoded.
   */
  readonly encodesBilling?: boolean;
  /**
   * Hands a job over; throws (or later rejects) if an earlier job failed. A writer with
   * `settled` returns the job's number (1 for the first job handed over).
   */
  submit(job: WriteJob): number | void;
  /** Resolves when fewer than SLOTS jobs are pending and output writes are within `limit` bytes. */
  ready(limit: number): Promise<void>;
  /** Resolves when every job handed over is committed. */
  flush(): Promise<void>;
  /**
   * Optional: resolves when jobs 1 .. `job` are committed (the store then holds what they
   * wrote), while later ones may still be on their way. Without it, flush.
   */
  settled?(job: number): Promise<void>;
  /** Flushes, then publishes the outputs with the summary. */
  close(summary: object): Promise<void>;
  /** Drops partial outputs. */
  abort(): Promise<void>;
}

/** A writer failed: the message and code of the error it hit. */
export class WriterError extends MeterflowError {
  override name = "WriterError";
  constructor(code: string, message: string) {
    super(code, message);
  }
}

/** The writer in this thread: jobs are written in order as the event loop allows. */
export function inlineWriter(writer: BatchWriter): WriterClient {
  let chain = Promise.resolve();
  let pending = 0;
  let done = 0;
  let submitted = 0;
  let failure: unknown;
  const check = () => {
    if (failure !== undefined) throw failure;
  };
  return {
    submit(job) {
      check();
      pending++;
      chain = chain.then(() => writer.write(job)).catch((error: unknown) => {
        failure ??= error;
      }).finally(() => {
        pending--;
        done++;
      });
      return ++submitted;
    },
    async settled(job) {
      while (done < job && pending > 0) await chain;
      check();
    },
    async ready(limit) {
      while (pending >= SLOTS) await chain;
      check();
      await writer.drain(limit);
    },
    async flush() {
      await chain;
      check();
    },
    async close(summary) {
      await chain;
      check();
      await writer.close(summary);
    },
    async abort() {
      await chain;
      writer.abort();
    },
  };
}

const WORKER = threadScript("./writer-worker.js", import.meta.url, "writer-thread");

/**
 * WAL pages (64 KiB each: 4 MiB) after which a commit of the writer thread checkpoints. The WAL
 * is then copied into the database file a little at a time in the writer thread, beside the
 * deciding thread, not all at once when the run closes the store: with SQLite's 1,000 pages a
 * nightly 1M run's whole WAL was left to the close, 161-192 ms at the end of every run, 13-14 ms
 * with 64 (bench/shapes nightly, 2026-12-06).
 */
export const WRITER_WAL_PAGES = 64;

/** Whether the writer can run in its own thread here (only from the compiled package). */
export function canWriteInThread(): boolean {
  return canStartThread(WORKER);
}

/** What the writer thread opens. */
export interface WriterThreadInput {
  db: string;
  /** SQLite: the WriteTurn whose waiting writers the thread's connection lets go first (RunOptions.giveWayTo). */
  giveWayTo?: SharedArrayBuffer;
  /**
   * SQLite: WAL pages after which the thread's commits checkpoint (default WRITER_WAL_PAGES; 0
   * never, SQLite's default is 1000).
   */
  walPages?: number;
  out: string;
  format: OutputFormat;
  /** The plugin configuration: every thread loads the same plugins (their hooks run here too). */
  plugins?: { baseDir: string; plugins: string[]; meters?: Array<string[] | undefined>; builtins?: boolean };
}

type Reply = { type: "done" } | { type: "drained" } | { type: "closed" } | { type: "aborted" } | { type: "error"; code: string; message: string };

/** The writer in a worker thread, with its own connection to the database. */
export function threadWriter(input: WriterThreadInput): WriterClient {
  const worker = new Worker(WORKER, { workerData: input });
  let pending = 0;
  let done = 0;
  let submitted = 0;
  let failure: Error | undefined;
  const waiters: Array<() => void> = [];
  const wakeAll = () => waiters.splice(0).forEach((w) => w());
  let onReply: ((reply: Reply) => void) | undefined;
  worker.on("message", (reply: Reply) => {
    if (reply.type === "error") failure ??= new WriterError(reply.code, reply.message);
    if (reply.type === "done" || reply.type === "error") {
      pending--;
      done++;
    }
    onReply?.(reply);
    wakeAll();
  });
  let exited = false;
  const exitWaiters: Array<() => void> = [];
  worker.on("error", (error) => {
    failure ??= error;
    wakeAll();
  });
  worker.on("exit", () => {
    exited = true;
    exitWaiters.splice(0).forEach((w) => w());
  });
  const until = async (condition: () => boolean) => {
    while (!condition() && failure === undefined) await new Promise<void>((resolve) => waiters.push(resolve));
    if (failure !== undefined) throw failure;
  };
  const request = (message: object, answer: Reply["type"]) => new Promise<void>((resolve, reject) => {
    onReply = (reply) => {
      if (reply.type === answer) resolve();
      else if (reply.type === "error") reject(failure);
    };
    worker.postMessage(message);
  });
  return {
    encodesBilling: true,
    submit(job) {
      if (failure !== undefined) throw failure;
      pending++;
      worker.postMessage({ type: "job", job }, job.kind === "commit" ? ownBuffers(job.commit) : []);
      return ++submitted;
    },
    async ready(limit) {
      await until(() => pending < SLOTS);
      void limit;
    },
    flush: () => until(() => pending === 0),
    settled: (job) => until(() => done >= job || pending === 0),
    async close(summary) {
      await until(() => pending === 0);
      await request({ type: "close", summary }, "closed");
      await worker.terminate();
    },
    async abort() {
      // The thread removes its partial files before it is ended (or has ended already: then it
      // never got as far as creating them, or removed them as it failed).
      if (!exited) {
        await new Promise<void>((resolve) => {
          exitWaiters.push(resolve);
          onReply = (reply) => {
            if (reply.type === "aborted") resolve();
          };
          worker.postMessage({ type: "abort" });
        });
      }
      await worker.terminate();
    },
  };
}

/**
 * The commit's state and segment BLOBs that own their whole buffer (the commit builder makes
 * them fresh): moved to the writer thread rather than copied. Nothing reads them after submit.
 */
function ownBuffers(commit: Commit): ArrayBuffer[] {
  const out: ArrayBuffer[] = [];
  const own = (bytes: Uint8Array | null) => {
    if (bytes === null) return;
    const buffer = bytes.buffer;
    if (buffer instanceof ArrayBuffer && bytes.byteOffset === 0 && bytes.byteLength === buffer.byteLength) out.push(buffer);
  };
  for (const s of commit.state) own(s.state);
  for (const s of commit.segments) own(s.data);
  return out;
}
