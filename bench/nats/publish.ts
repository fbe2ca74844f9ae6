// `meterflow publish` throughput on two shapes, each beside baselines measured in the same run:
//   - publish:      publishFiles end to end (read + reject + batch + encode + publish + acks)
//   - raw publish:  the same messages, pre-encoded, published with the same concurrency (the
//                   transport's ceiling: what JetStream on this machine takes)
//   - prepare only: read + batch + encode without publishing (the CPU part of publish)
//   - JSON encode:  the same rows as one JSON.stringify'd array of row objects per ingest batch
//                   (a naive wire format, read + encode only)
//   - decode:       the consumer's side: decodeBatch + toReadingBatch of every message (ids
//                   interned into a fresh MeterIndex), no transport
// Shapes: 1,000,000 meters x 1 reading (the nightly file) and 200,000 meters x 10 readings.
// A fresh nats-server (JetStream, file storage in a temp dir) is started and stopped by pid;
// the stream is deleted before every timed run so nothing is a duplicate.
//   npm run build:ts && node --expose-gc dist/bench/nats/publish.js [--runs 3] [--only nightly,ten]
import { createWriteStream, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import { createMeterIndex } from "../../engine/ingest/meter-index.js";
import { readReadings } from "../../engine/ingest/open.js";
import { PartitionBatcher } from "../../engine/nats/batcher.js";
import { connectNats, maxPayloadOf } from "../../engine/nats/connect.js";
import { toMessages } from "../../engine/nats/messages.js";
import type { ReadingsMessage } from "../../engine/nats/messages.js";
import { publishFiles } from "../../engine/nats/publish.js";
import { Publisher } from "../../engine/nats/publisher.js";
import { toReadingBatch } from "../../engine/nats/reading-batch.js";
import { ensureStream } from "../../engine/nats/stream.js";
import { decodeBatch } from "../../engine/nats/wire.js";
import { day } from "../../engine/sinks/format.js";
import { startServer } from "./server.js";

const { values } = parseArgs({ options: { runs: { type: "string", default: "3" }, only: { type: "string" } } });
const runs = Number(values.runs);
const SHAPES = [
  { key: "nightly", name: "1,000,000 meters x 1", meters: 1_000_000, days: 1 },
  { key: "ten", name: "200,000 meters x 10", meters: 200_000, days: 10 },
].filter((s) => values.only === undefined || values.only.split(",").includes(s.key));

const dir = mkdtempSync(join(tmpdir(), "meterflow-bench-nats-"));
const server = await startServer();
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1];

async function writeShape(path: string, meters: number, days: number): Promise<void> {
  const out = createWriteStream(path);
  const first = Math.floor(Date.parse("2026-11-01") / 86_400_000);
  out.write("meter_id,end,value\n");
  let chunk = "";
  for (let d = 0; d < days; d++) {
    const end = day(first + d);
    for (let m = 0; m < meters; m++) {
      chunk += `M-${String(m).padStart(7, "0")},${end},${(m % 9973) * 10 + d * 3.25}\n`;
      if (chunk.length > 1 << 20) {
        if (!out.write(chunk)) await new Promise<void>((r) => out.once("drain", () => r()));
        chunk = "";
      }
    }
  }
  out.end(chunk);
  await new Promise<void>((r) => out.on("finish", () => r()));
}

/** Read + batch + encode: the messages publish would send. */
async function prepare(path: string, maxPayload: number): Promise<ReadingsMessage[]> {
  const limit = maxPayload - 256;
  const batcher = new PartitionBatcher({ partitions: 16, maxBytes: limit });
  const out: ReadingsMessage[] = [];
  for await (const b of readReadings(path, { meters: createMeterIndex() })) for (const w of batcher.add(b, [path])) out.push(...toMessages(w, limit));
  for (const w of batcher.flush()) out.push(...toMessages(w, limit));
  return out;
}

/** The rows of a file as JSON arrays of row objects, one per ingest batch (65,536 rows); returns the bytes. */
async function jsonEncode(path: string): Promise<number> {
  let bytes = 0;
  for await (const b of readReadings(path, { meters: createMeterIndex() })) {
    const rows = [];
    for (let r = 0; r < b.length; r++) rows.push({ meter_id: b.meters.idOf(b.meter[r]), end: b.end[r], value: b.value[r], line: b.line[r], file: path });
    bytes += Buffer.byteLength(JSON.stringify(rows));
  }
  return bytes;
}

const nc = await connectNats(server.url);
const jsm = await jetstreamManager(nc);
const maxPayload = maxPayloadOf(nc);
const reset = async () => {
  await jsm.streams.delete("MFLOW").catch(() => undefined);
  await ensureStream(jsm, { partitions: 16 });
};
console.log(`meterflow publish bench: ${runs} timed runs per task, node ${process.version}, nats-server at ${server.url} (max payload ${maxPayload})`);
const table: string[][] = [];
try {
  for (const shape of SHAPES) {
    const path = join(dir, `${shape.key}.csv`);
    await writeShape(path, shape.meters, shape.days);
    const readings = shape.meters * shape.days;
    const times: Record<string, number[]> = { publish: [], "raw publish": [], "prepare only": [], "JSON encode": [], decode: [] };
    let messages: ReadingsMessage[] = [];
    let summary = { messages: 0, bytes: 0 };
    for (let run = 0; run < runs; run++) {
      await reset();
      globalThis.gc?.();
      let t = performance.now();
      const s = await publishFiles({ nats: server.url, inputs: [path], partitions: 16 });
      times.publish.push((performance.now() - t) / 1000);
      if (s.published !== readings || s.duplicate_readings !== 0) throw new Error(`published ${s.published} of ${readings}, ${s.duplicate_readings} duplicates`);
      summary = s;

      globalThis.gc?.();
      t = performance.now();
      messages = await prepare(path, maxPayload);
      times["prepare only"].push((performance.now() - t) / 1000);

      await reset();
      globalThis.gc?.();
      t = performance.now();
      const publisher = new Publisher(jetstream(nc), { stream: "MFLOW" });
      for (const m of messages) await publisher.publish(m);
      await publisher.flush();
      times["raw publish"].push((performance.now() - t) / 1000);

      globalThis.gc?.();
      t = performance.now();
      const meters = createMeterIndex();
      let decoded = 0;
      for (const m of messages) decoded += toReadingBatch(decodeBatch(m.payload), meters).length;
      times.decode.push((performance.now() - t) / 1000);
      if (decoded !== readings) throw new Error(`decoded ${decoded} of ${readings}`);
      messages = [];

      globalThis.gc?.();
      t = performance.now();
      await jsonEncode(path);
      times["JSON encode"].push((performance.now() - t) / 1000);
    }
    const base = median(times["raw publish"]);
    console.log(`\n${shape.name}: ${readings.toLocaleString("en")} readings, ${summary.messages} messages, ${(summary.bytes / 1e6).toFixed(1)} MB `
      + `(${(summary.bytes / readings).toFixed(1)} B/reading)`);
    for (const [task, xs] of Object.entries(times)) {
      const m = median(xs);
      const row = [shape.name, task, m.toFixed(2), (readings / m / 1e6).toFixed(2), `${(m / base).toFixed(2)}x`, xs.map((x) => x.toFixed(2)).join(" ")];
      table.push(row);
      console.log(`  ${task.padEnd(13)} median ${row[2]} s  ${row[3]}M readings/s  ${row[4]} of raw publish  (runs: ${row[5]})`);
    }
  }
} finally {
  await nc.close();
  await server.stop();
  rmSync(dir, { recursive: true, force: true });
}
console.log("\nshape                 task           median s  M readings/s  vs raw publish");
for (const r of table) console.log(`${r[0].padEnd(21)} ${r[1].padEnd(14)} ${r[2].padStart(8)}  ${r[3].padStart(12)}  ${r[4].padStart(14)}`);
