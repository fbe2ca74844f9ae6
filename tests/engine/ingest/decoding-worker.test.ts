// The decoding thread (engine/ingest/worker.ts, DecodingWorker) decodes up to a window ahead of
// what it has handed on, gated or not: while the consumer holds its first batch (no
// acknowledgement, so the thread may post nothing more), the thread goes on decoding the file,
// and the meter ids it announces show how far it got. Without the read-ahead it decoded only
// what the batch in hand needed, and a run's main thread waited for each window's decoding in
// turn (bench/e2e.ts). Then every row arrives, once. The thread runs only from the compiled
// package, so this test loads it from dist/ (built by npm install).
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it, vi } from "vitest";
import { tempDir } from "../../helpers/tmp.js";

const DIST = join(import.meta.dirname, "../../../dist/engine");
const load = async <T>(path: string): Promise<T> => (await import(join(DIST, path))) as T;
const { DecodingWorker } = await load<typeof import("../../../engine/ingest/threaded.js")>("ingest/threaded.js");
const { openStore } = await load<typeof import("../../../engine/store/open.js")>("store/open.js");

const dir = tempDir();
const ROWS = 3000;
const BATCH = 500;
const WINDOW = 1000;
const path = join(dir, "readings.csv");
writeFileSync(path, ["meter_id,end,value", ...Array.from({ length: ROWS }, (_, i) => `M-${i},2026-11-01,${100 + i}`)].join("\n") + "\n");

describe("the decoding thread", () => {
  // Routed by bucket (a store given): the first window (two batches) is routed and its first
  // routed batch posted; two more batches are decoded meanwhile. Not routed (no store): the
  // first batch is posted, two more are decoded.
  it.each([
    ["routed by bucket", true, 2 * BATCH + WINDOW],
    ["not routed", false, BATCH + WINDOW],
  ])("decodes a window ahead while its first batch is held (%s)", async (_name, routed, decodedWhileHeld) => {
    let db: string | undefined;
    if (routed) {
      db = join(dir, `state-${Math.random().toString(36).slice(2)}.db`);
      await (await openStore(db)).close();
    }
    const worker = new DecodingWorker({ path, batchSize: BATCH, maxEndDay: 1e6, ahead: 1, window: WINDOW, ...(db === undefined ? {} : { db }) });
    let announced = 0;
    const batches = worker.batches(undefined, (hashes) => (announced += hashes.length));
    const first = await batches.next();
    expect(first.done).toBe(false);
    // Every row names a meter of its own: the ids announced are the rows decoded.
    await vi.waitFor(() => expect(announced).toBe(decodedWhileHeld), { timeout: 20_000, interval: 20 });
    const lines = new Set<number>();
    for (let b = first; !b.done; b = await batches.next()) for (let row = 0; row < b.value.length; row++) lines.add(b.value.line[row]);
    expect(lines.size).toBe(ROWS);
    expect(announced).toBe(ROWS);
  });
});
