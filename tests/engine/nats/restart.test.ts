// Publishing while the server restarts: unacknowledged publishes are sent again with the same
// message id once the client has reconnected, so every reading is in the stream exactly once,
// each meter's readings are stored in file order, and each message holds its rows in bucket order.
import { jetstreamManager } from "@nats-io/jetstream";
import { connect } from "@nats-io/transport-node";
import { expect, test } from "vitest";
import { createMeterIndex } from "../../../engine/ingest/index.js";
import { decodeBatch, publishFiles, toReadingBatch } from "../../../engine/nats/index.js";
import { bucketOf } from "../../../engine/store/contract.js";
import { startNatsServer } from "../../helpers/nats-server.js";
import { write } from "../../helpers/run.js";
import { tempDir } from "../../helpers/tmp.js";

const dir = tempDir("meterflow-publish-restart-");

test("a server restarted in the middle of a publish: the publish completes and stores every reading once, in file order per meter", async () => {
  // Small messages (max_payload 4096) so the file takes hundreds of publishes.
  const server = await startNatsServer({ config: "max_payload: 4096" });
  try {
    // Two readings per meter, the second half of the file a day after the first.
    const meters = 3000;
    const n = 2 * meters;
    const file = write(dir, "night.csv", ["meter_id,end,value", ...Array.from({ length: n }, (_, i) => `M-${i % meters},2026-11-0${1 + Math.floor(i / meters)},${i}`)]);
    let batches = 0;
    let restarted: Promise<void> | undefined;
    const summary = await publishFiles({
      // Windows of ~200 readings: messages go out while the file is read.
      nats: server.url, inputs: [file], partitions: 4, batchSize: 200, windowBytes: 200 * 24, inFlight: 4, ackTimeoutMs: 2000,
      onProgress: () => {
        if (++batches === 5) restarted = server.restart();
      },
    });
    await restarted;
    expect(restarted).toBeDefined();
    expect(summary).toMatchObject({ in: n, published: n, rejected: 0 });
    // The restart caught publishes in flight: they were sent again.
    expect(summary.retries).toBeGreaterThan(0);

    const nc = await connect({ servers: server.url });
    try {
      const jsm = await jetstreamManager(nc);
      const info = await jsm.streams.info("MFLOW");
      const seen = new Map<string, number>();
      const lastLine = new Map<string, number>();
      for (let seq = info.state.first_seq; seq <= info.state.last_seq; seq++) {
        const m = await jsm.streams.getMessage("MFLOW", { seq });
        if (m === null) continue;
        const b = toReadingBatch(decodeBatch(m.data), createMeterIndex());
        for (let r = 0; r < b.length; r++) {
          const id = b.meters.idOf(b.meter[r]);
          // A meter's readings in file order; a message's rows in bucket order.
          expect(b.line[r]).toBeGreaterThan(lastLine.get(id) ?? 0);
          lastLine.set(id, b.line[r]);
          if (r > 0) expect(bucketOf(id, 4)).toBeGreaterThanOrEqual(bucketOf(b.meters.idOf(b.meter[r - 1]), 4));
          seen.set(id, (seen.get(id) ?? 0) + 1);
        }
      }
      expect(seen.size).toBe(meters);
      expect([...seen.values()].every((c) => c === 2)).toBe(true);
    } finally {
      await nc.close();
    }
  } finally {
    await server.stop();
  }
}, 120_000);
