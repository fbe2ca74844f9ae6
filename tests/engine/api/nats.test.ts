// The control API with NATS (serve --nats) on both stores, against a real nats-server: /ready
// says it is reachable, /metrics has meterflow_queue_lag per partition consumer of the readings
// stream (the stream's messages per subject before a worker made the consumers, then JetStream's
// consumer info), down to 0 once a partition's message is acknowledged; a message delivered again
// (a worker's try failed) in meterflow_queue_redelivered until acknowledged; the workers alive and
// each partition's owner from the lease bucket (meterflow_workers, meterflow_partition_owner); with the server killed,
// /ready is 503 and /metrics still answers (meterflow_nats_up 0); back once it restarts.
import { spawn, spawnSync } from "node:child_process";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { NatsProbe } from "../../../engine/api/nats.js";
import { startApiServer } from "../../../engine/api/server.js";
import { connectNats } from "../../../engine/nats/connect.js";
import { publishFiles } from "../../../engine/nats/publish.js";
import { partitionOf } from "../../../engine/store/contract.js";
import { packageRoot } from "../../../engine/wasm/paths.js";
import { consumerName, ensureConsumers } from "../../../engine/worker/consumers.js";
import { PartitionLeases } from "../../../engine/worker/leases.js";
import { startNatsServer } from "../../helpers/nats-server.js";
import type { NatsServer } from "../../helpers/nats-server.js";
import { write } from "../../helpers/run.js";
import { tempDir } from "../../helpers/tmp.js";
import { apiFixture, STORES } from "./fixture.js";

const dir = tempDir("meterflow-api-nats-");
const BIN = join(packageRoot(), "dist", "engine", "cli", "main.js");
let n = 0;

/** meterflow_queue_lag by partition, from the metrics text. */
function lagOf(metrics: string): Map<number, number> {
  const lag = new Map<number, number>();
  for (const m of metrics.matchAll(/^meterflow_queue_lag\{partition="(\d+)",consumer="meterflow-p\d+"\} (\d+)$/gm)) lag.set(Number(m[1]), Number(m[2]));
  return lag;
}

/** meterflow_queue_redelivered by partition, from the metrics text. */
function redeliveredOf(metrics: string): Map<number, number> {
  const stuck = new Map<number, number>();
  for (const m of metrics.matchAll(/^meterflow_queue_redelivered\{partition="(\d+)",consumer="meterflow-p\d+"\} (\d+)$/gm)) stuck.set(Number(m[1]), Number(m[2]));
  return stuck;
}

describe.each(STORES)("control API with NATS on $kind", ({ db }) => {
  let nats: NatsServer;
  beforeAll(async () => {
    nats = await startNatsServer();
  });
  afterAll(async () => {
    await nats?.stop();
  });

  it("reports NATS in /ready and each partition consumer's lag in /metrics", async () => {
    const stream = `S${n++}`;
    // A bound the busy CI machine keeps: a scrape asks JetStream about every partition's consumer
    // (500 ms was once too short with the whole suite running; the server killed below fails fast).
    const probe = await NatsProbe.connect(nats.url, { stream, timeoutMs: 5000 });
    const f = await apiFixture(db, { nats: probe });
    const nc = await connectNats(nats.url);
    try {
      const cluster = async () => {
        const res = await f.request("GET", "/v1/status", { token: f.tokens.viewer });
        expect(res.status).toBe(200);
        return res.data.cluster;
      };
      const metrics = async () => {
        const res = await f.app.request("/metrics", { headers: { authorization: `Bearer ${f.tokens.viewer}` } });
        expect(res.status).toBe(200);
        return res.text();
      };
      expect(await f.request("GET", "/ready")).toMatchObject({ status: 200, data: { status: "ready", nats: { url: nats.url, stream, status: "reachable" } } });
      // No stream yet: nothing to lag behind.
      const empty = await metrics();
      expect(empty).toContain("meterflow_nats_up 1");
      expect(lagOf(empty).size).toBe(0);
      expect(await cluster()).toEqual({ nats: "reachable", stream, workers: 0, partitions: [] });

      const partitions = f.store.partitions;
      const readings = write(dir, `r-${n++}.csv`, ["meter_id,end,value", "E-1,2026-11-01,1001", "E-2,2026-11-01,1002", "E-3,2026-11-01,1003"]);
      const published = await publishFiles({ nats: nats.url, stream, inputs: [readings], partitions, out: join(dir, `p-${n++}`) });
      expect(published.messages).toBeGreaterThan(0);
      const used = new Set(["E-1", "E-2", "E-3"].map((id) => partitionOf(id, partitions)));
      // Before any worker: each partition's messages on its subject.
      const before = lagOf(await metrics());
      expect(before.size).toBe(partitions);
      expect([...before].filter(([, v]) => v > 0).map(([p]) => p).sort()).toEqual([...used].sort());
      expect([...before.values()].reduce((a, b) => a + b, 0)).toBe(published.messages);

      // The workers' consumers: JetStream's figures, the same backlog.
      const jsm = await jetstreamManager(nc);
      await ensureConsumers(jsm, stream, partitions, 30_000);
      expect(lagOf(await metrics())).toEqual(before);
      // One partition's message taken and acknowledged: that partition is no longer behind.
      const p = [...used][0];
      const consumer = await jetstream(nc).consumers.get(stream, consumerName(p));
      const msg = await consumer.next({ expires: 2000 });
      expect(msg).not.toBeNull();
      const inFlight = lagOf(await metrics());
      expect(inFlight.get(p)).toBe(before.get(p));
      expect(redeliveredOf(await metrics()).get(p)).toBe(0);
      // A worker's try failed (it naks, as engine/worker does): delivered again, the partition's
      // stuck message shows in meterflow_queue_redelivered until it is acknowledged.
      msg!.nak();
      const again = await consumer.next({ expires: 2000 });
      expect(again?.seq).toBe(msg!.seq);
      expect(again?.info.redelivered).toBe(true);
      const stuck = await metrics();
      expect(redeliveredOf(stuck).get(p)).toBe(1);
      // The status page's cluster says the same, every partition listed.
      const shown = await cluster();
      expect(shown.partitions).toEqual(Array.from({ length: partitions }, (_, q) => ({ partition: q, lag: before.get(q), redelivered: q === p ? 1 : 0, owner: null })));
      expect(lagOf(stuck).get(p)).toBe(before.get(p));
      for (const [q, v] of redeliveredOf(stuck)) if (q !== p) expect(v, `partition ${q}`).toBe(0);
      await again!.ackAck();
      expect(redeliveredOf(await metrics()).get(p)).toBe(0);
      const after = lagOf(await metrics());
      expect(after.get(p)).toBe(before.get(p)! - 1);
      for (const [q, v] of before) if (q !== p) expect(after.get(q), `partition ${q}`).toBe(v);

      // A worker's leases (engine/worker/leases.ts): the workers alive and who holds each partition.
      expect(await metrics()).toContain("meterflow_workers 0");
      const held = new Set<number>();
      const leases = await PartitionLeases.open(nc, stream, partitions, { start: (q) => held.add(q), stop: async (q) => void held.delete(q) }, { ttlMs: 1000, id: "w-test" });
      try {
        for (let i = 0; held.size < partitions; i++) {
          expect(i).toBeLessThan(200);
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
        const owned = await metrics();
        expect(owned).toContain("meterflow_workers 1");
        const owners = [...owned.matchAll(/^meterflow_partition_owner\{partition="(\d+)",worker="([^"]+)"\} 1$/gm)];
        expect(owners.map((m) => Number(m[1])).sort((a, b) => a - b)).toEqual(Array.from({ length: partitions }, (_, q) => q));
        expect(new Set(owners.map((m) => m[2]))).toEqual(new Set(["w-test"]));
        const leased = await cluster();
        expect(leased.workers).toBe(1);
        expect(leased.partitions.map((q: { owner: string }) => q.owner)).toEqual(new Array(partitions).fill("w-test"));
      } finally {
        await leases.close();
      }
      const released = await metrics();
      expect(released).toContain("meterflow_workers 0");
      expect(released).not.toContain("meterflow_partition_owner{");

      // NATS gone: not ready, and the metrics say so.
      await nats.kill("SIGKILL");
      const down = await f.request("GET", "/ready");
      expect(down).toMatchObject({ status: 503, data: { code: "MF_ERR_API_NOT_READY" } });
      expect(down.data.message).toMatch(/NATS/);
      const scraped = await metrics();
      expect(scraped).toContain("meterflow_nats_up 0");
      expect(lagOf(scraped).size).toBe(0);
      expect(await cluster()).toMatchObject({ nats: "unreachable", stream, workers: null, partitions: [], error: expect.stringMatching(/NATS|closed|timeout|TIMEOUT|connection/i) });
      await nats.restart();
      for (let i = 0; ; i++) {
        const again = await f.request("GET", "/ready");
        if (again.status === 200) break;
        expect(i, JSON.stringify(again.data)).toBeLessThan(100);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      expect(await metrics()).toContain("meterflow_nats_up 1");
    } finally {
      await nc.close();
      await probe.close();
      expect(f.logged).toEqual([]);
      await f.close();
    }
  });

  it("meterflow serve --nats URL --stream NAME checks NATS in /ready; --stream alone is a usage error", async () => {
    const f = await apiFixture(db);
    await f.close();
    const server = spawn(process.execPath, [BIN, "serve", "--db", f.db, "--port", "0", "--nats", nats.url, "--stream", "SERVED"], { stdio: ["ignore", "pipe", "pipe"] });
    let stderr = "";
    server.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((resolve) => server.on("exit", (code) => resolve(code)));
    try {
      const url = await new Promise<string>((resolve, reject) => {
        createInterface({ input: server.stdout }).once("line", (line) => resolve(line.replace(/^.* listening on /, "")));
        server.once("exit", () => reject(new Error(`serve exited: ${stderr}`)));
      });
      const ready = await fetch(`${url}/ready`, { headers: { authorization: `Bearer ${f.tokens.viewer}` } });
      expect(ready.status).toBe(200);
      expect(await ready.json()).toMatchObject({ nats: { url: nats.url, stream: "SERVED", status: "reachable" } });
    } finally {
      server.kill("SIGTERM");
    }
    expect(await exited).toBe(0);
    expect(stderr).toBe("");
    const alone = spawnSync(process.execPath, [BIN, "serve", "--db", f.db, "--stream", "X"], { encoding: "utf8" });
    expect(alone.status).toBe(2);
    expect(alone.stderr).toContain("--stream needs --nats URL");
  });

  it("refuses to start serve when NATS cannot be reached", async () => {
    const f = await apiFixture(db);
    await f.close();
    await expect(startApiServer({ db: f.db, port: 0, nats: "nats://127.0.0.1:1" })).rejects.toMatchObject({ code: "MF_ERR_NATS_CONNECT" });
  });
});
