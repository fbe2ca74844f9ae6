// The import thread (import-thread.ts has the protocol): reads and validates the registry file
// into columns, posting its rows as they are read, so the main thread writes them to the store
// meanwhile; then builds the buckets' BLOBs from the whole table, merged with the stored ones
// the main thread reads for it.
import { createHash } from "node:crypto";
import { parentPort, workerData } from "node:worker_threads";
import { readRegistry, tableChunk } from "../meters/index.js";
import { parseTimeZone, useTimeZone } from "../time/index.js";
import type { MeterTypeDefinition } from "../../sdk/index.js";
import { groupByBucket, mergeBuckets } from "./buckets.js";
import type { ImportThreadInput, ToThread } from "./import-thread.js";

const input = workerData as ImportThreadInput;
const port = parentPort!;
useTimeZone(parseTimeZone(input.timeZone));

const stored = new Promise<Array<{ bucket: number; registry: Uint8Array }>>((resolve) => {
  port.once("message", (message: ToThread) => resolve(message.stored));
});

try {
  const types = input.types === null ? null : new Map<string, MeterTypeDefinition>(input.types.map((t) => [t.name, t]));
  const hash = input.digestSuffix === null ? null : createHash("sha256");
  const { table, rejected, futureFrom } = await readRegistry(input.path, { meterTypes: types === null ? undefined : (name) => types.get(name) }, {
    onBytes: hash === null ? undefined : (chunk) => hash.update(chunk),
    onRows: (t, from, to) => {
      const { chunk, transfer } = tableChunk(t, from, to);
      port.postMessage({ type: "rows", chunk }, transfer);
    },
    rowsPerCall: input.rowsPerChunk,
  });
  const digest = hash === null ? null : hash.update(input.digestSuffix as string).digest("hex");
  const groups = groupByBucket(table, input.buckets);
  port.postMessage({ type: "read", meters: table.length, rejected, digest, touched: groups.touched, futureFrom });
  const merged = mergeBuckets(groups, new Map((await stored).map((b) => [b.bucket, b.registry])), true);
  port.postMessage({ type: "blobs", ...merged }, merged.blobs.map((b) => b.registry.buffer as ArrayBuffer));
} catch (error) {
  const e = error as Error & { code?: string };
  port.postMessage({ type: "error", name: e.name, code: e.code ?? "MF_ERR_RUN", message: e.message });
}
port.close();
