// Worker thread that decodes one readings file and posts its batches to the main thread, so
// decoding runs beside the pipeline instead of before it. See threaded.ts for the protocol.
import { parentPort, workerData } from "node:worker_threads";
import { rejectBeyondRegister } from "./limits.js";
import { createMeterIndex } from "./meter-index.js";
import { readReadings } from "./open.js";
import type { WorkerInput, WorkerMessage } from "./threaded.js";

const input = workerData as WorkerInput;
const port = parentPort!;
const meters = createMeterIndex();
const limitById = new Map<string, number>();
input.limits.ids.forEach((id, i) => limitById.set(id, input.limits.values[i]));

let credit = input.ahead;
let wake: (() => void) | undefined;
port.on("message", () => {
  credit++;
  wake?.();
});

const post = (message: WorkerMessage, transfer: ArrayBuffer[] = []) => port.postMessage(message, transfer);

try {
  let sentIds = 0;
  const limitOfIndex: number[] = [];
  for await (const batch of readReadings(input.path, { meters, batchSize: input.batchSize, maxEndDay: input.maxEndDay })) {
    rejectBeyondRegister(batch, (row) => {
      const m = batch.meter[row];
      return (limitOfIndex[m] ??= limitById.get(meters.idOf(m)) ?? Number.POSITIVE_INFINITY);
    });
    const ids: string[] = [];
    for (; sentIds < meters.size; sentIds++) ids.push(meters.idOf(sentIds));
    const { line, meter, end, value, override, source, verification, reject } = batch;
    const columns = { line, meter, end, value, override, source, verification, reject };
    const buffers = new Set<ArrayBuffer>();
    for (const column of Object.values(columns)) buffers.add(column.buffer as ArrayBuffer);
    credit--;
    post({ type: "batch", length: batch.length, columns, ids, raw: [...batch.rejectedRaw] }, [...buffers]);
    if (credit <= 0) await new Promise<void>((resolve) => (wake = resolve));
  }
  post({ type: "done" });
} catch (error) {
  const e = error as Error & { code?: string };
  post({ type: "error", code: e.code ?? "MF_ERR_INPUT_READ", message: e.message });
}
