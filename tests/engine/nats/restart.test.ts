// Publishing while the server restarts: unacknowledged publishes are sent again with the same
// message id once the client has reconnected, so every reading is in the stream exactly once,
// and each partition's readings are stored in file order.
import { jetstreamManager } from "@nats-io/jetstream";
import { connect } from "@nats-io/transport-node";
import { expect, test } from "vitest";
import { createMeterIndex } from "../../../engine/ingest/index.js";
import { decodeBatch, publishFiles, toReadingBatch } from "../../../engine/nats/index.js";
import { startNatsServer } from "../../helpers/nats-server.js";
import { write } from "../../helpers/run.js";
import { tempDir } from "../../helpers/tmp.js";

const dir = tempDir("meterflow-publish-restart-");

test("a server restarted in the middle of a publish: the publish completes and stores every reading once, in file order per partition", async () => {
  // Small messages (max_payload 4096) so the file takes hundreds of publishes.
  const server = await startNatsServer({ config: "max_payload: 4096" });
  try {
    const n = 6000;
    const file = write(dir, "night.csv", ["meter_id,end,value", ...Array.from({ length: n }, (_, i) => `M-${i},2026-11-01,${i}`)]);
    let batches = 0;
    let restarted: Promise<void> | undefined;
    const summary = await publishFiles({
      nats: server.url, inputs: [file], partitions: 4, batchSize: 200, inFlight: 4, ackTimeoutMs: 2000,
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
          expect(b.line[r]).toBeGreaterThan(lastLine.get(m.subject) ?? 0);
          lastLine.set(m.subject, b.line[r]);
        }
        for (let r = 0; r < b.length; r++) seen.set(b.meters.idOf(b.meter[r]), (seen.get(b.meters.idOf(b.meter[r])) ?? 0) + 1);
      }
      expect(seen.size).toBe(n);
      expect([...seen.values()].every((c) => c === 1)).toBe(true);
    } finally {
      await nc.close();
    }
  } finally {
    await server.stop();
  }
}, 120_000);
