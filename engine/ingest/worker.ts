// Worker thread that decodes readings files and posts their batches to the main thread, so
// decoding runs beside the pipeline instead of before it. See threaded.ts for the protocol.
// Several files (`more`) are decoded one after the other and routed together, a window spanning
// files: a night cut into many files costs about what it costs in one (each file routed alone
// rewrote every bucket's state and read every bucket's registry again, once per file).
import { createHash } from "node:crypto";
import { statSync } from "node:fs";
import { parentPort, workerData } from "node:worker_threads";
import { parseTimeZone, useTimeZone } from "../time/index.js";
import { batchId } from "./batch-id.js";
import { channelRanges, rejectOutOfRange } from "./ranges.js";
import { createMeterIndex, expectedMeters } from "./meter-index.js";
import { readInputs } from "./open.js";
import { readAhead } from "./read-ahead.js";
import { openStore } from "../store/open.js";
import { MeterBuckets, RegistryLimitCheck, routeByBucket, WINDOW } from "../runtime/bucket-window.js";
import { RegistrySlots } from "../runtime/registry-slots.js";
import type { RegistrySource } from "../runtime/registry-slots.js";
import { channelIndex, loadPlugins } from "../plugins/index.js";
import type { ReadingBatch } from "./batch.js";
import type { WorkerInput, WorkerMessage } from "./threaded.js";

type Columns = Extract<WorkerMessage, { type: "batch" }>["columns"];

/** Decoded batches with their content ids, checked. */
async function* checked(batches: AsyncIterable<ReadingBatch>, check: (batch: ReadingBatch) => Promise<void>): AsyncGenerator<ReadingBatch> {
  for await (const batch of batches) {
    const id = batchId(batch);
    await check(batch);
    yield { ...pick(batch), batchId: id };
  }
}

function pick(b: ReadingBatch): ReadingBatch {
  return { length: b.length, line: b.line, meter: b.meter, end: b.end, value: b.value, override: b.override, source: b.source,
    verification: b.verification, reject: b.reject, pulse: b.pulse, sensorRow: b.sensorRow, sensors: b.sensors,
    rejectedRaw: b.rejectedRaw, rawOf: (row) => b.rawOf(row), meters: b.meters };
}

const input = workerData as WorkerInput;
const port = parentPort!;
useTimeZone(parseTimeZone(input.timeZone ?? "UTC"));
// Its ids in shared memory: the main thread reads them where they are (threaded.ts).
const paths = [input.path, ...(input.more ?? [])];
const meters = createMeterIndex(expectedMeters(paths.reduce((sum, path) => sum + fileSize(path), 0)), { shared: true });

/** The file's size in bytes, 0 when it cannot be known here (reading it reports the error). */
function fileSize(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}

let credit = input.ahead;
let wake: (() => void) | undefined;
// A gated worker reads the store only once the run says its registry is imported ("open").
let open: (() => void) | undefined;
const opened = input.gated === true ? new Promise<void>((resolve) => (open = resolve)) : undefined;
port.on("message", (m: unknown) => {
  if (m === "open") {
    open?.();
    return;
  }
  credit++;
  wake?.();
});

const post = (message: WorkerMessage, transfer: ArrayBuffer[] = []) => port.postMessage(message, transfer);

try {
  let sentIds = 0;
  const hashes = paths.map(() => createHash("sha256"));
  // The same plugins as the main thread: their channels are decoded here.
  const plugins = await loadPlugins(input.plugins ?? { baseDir: process.cwd(), plugins: [] });
  const channels = channelIndex(plugins);
  const ranges = channelRanges(plugins.channels);
  await plugins.setup();
  // Meter ids are announced as soon as they are decoded (views of the index's shared memory, no
  // copy), ahead of the routed batches that name them: the main thread loads their buckets meanwhile.
  const postMeters = () => {
    if (sentIds === meters.size) return;
    const ids = meters.sharedIds(sentIds);
    sentIds = meters.size;
    post({ type: "meters", ...ids });
  };
  async function* announced(batches: AsyncIterable<ReadingBatch>): AsyncGenerator<ReadingBatch> {
    for await (const batch of batches) {
      postMeters();
      yield batch;
    }
  }
  // Only rejected rows' raw text leaves this thread (posted with their batch): CSV rows' text is
  // read back from the file for them, and the decoder's memory holds none (window.ts reuse).
  // The files in order, each row's line naming its file (source-line.ts); a failure names its file.
  const decodedNow = announced(readInputs(paths, { meters, batchSize: input.batchSize, maxEndDay: input.maxEndDay, channels, rawFromFile: true,
    ...(input.format === undefined ? {} : { format: input.format }), onBytes: (file, chunk) => hashes[file].update(chunk) }));
  // Decoded up to a window ahead of the routing: the next window is decoded while this one's
  // routed batches wait for the main thread to take them (without it, the main thread waited
  // for each window's decoding in turn: bench/e2e.ts, ten windows). Gated, the first window is
  // decoded while the run sets up, then the store is opened.
  const window = input.window ?? WINDOW;
  const decoded = readAhead(decodedNow, window);
  await opened;
  const store = input.db === undefined ? undefined : await openStore(input.db);
  // Register limits are checked here, against the registry BLOBs of the buckets that have any
  // (a row rejected here keeps its raw text); rows are routed by bucket (bucket-window.ts).
  const buckets = store === undefined ? undefined : new MeterBuckets(store.partitions, meters);
  const limits = store === undefined || buckets === undefined ? undefined : new RegistryLimitCheck(store, buckets);
  // Each routed row's registry slot, where the store reads registry BLOBs alone (registry-slots.ts).
  const source = store as (typeof store & Partial<RegistrySource>) | undefined;
  const slots = source?.readRegistries === undefined || buckets === undefined ? undefined
    : new RegistrySlots(source as RegistrySource, buckets, meters);
  const postColumns = async (length: number, columns: Columns, rejectedRaw: Map<number, string>, id: string) => {
    const { line, meter, end, value, override, source, verification, reject, pulse, sensorRow, sensors, slot, bucket } = columns;
    const buffers = new Set<ArrayBuffer>();
    for (const column of [line, meter, end, value, override, source, verification, reject]) buffers.add(column.buffer as ArrayBuffer);
    if (slot !== undefined) buffers.add(slot.buffer as ArrayBuffer);
    if (bucket !== undefined) buffers.add(bucket.buffer as ArrayBuffer);
    if (pulse !== undefined) for (const column of Object.values(pulse)) buffers.add(column.buffer as ArrayBuffer);
    if (sensorRow !== undefined) buffers.add(sensorRow.buffer as ArrayBuffer);
    if (sensors !== undefined) for (const column of [sensors.row, sensors.channel, sensors.time, sensors.value]) buffers.add(column.buffer as ArrayBuffer);
    credit--;
    postMeters();
    post({ type: "batch", length, columns, raw: [...rejectedRaw], batchId: id }, [...buffers]);
    if (credit <= 0) await new Promise<void>((resolve) => (wake = resolve));
  };
  const postBatch = async (batch: ReadingBatch, id: string) => {
    const { line, meter, end, value, override, source, verification, reject, pulse, sensorRow, sensors } = batch;
    const { slot, bucket } = (await slots?.of(batch)) ?? {};
    return postColumns(batch.length, { line, meter, end, value, override, source, verification, reject, pulse, sensorRow, sensors, slot, bucket },
      batch.rejectedRaw, id);
  };
  // Batches routed by bucket (bucket-window.ts), as the in-thread path of `meterflow run` does;
  // each decoded batch's content id is taken first, then its ranges and register limits are
  // checked here, beside the pipeline (a row rejected here keeps its raw text).
  const check = async (batch: ReadingBatch) => {
    rejectOutOfRange(batch, ranges);
    if (limits !== undefined) await limits.reject(batch);
  };
  const batches = store === undefined ? checked(decoded, check)
    : routeByBucket(decoded, { partitions: store.partitions, batchSize: input.batchSize, meters, check, raw: false, window });
  try {
    for await (const batch of batches) await postBatch(batch, batch.batchId!);
  } finally {
    await store?.close();
    await plugins.teardown();
  }
  post({ type: "done", sha256: hashes.map((h) => h.digest("hex")) });
} catch (error) {
  const e = error as Error & { code?: string };
  post({ type: "error", code: e.code ?? "MF_ERR_INPUT_READ", message: e.message });
}
