// `meterflow run` starts decoding its readings files before it loads the rest of the program: a
// decoding worker thread (engine/ingest/threaded.ts, every input routed together) decodes the first window
// while the main thread loads its modules, sets the run up and imports the registry; the worker
// reads the store only once the registry is imported (runtime/run.ts opens it). Measured on the
// backlog shape (200,000 meters x 10 days, registry imported in the same run): the wait for the
// first batch 1.43-1.47 s -> 0.70-0.73 s. This module imports nothing heavy. Where the run would
// not decode the file in a worker (small inputs, --threads 0, --input-format, a configuration it
// cannot read), none is started here: the run says what is wrong in its own words.
import { statSync } from "node:fs";
import { formatOfPath } from "../ingest/formats.js";
import { canDecodeInWorker, DecodingWorker, THREADS_FROM_BYTES } from "../ingest/threaded.js";
import { readPluginConfig, threadPluginsOf } from "../plugins/config.js";
import { parseTimeZone } from "../time/zone.js";

/** What `meterflow run` was asked, as far as decoding its first file goes. */
export interface EarlyDecoding {
  inputs: string[];
  pulseEvents: string[];
  inputFormat?: string;
  /** --threads given: true above 0, false for 0. */
  threads?: boolean;
  batchSize: number;
  futureDays: number;
  db: string;
  config?: string;
  /**
   * `--time-zone` as given: the decoder counts days in it, or in UTC without it (a store with
   * another zone has the run decode again: runtime/run.ts sameDecoding).
   */
  timeZone?: string;
}

/** The inputs' gated decoding worker, or undefined when the run would not use one. */
export function startEarlyDecoder(o: EarlyDecoding): DecodingWorker | undefined {
  // The run routes every input together in one worker when it can read each by its extension.
  if (o.threads === false || o.inputFormat !== undefined || o.inputs.length === 0 || o.inputs.some((path) => formatOfPath(path) === null)) return undefined;
  if (!canDecodeInWorker()) return undefined;
  let bytes = 0;
  let plugins;
  try {
    for (const path of [...o.inputs, ...o.pulseEvents]) {
      const stat = statSync(path);
      // Not a regular file (a pipe, a directory): the run refuses it before reading anything.
      if (!stat.isFile()) return undefined;
      bytes += stat.size;
    }
    plugins = threadPluginsOf(readPluginConfig(o.config));
  } catch {
    return undefined;
  }
  if (o.threads !== true && bytes < THREADS_FROM_BYTES) return undefined;
  const timeZone = o.timeZone ?? "UTC";
  const maxEndDay = parseTimeZone(timeZone).dayOf(Date.now()) + o.futureDays;
  const more = o.inputs.slice(1);
  return new DecodingWorker({ path: o.inputs[0], ...(more.length > 0 ? { more } : {}), batchSize: o.batchSize, maxEndDay, plugins, db: o.db, gated: true, timeZone });
}
