// Decoding in a worker thread: the same batches as readReadings, produced beside the pipeline.
// The worker posts the meter ids it interned as soon as it has decoded them (their UTF-8 bytes
// and meterHash, transferred: the consumer can load their buckets while the worker decodes on),
// then a batch's columns (transferred, not copied) and the raw text of rejected rows; it stays
// at most `ahead` batches ahead of the consumer, so memory stays bounded. Only from the compiled
// package (dist/): a worker thread cannot load the TypeScript sources.
import { isAscii } from "node:buffer";
import { Worker } from "node:worker_threads";
import type { ReadingBatch } from "./batch.js";
import { IngestError } from "./errors.js";
import type { IngestErrorCode } from "./errors.js";
import type { ReadingFormat } from "./formats.js";
import type { MeterIndex, SharedIds } from "./meter-index.js";
import { canStartThread, threadScript } from "../wasm/paths.js";

/** What the worker is started with. */
export interface WorkerInput {
  path: string;
  /**
   * Files decoded after `path`, in order, by the same thread, their rows routed together with
   * its own (a window spans files); each row's `line` names its file (source-line.ts).
   */
  more?: string[];
  /** Every file's format; default: each file's by its extension. */
  format?: ReadingFormat;
  batchSize: number;
  maxEndDay: number;
  /** Batches the worker may post before the consumer takes one. */
  ahead: number;
  /** The time zone days are counted in (the store's; engine/time); default UTC. */
  timeZone?: string;
  /** The store (path or URL): the worker checks register limits against its registry. */
  db?: string;
  /**
   * The plugin configuration: the worker loads the same plugins (engine/plugins) and decodes
   * their channels. Absent: built-in plugins only.
   */
  plugins?: { baseDir: string; plugins: string[]; meters?: Array<string[] | undefined>; builtins?: boolean };
  /** Decode the first window, then wait for "open" before reading the store (DecodingWorker). */
  gated?: boolean;
  /**
   * Rows routed by bucket together, and decoded ahead of the routing (default WINDOW, about a
   * nightly file of a million meters; smaller in tests).
   */
  window?: number;
}

/** Inputs from this many bytes on are decoded and written in threads beside the decision (when `threads` is not set). */
export const THREADS_FROM_BYTES = 4 << 20;

type Columns = Pick<ReadingBatch, "line" | "meter" | "end" | "value" | "override" | "source" | "verification" | "reject" | "pulse" | "sensorRow" | "sensors" | "slot" | "bucket">;

/** Messages from the worker. */
export type WorkerMessage =
  | ({ type: "meters" } & SharedIds)
  | { type: "batch"; length: number; columns: Columns; raw: Array<[number, string]>; batchId: string }
  /** Every file decoded and routed: their SHA-256 digests, in order. */
  | { type: "done"; sha256: string[] }
  /** A file that cannot be read: the message names it. */
  | { type: "error"; code: string; message: string };

const WORKER = threadScript("./worker.js", import.meta.url, "decoding-thread");

/** Whether decoding can run in a worker here (the compiled worker script exists). */
export function canDecodeInWorker(): boolean {
  return canStartThread(WORKER);
}

const utf8 = new TextDecoder("utf-8");
const latin1 = (bytes: Uint8Array) => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("latin1");

/**
 * The meter index of a worker's batches: the worker's index, read in the shared memory it keeps
 * its ids in (SharedIds), announced before the batches that first name them. Strings are made
 * when asked for: with the registry slots the worker finds, the main thread asks for few
 * (rejected rows, unknown meters), not a million.
 */
class MirroredIndex implements MeterIndex {
  #size = 0;
  #arena: Uint8Array = new Uint8Array(0);
  #offsets: Int32Array = new Int32Array(1);
  #hashes: Int32Array = new Int32Array(0);
  /** Strings made so far, by index; holes until asked for (a packed array up to the highest asked). */
  readonly #made: Array<string | undefined> = [];

  get size(): number {
    return this.#size;
  }

  idOf(index: number): string {
    if (!(index >= 0 && index < this.#size)) throw new RangeError(`meter index ${index} out of range`);
    const made = this.#made;
    let id = made[index];
    if (id === undefined) {
      const bytes = this.#arena.subarray(this.#offsets[index], this.#offsets[index + 1]);
      // As the worker's index decodes it: ASCII as is, else UTF-8 (invalid bytes as U+FFFD).
      id = isAscii(bytes) ? latin1(bytes) : utf8.decode(bytes);
      while (made.length < index) made.push(undefined);
      made[index] = id;
    }
    return id;
  }

  hashOf(index: number): number {
    return this.#hashes[index] >>> 0;
  }

  /** Takes the worker's ids as they are now; returns the new ones' hashes (a view). */
  add(ids: SharedIds): Uint32Array {
    const { from, count, hashes } = ids;
    if (from !== this.#size) throw new Error(`meter ids from ${from} after ${this.#size}`);
    this.#arena = ids.arena;
    this.#offsets = ids.offsets;
    this.#hashes = hashes;
    this.#size = count;
    return new Uint32Array(hashes.buffer, hashes.byteOffset + from * 4, count - from);
  }

  intern(): number {
    throw new Error("a mirrored meter index is read-only");
  }

  internBytes(): number {
    throw new Error("a mirrored meter index is read-only");
  }
}

/**
 * A decoding worker thread for one file or several (`more`), started at once. With `gated`, it
 * decodes its first window while it waits, and reads the store only once `open()` says the run's
 * registry is imported: `meterflow run` starts it before it loads the rest of the program
 * (engine/cli/early-decoder.ts), so the file is decoded while the run sets up and imports its
 * registry.
 */
export class DecodingWorker {
  readonly input: WorkerInput;
  readonly #worker: Worker;
  readonly #meters = new MirroredIndex();
  readonly #queue: WorkerMessage[] = [];
  /** Meter hashes that came before anyone asked for them (batches() hands them on first). */
  #early: Uint32Array[] | undefined = [];
  #onMeters: ((hashes: Uint32Array) => void) | undefined;
  #wake: (() => void) | undefined;
  #failure: Error | undefined;
  #taken = false;

  constructor(input: Omit<WorkerInput, "ahead"> & { ahead?: number }) {
    this.input = { ahead: 2, ...input };
    this.#worker = new Worker(WORKER, { workerData: this.input });
    this.#worker.on("message", (m: WorkerMessage) => {
      if (m.type === "meters") {
        try {
          const hashes = this.#meters.add(m);
          if (this.#early !== undefined) this.#early.push(hashes);
          else this.#onMeters?.(hashes);
        } catch (error) {
          this.#failure ??= error as Error;
        }
      } else this.#queue.push(m);
      this.#wake?.();
    });
    this.#worker.on("error", (e) => {
      this.#failure = e;
      this.#wake?.();
    });
  }

  /** Lets a gated worker read the store: the run's registry is imported. */
  open(): void {
    this.#worker.postMessage("open");
  }

  /** Stops the worker (a run that did not take its batches, or is over). */
  async terminate(): Promise<void> {
    await this.#worker.terminate();
  }

  /** The files it decodes, in order: `path`, then `more`. */
  get paths(): string[] {
    return [this.input.path, ...(this.input.more ?? [])];
  }

  /**
   * The files' batches, once; `onDigest` gets each file's SHA-256 at the end, `onMeters` the
   * meterHash of each meter id as soon as the worker has decoded it (before the batches that name
   * it: time to load its bucket), those decoded so far first. A decoding error names its file.
   */
  async *batches(onDigest?: (sha256: string[]) => void, onMeters?: (hashes: Uint32Array) => void): AsyncGenerator<ReadingBatch> {
    if (this.#taken) throw new Error("a decoding worker's batches are taken once");
    this.#taken = true;
    this.#onMeters = onMeters;
    const early = this.#early ?? [];
    this.#early = undefined;
    for (const hashes of early) onMeters?.(hashes);
    const queue = this.#queue;
    try {
      for (;;) {
        while (queue.length === 0 && this.#failure === undefined) await new Promise<void>((resolve) => (this.#wake = resolve));
        if (this.#failure !== undefined) throw this.#failure;
        const m = queue.shift()!;
        if (m.type === "done") {
          onDigest?.(m.sha256);
          return;
        }
        if (m.type === "error") throw new IngestError(m.code as IngestErrorCode, m.message);
        if (m.type === "meters") continue;
        const rejectedRaw = new Map(m.raw);
        yield {
          length: m.length, ...m.columns, meters: this.#meters, rejectedRaw,
          rawOf: (row: number) => rejectedRaw.get(row) ?? "",
          batchId: m.batchId,
        };
        this.#worker.postMessage("ack");
      }
    } finally {
      await this.#worker.terminate();
    }
  }
}

/** Streams the batches of a file (or files: `more`) decoded in a worker thread started when they are first asked for (DecodingWorker.batches). */
export async function* readReadingsInWorker(input: Omit<WorkerInput, "ahead"> & { ahead?: number }, onDigest?: (sha256: string[]) => void,
  onMeters?: (hashes: Uint32Array) => void): AsyncGenerator<ReadingBatch> {
  yield* new DecodingWorker(input).batches(onDigest, onMeters);
}
