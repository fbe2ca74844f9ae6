// A registry import with the file read in a thread of its own (import-worker.ts): its rows reach
// the store while the rest of the file is still being read, and its BLOBs are built there while
// the store writes. Worth a thread only for large registries; importRegistry decides.
//
// Protocol: the thread posts `rows` (a RegistryChunk, buffers transferred) as it reads, then
// `read` (what the file held, the buckets it touches); it is sent `stored` (the stored BLOBs of
// those buckets) and answers `blobs` (merged, with the counts). `error` at any point ends it.
import { Worker } from "node:worker_threads";
import { MeterflowError } from "../errors.js";
import { IngestError } from "../ingest/errors.js";
import type { IngestErrorCode } from "../ingest/errors.js";
import { tableOfChunk } from "../meters/index.js";
import type { RegistryChunk, RegistryRejection, RegistryTable } from "../meters/index.js";
import type { RegistryRowStream } from "../store/contract.js";
import type { MeterTypeDefinition } from "../../sdk/index.js";
import type { BucketMerges } from "./buckets.js";
import { canStartThread, threadScript } from "../wasm/paths.js";

const WORKER = threadScript("./import-worker.js", import.meta.url, "import-thread");

/** Whether the thread can run here (its compiled script exists: not when run from TypeScript sources). */
export function canImportInThread(): boolean {
  return canStartThread(WORKER);
}

export interface ImportThreadInput {
  path: string;
  /** The meter types that fill empty columns; null: types taken as written. */
  types: MeterTypeDefinition[] | null;
  /** Hashed after the file's bytes for the registry digest; null: no digest. */
  digestSuffix: string | null;
  /** Buckets of the store (partitions x BUCKETS_PER_PARTITION). */
  buckets: number;
  rowsPerChunk: number;
  /** The time zone `last_end` days are counted in (the store's). */
  timeZone: string;
}

/** What the thread read. */
export interface ThreadRead {
  meters: number;
  rejected: RegistryRejection[];
  digest: string | null;
  touched: number[];
  /** The earliest `last_end` rejected for lying in the future (Infinity: none). */
  futureFrom: number;
}

export type ToThread = { type: "stored"; stored: Array<{ bucket: number; registry: Uint8Array }> };
type FromThread =
  | { type: "rows"; chunk: RegistryChunk }
  | ({ type: "read" } & ThreadRead)
  | ({ type: "blobs" } & BucketMerges)
  | { type: "error"; name: string; code: string; message: string };

export interface ImportThread {
  /** The rows as they are read; ends when the file is read, throws when the thread fails. */
  rows: RegistryRowStream;
  /** What the file held, once read. */
  read: Promise<ThreadRead>;
  /** The touched buckets' BLOBs merged with `stored` (the thread's `read.touched` of them), and the counts. */
  merge(stored: Array<{ bucket: number; registry: Uint8Array }>): Promise<BucketMerges>;
  /** The thread's error, once it failed. */
  failure(): Error | undefined;
  /** Stops the thread (done or not). */
  close(): Promise<void>;
}

/** Starts reading the registry in a thread. */
export function startImportThread(input: ImportThreadInput): ImportThread {
  const worker = new Worker(WORKER, { workerData: input });
  const chunks: RegistryTable[] = [];
  let ended = false;
  let failure: Error | undefined;
  let wake: (() => void) | undefined;
  const notify = () => {
    wake?.();
    wake = undefined;
  };
  let settleRead!: { resolve: (r: ThreadRead) => void; reject: (e: Error) => void };
  const read = new Promise<ThreadRead>((resolve, reject) => (settleRead = { resolve, reject }));
  let settleBlobs!: { resolve: (r: BucketMerges) => void; reject: (e: Error) => void };
  const blobs = new Promise<BucketMerges>((resolve, reject) => (settleBlobs = { resolve, reject }));
  // Whoever does not wait for them is told by `rows` or `failure()`.
  read.catch(() => undefined);
  blobs.catch(() => undefined);
  const fail = (error: Error) => {
    failure ??= error;
    settleRead.reject(failure);
    settleBlobs.reject(failure);
    notify();
  };
  worker.on("message", (m: FromThread) => {
    if (m.type === "rows") {
      chunks.push(tableOfChunk(m.chunk));
      notify();
    } else if (m.type === "read") {
      ended = true;
      settleRead.resolve(m);
      notify();
    } else if (m.type === "blobs") {
      settleBlobs.resolve(m);
    } else {
      fail(m.code.startsWith("MF_ERR_INPUT") ? new IngestError(m.code as IngestErrorCode, m.message) : new MeterflowError(m.code, m.message));
    }
  });
  worker.on("error", (error) => fail(new MeterflowError("MF_ERR_RUN", `the registry import thread failed: ${error.message}`, { cause: error })));
  worker.on("exit", (code) => {
    const stopped = new MeterflowError("MF_ERR_RUN", `the registry import thread stopped (exit ${code})`);
    if (!ended || code !== 0) fail(stopped);
    // A thread that ends without its BLOBs (only after an error it reported) leaves no one waiting.
    settleBlobs.reject(failure ?? stopped);
  });
  async function* rows(): AsyncGenerator<RegistryTable> {
    for (;;) {
      if (chunks.length > 0) {
        yield chunks.shift() as RegistryTable;
        continue;
      }
      if (failure !== undefined) throw failure;
      if (ended) return;
      await new Promise<void>((resolve) => (wake = resolve));
    }
  }
  return {
    rows: rows(),
    read,
    merge(stored) {
      worker.postMessage({ type: "stored", stored } satisfies ToThread);
      return blobs;
    },
    failure: () => failure,
    async close() {
      await worker.terminate();
    },
  };
}
