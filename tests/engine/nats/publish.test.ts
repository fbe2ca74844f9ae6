// `meterflow publish` against a real nats-server (started by the test, stopped by its pid): every
// valid reading lands exactly once on its partition's subject, bad rows go to rejected.csv,
// publishing the same file again stores nothing new, a partition mismatch and an unreachable
// server are one coded line and exit 1, messages stay under the server's max payload.
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { createMeterIndex } from "../../../engine/ingest/index.js";
import { decodeBatch, messageId, readingsSubject, toReadingBatch } from "../../../engine/nats/index.js";
import { partitionOf } from "../../../engine/store/contract.js";
import { freePort, startNatsServer } from "../../helpers/nats-server.js";
import type { NatsServer } from "../../helpers/nats-server.js";
import { readCsv, write } from "../../helpers/run.js";
import { tempDir } from "../../helpers/tmp.js";
import { readStream } from "./read-stream.js";

const MAIN = join(import.meta.dirname, "../../../dist/engine/cli/main.js");
const dir = tempDir("meterflow-publish-");

function meterflow(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [MAIN, ...args], { encoding: "utf8", cwd: dir, timeout: 60_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Readings of the stream as "meter@end=value" with the subject they came on. */
function readingsOf(messages: Array<{ subject: string; data: Uint8Array }>) {
  return messages.flatMap(({ subject, data }) => {
    const w = decodeBatch(data);
    expect(subject).toBe(readingsSubject(w.partition));
    const b = toReadingBatch(w, createMeterIndex());
    return Array.from({ length: b.length }, (_, r) => ({
      subject, file: w.file, key: `${b.meters.idOf(b.meter[r])}@${b.end[r]}=${b.value[r]}`, meter: b.meters.idOf(b.meter[r]),
    }));
  });
}

let server: NatsServer;
beforeAll(async () => {
  if (!existsSync(MAIN)) throw new Error("build first: npm run build:ts");
  server = await startNatsServer();
});
afterAll(async () => server?.stop());

const readings = write(dir, "night.csv", [
  "meter_id,end,value,pulse_min_on_ms",
  ...Array.from({ length: 300 }, (_, i) => `M-${i},2026-11-${String(1 + (i % 28)).padStart(2, "0")},${i * 10 + 0.5},`),
  "Zähler-ü,2026-11-02,12.5,",
  "メーター1,2026-11-02,7,",
  "P-1,2026-11-03,4,35",
  ",2026-11-02,1,",
  "M-1,not-a-date,1,",
  "M-2,2026-11-02,-5,",
]);
const VALID = 303;
const events = write(dir, "events.csv", [
  "meter_id,time,on_ms,direction,loop_ma,tamper,magnet_mt",
  "L-1,2026-11-28T08:00:00.000Z,50,,,,",
  "L-1,2026-11-29T08:00:00.000Z,50,,,,",
  "L-1,yesterday,50,,,,",
]);

describe("meterflow publish", () => {
  test("every valid reading is in the stream exactly once on its partition's subject; bad rows are in rejected.csv", async () => {
    const out = join(dir, "out1");
    const r = meterflow("publish", "--nats", server.url, "--out", out, "--pulse-events", events, readings);
    // No --db: the events are debounced without a registry, which one line says.
    expect(r.stderr).toBe("meterflow: warning: pulse events are debounced with the default 5 ms without a registry "
      + "(pass --db to use each meter's own: its debounce_ms, else its pulse_input profile's)\n");
    expect(r.status).toBe(0);
    expect(r.stdout.trim().split("\n")).toHaveLength(1);
    expect(r.stdout).toMatch(/^published 305 readings in \d+ messages \(0\.0 MB\) to MFLOW \(16 partitions\), 4 rejected, 0 duplicates already in the stream;/);

    const { info, messages } = await readStream(server.url);
    expect(info.config.description).toBe("meterflow readings; partitions=16");
    expect(info.config.retention).toBe("workqueue");
    const got = readingsOf(messages);
    const fromFile = got.filter((g) => g.file === readings);
    expect(fromFile).toHaveLength(VALID);
    expect(new Set(fromFile.map((g) => g.key)).size).toBe(VALID);
    for (const g of got) expect(g.subject).toBe(readingsSubject(partitionOf(g.meter, 16)));
    expect(fromFile.map((g) => g.key)).toContain("Zähler-ü@20759=12.5");
    expect(fromFile.map((g) => g.key)).toContain("メーター1@20759=7");
    // Pulse events: L-1's two days summarised into two readings.
    expect(got.filter((g) => g.file === events).map((g) => g.key.split("=")[0])).toEqual(["L-1@20785", "L-1@20786"]);
    // Ids are the content hash of partition and payload.
    for (const m of messages) expect(m.msgId).toBe(messageId(decodeBatch(m.data).partition, m.data));

    const summary = JSON.parse(readFileSync(join(out, "publish-summary.json"), "utf8"));
    expect(summary).toMatchObject({ in: 309, published: 305, rejected: 4, messages: messages.length, duplicate_readings: 0, partitions: 16 });
    expect(summary.bytes).toBe(messages.reduce((n, m) => n + m.data.length, 0));
    const rejected = readCsv(join(out, "rejected.csv"));
    expect(rejected.map((x) => [x.source_line, x.meter_id, x.reason, x.file])).toEqual([
      ["305", "", "missing_meter_id", readings],
      ["306", "M-1", "bad_date", readings],
      ["307", "M-2", "negative_value", readings],
      ["4", "L-1", "bad_event_time", events],
    ]);
    expect(rejected[1].raw).toBe("M-1,not-a-date,1,");
  });

  test("publishing the same files again stores nothing new and counts the duplicates", async () => {
    const before = await readStream(server.url);
    const r = meterflow("publish", "--nats", server.url, "--out", join(dir, "out2"), "--pulse-events", events, readings);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/, 4 rejected, 305 duplicates already in the stream;/);
    const after = await readStream(server.url);
    expect(after.info.state.messages).toBe(before.info.state.messages);
    expect(after.info.state.last_seq).toBe(before.info.state.last_seq);
    const summary = JSON.parse(readFileSync(join(dir, "out2", "publish-summary.json"), "utf8"));
    expect(summary).toMatchObject({ published: 305, duplicate_readings: 305, duplicate_messages: before.messages.length });
  });

  test("a partition count other than the stream's is a coded error and publishes nothing", async () => {
    const before = await readStream(server.url);
    const r = meterflow("publish", "--nats", server.url, "--partitions", "8", readings);
    expect(r.status).toBe(1);
    expect(r.stdout).toBe("");
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.stderr).toMatch(/^meterflow: stream MFLOW has 16 partitions, --partitions asks for 8: .* \(MF_ERR_NATS_PARTITIONS\)\n$/);
    expect((await readStream(server.url)).info.state.last_seq).toBe(before.info.state.last_seq);
  });

  test("a file in another format than its name's is refused before --out, the store or a stream is touched (audit: the stream was created first)", async () => {
    const wrong = write(dir, "wrong.ndjson", ["meter_id,end,value", "M-1,2026-11-01,1"]);
    const badEvents = write(dir, "events-bad.csv", ["meter,when", "L-1,2026-11-01"]);
    for (const [args, message] of [
      [[wrong], /^meterflow: \S*wrong\.ndjson: readings file is read as NDJSON, but it looks like CSV .*: name the file \.csv \(MF_ERR_INPUT_HEADER\)\n$/],
      [["--pulse-events", badEvents, readings], /events-bad\.csv.*\(MF_ERR_INPUT_HEADER\)\n$/],
    ] as Array<[string[], RegExp]>) {
      const out = join(dir, "out-refused");
      const r = meterflow("publish", "--nats", server.url, "--stream", "REFUSED", "--out", out, ...args);
      expect(r.status, r.stderr).toBe(1);
      expect(r.stderr).toMatch(message);
      expect(existsSync(out)).toBe(false);
    }
    expect((await readStream(server.url, "REFUSED").catch((error: Error) => error.message))).toMatch(/stream not found/);
    // An unreachable server is not asked first: the input's own error is said.
    const url = `nats://127.0.0.1:${await freePort()}`;
    const r = meterflow("publish", "--nats", url, "--out", join(dir, "out-refused2"), wrong);
    expect(r.stderr).toMatch(/\(MF_ERR_INPUT_HEADER\)\n$/);
    expect(existsSync(join(dir, "out-refused2"))).toBe(false);
  });

  test("an unreachable server is one line naming the URL, exit 1", async () => {
    const url = `nats://127.0.0.1:${await freePort()}`;
    const r = meterflow("publish", "--nats", url, "--connect-timeout", "2", "--out", join(dir, "out3"), readings);
    expect(r.status).toBe(1);
    expect(r.stderr).toBe(`meterflow: cannot connect to NATS at ${url}: connection refused (MF_ERR_NATS_CONNECT)\n`);
    expect(existsSync(join(dir, "out3", "rejected.csv"))).toBe(false);
  });

  test("a --stream other than the stream holding the readings subjects names that stream (cluster audit: it said only 'subjects overlap with an existing stream')", async () => {
    // MFLOW, made by the tests above, holds meterflow.readings.*: one readings stream per account.
    expect((await readStream(server.url)).info.config.name).toBe("MFLOW");
    const r = meterflow("publish", "--nats", server.url, "--stream", "MFLWO", "--out", join(dir, "out-typo"), readings);
    expect(r.status).toBe(1);
    expect(r.stdout).toBe("");
    expect(r.stderr).toBe("meterflow: cannot create stream MFLWO: the readings subjects meterflow.readings.* are stream MFLOW's "
      + "(one readings stream per NATS account): name it with --stream MFLOW (MF_ERR_NATS_STREAM)\n");
    expect(existsSync(join(dir, "out-typo"))).toBe(false);
  });

  test("a --nats URL of another scheme is refused, not taken as a NATS server (cluster audit: http://HOST:4222 published to HOST:4222)", async () => {
    const url = server.url.replace(/^nats:/, "http:");
    const r = meterflow("publish", "--nats", url, "--stream", "HTTP", readings);
    expect(r.status).toBe(1);
    expect(r.stdout).toBe("");
    expect(r.stderr).toBe(`meterflow: ${url} is not a NATS URL: write nats://HOST:PORT (tls://HOST:PORT for TLS; several separated by commas) (MF_ERR_NATS_CONNECT)\n`);
    expect((await readStream(server.url, "HTTP").catch((error: Error) => error.message))).toMatch(/stream not found/);
  });

  test("usage errors exit 2", () => {
    expect(meterflow("publish", readings).status).toBe(2);
    expect(meterflow("publish", "--nats", server.url).status).toBe(2);
    expect(meterflow("publish", "--nats", server.url, "--partitions", "0", readings).status).toBe(2);
  });

  test("messages stay under a small server max payload and carry every reading", async () => {
    const small = await startNatsServer({ config: "max_payload: 4096" });
    try {
      const r = meterflow("publish", "--nats", small.url, "--partitions", "4", readings);
      expect(r.status).toBe(0);
      const { info, messages } = await readStream(small.url);
      expect(info.config.description).toBe("meterflow readings; partitions=4");
      expect(messages.length).toBeGreaterThan(4);
      for (const m of messages) expect(m.data.length).toBeLessThanOrEqual(4096);
      const got = readingsOf(messages);
      expect(new Set(got.map((g) => g.key)).size).toBe(VALID);
      for (const g of got) expect(g.subject).toBe(readingsSubject(partitionOf(g.meter, 4)));
    } finally {
      await small.stop();
    }
  });

  test("a night in several files is published in the messages of one file; rows and rejected rows keep their files and lines", async () => {
    // night.csv's rows in three files: the last holds its three bad rows, at lines 105-107 there.
    const [header, ...rows] = readFileSync(readings, "utf8").trimEnd().split("\n");
    const parts = [rows.slice(0, 100), rows.slice(100, 200), rows.slice(200)].map((part, k) => write(dir, `part-${k}.csv`, [header, ...part]));
    const one = await startNatsServer();
    const split = await startNatsServer();
    try {
      expect(meterflow("publish", "--nats", one.url, readings).status).toBe(0);
      const out = join(dir, "out-split");
      const r = meterflow("publish", "--nats", split.url, "--out", out, ...parts);
      expect(r.stderr).toBe("");
      expect(r.status).toBe(0);
      const whole = (await readStream(one.url)).messages;
      const { messages } = await readStream(split.url);
      // Each partition's messages as for one file (not one per file), every reading once.
      expect(messages.length).toBe(whole.length);
      const got = readingsOf(messages);
      expect(new Set(got.map((g) => g.key))).toEqual(new Set(readingsOf(whole).map((g) => g.key)));
      expect(got).toHaveLength(VALID);
      // A message lists the files; each row's line names its file: file x 2^32 + its line there.
      const lines = new Map(rows.map((row, i) => [row, i]));
      let multi = 0;
      for (const m of messages) {
        const w = decodeBatch(m.data);
        if (w.files === undefined) continue;
        multi++;
        expect(w.files).toEqual(parts);
        expect(w.file).toBe(parts[0]);
        const b = toReadingBatch(w, createMeterIndex());
        for (let k = 0; k < b.length; k++) {
          const file = Math.floor(b.line[k] / 2 ** 32);
          const line = b.line[k] % 2 ** 32;
          const row = readFileSync(parts[file], "utf8").split("\n")[line - 1];
          expect(lines.get(row), row).toBe(file * 100 + line - 2);
        }
      }
      expect(multi).toBeGreaterThan(0);
      expect(readCsv(join(out, "rejected.csv")).map((x) => [x.source_line, x.meter_id, x.reason, x.file])).toEqual([
        ["105", "", "missing_meter_id", parts[2]],
        ["106", "M-1", "bad_date", parts[2]],
        ["107", "M-2", "negative_value", parts[2]],
      ]);
      const summary = JSON.parse(readFileSync(join(out, "publish-summary.json"), "utf8"));
      expect(summary.inputs.map((i: { path: string; in: number; rejected: number }) => [i.path, i.in, i.rejected])).toEqual([
        [parts[0], 100, 0], [parts[1], 100, 0], [parts[2], rows.length - 200, 3],
      ]);
    } finally {
      await one.stop();
      await split.stop();
    }
  });
});
