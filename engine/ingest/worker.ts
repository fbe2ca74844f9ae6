// Worker thread that decodes one readings file and posts its batches to the main thread, so
// decoding runs beside the pipeline instead of before it. See threaded.ts for the protocol.
import { createHash } from "node:crypto";
import { parentPort, workerData } from "node:worker_threads";
import { batchId } from "./batch-id.js";
import { channelRanges, rejectOutOfRange } from "./ranges.js";
import { createMeterIndex } from "./meter-index.js";
import { readReadings } from "./open.js";
import { KeyResolver } from "./keys.js";
import { rejectByRegistry } from "./limits.js";
import { openStore } from "../store/open.js";
import { WorkingSet } from "../runtime/working-set.js";
import { channelIndex, loadPlugins } from "../plugins/index.js";
import type { WorkerInput, WorkerMessage } from "./threaded.js";

const input = workerData as WorkerInput;
const port = parentPort!;
const meters = createMeterIndex();

let credit = input.ahead;
let wake: (() => void) | undefined;
port.on("message", () => {
  credit++;
  wake?.();
});

const post = (message: WorkerMessage, transfer: ArrayBuffer[] = []) => port.postMessage(message, transfer);

try {
  let sentIds = 0;
  const hash = createHash("sha256");
  const onBytes = (chunk: Uint8Array) => hash.update(chunk);
  // The same plugins as the main thread: their channels are decoded here.
  const plugins = await loadPlugins(input.plugins ?? { baseDir: process.cwd(), plugins: [] });
  const channels = channelIndex(plugins);
  const ranges = channelRanges(plugins.channels);
  await plugins.setup();
  const store = input.db === undefined ? undefined : await openStore(input.db);
  const ws = store === undefined ? undefined : new WorkingSet(store);
  const registry = ws === undefined ? undefined : { ws, resolver: new KeyResolver(ws.meters.keyOf) };
  try {
    for await (const batch of readReadings(input.path, { meters, batchSize: input.batchSize, maxEndDay: input.maxEndDay, onBytes, channels })) {
      // The content id, the channels' ranges and the register limits here, beside the pipeline
      // (a row rejected here keeps its raw text); the registry a bucket at a time, as there.
      const id = batchId(batch);
      rejectOutOfRange(batch, ranges);
      if (registry !== undefined) {
        await registry.ws.load(registry.resolver.unseen(batch));
        rejectByRegistry(batch, registry.resolver.resolve(batch), registry.ws.meters);
      }
      const newIds: string[] = [];
      for (; sentIds < meters.size; sentIds++) newIds.push(meters.idOf(sentIds));
      const { line, meter, end, value, override, source, verification, reject, pulse, sensorRow, sensors } = batch;
      const columns = { line, meter, end, value, override, source, verification, reject, pulse, sensorRow, sensors };
      const buffers = new Set<ArrayBuffer>();
      for (const column of [line, meter, end, value, override, source, verification, reject]) buffers.add(column.buffer as ArrayBuffer);
      if (pulse !== undefined) for (const column of Object.values(pulse)) buffers.add(column.buffer as ArrayBuffer);
      if (sensorRow !== undefined) buffers.add(sensorRow.buffer as ArrayBuffer);
      if (sensors !== undefined) for (const column of [sensors.row, sensors.channel, sensors.time, sensors.value]) buffers.add(column.buffer as ArrayBuffer);
      credit--;
      post({ type: "batch", length: batch.length, columns, ids: newIds, raw: [...batch.rejectedRaw], batchId: id }, [...buffers]);
      if (credit <= 0) await new Promise<void>((resolve) => (wake = resolve));
    }
  } finally {
    await store?.close();
    await plugins.teardown();
  }
  post({ type: "done", sha256: hash.digest("hex") });
} catch (error) {
  const e = error as Error & { code?: string };
  post({ type: "error", code: e.code ?? "MF_ERR_INPUT_READ", message: e.message });
}
