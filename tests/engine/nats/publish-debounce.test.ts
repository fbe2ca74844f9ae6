// `meterflow publish --db` debounces pulse events as `meterflow run` does: with the registry row
// of each meter the events name (`debounce_ms`, else its `pulse_input` profile's), read from the
// store (an SQLite file `meters import` made; PostgreSQL when reachable). Without --db every
// meter gets the default 5 ms and one line on stderr says so. The store's partition count must be
// the stream's. Each test starts its own nats-server (stopped by its pid).
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createMeterIndex } from "../../../engine/ingest/index.js";
import { decodeBatch, toReadingBatch } from "../../../engine/nats/index.js";
import { openStore } from "../../../engine/store/open.js";
import { freePort, startNatsServer } from "../../helpers/nats-server.js";
import type { NatsServer } from "../../helpers/nats-server.js";
import { readCsv, write } from "../../helpers/run.js";
import { tempDir } from "../../helpers/tmp.js";
import { runPostgresTests, testStoreUrl } from "../store/postgres-env.js";
import { readStream } from "./read-stream.js";

const MAIN = join(import.meta.dirname, "../../../dist/engine/cli/main.js");
const dir = tempDir("meterflow-publish-debounce-");

function meterflow(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [MAIN, ...args], { encoding: "utf8", cwd: dir, timeout: 60_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

const NOTE = "meterflow: warning: pulse events are debounced with the default 5 ms without a registry "
  + "(pass --db to use each meter's own: its debounce_ms, else its pulse_input profile's)\n";

const registry = write(dir, "meters.csv", [
  "meter_id,pulse_weight,pulse_input,debounce_ms",
  "REED,1,reed,", // the reed profile: 10 ms
  "S0DB20,1,s0a,20", // the registry's own 20 ms instead of s0a's 5 ms
  "S0,1,s0a,", // s0a's 5 ms: an 8 ms off-time is two pulses either way
]);
// Day 1: one pulse each (the chain's start). Day 2: two pulses each, an off-time apart.
const events = write(dir, "events.csv", [
  "meter_id,time,on_ms",
  "REED,2026-11-01T01:00:00.000Z,40",
  "S0DB20,2026-11-01T01:00:00.000Z,50",
  "S0,2026-11-01T01:00:00.000Z,40",
  // 8 ms off, below reed's 10 ms: one pulse
  "REED,2026-11-02T01:00:00.000Z,40",
  "REED,2026-11-02T01:00:00.048Z,40",
  // 15 ms off, below the registry's 20 ms: one pulse
  "S0DB20,2026-11-02T01:00:00.000Z,50",
  "S0DB20,2026-11-02T01:00:00.065Z,50",
  // 8 ms off, above s0a's 5 ms: two pulses
  "S0,2026-11-02T01:00:00.000Z,40",
  "S0,2026-11-02T01:00:00.048Z,40",
]);
const DAY2 = "2026-11-02";
const DAY2_NUMBER = Date.UTC(2026, 10, 2) / 86_400_000;

/** Day 2's raw and debounced counts per meter, as published (decoded from the stream). */
async function publishedDay2(url: string): Promise<Record<string, [number, number]>> {
  const out: Record<string, [number, number]> = {};
  for (const m of (await readStream(url)).messages) {
    const b = toReadingBatch(decodeBatch(m.data), createMeterIndex());
    for (let r = 0; r < b.length; r++) {
      if (b.end[r] === DAY2_NUMBER) out[b.meters.idOf(b.meter[r])] = [b.value[r], b.pulse!.debouncedIn[r]];
    }
  }
  return out;
}

/** A fresh SQLite store with the registry imported by `meterflow meters import`. */
function importedStore(name: string): string {
  const db = join(dir, name);
  const r = meterflow("meters", "import", "--db", db, registry);
  expect(r.status, r.stderr).toBe(0);
  return db;
}

/** Day 2's billed consumption per meter of `meterflow run --pulse-events` on the same files. */
let runBilled: Record<string, string>;
let runOut: string;

beforeAll(() => {
  if (!existsSync(MAIN)) throw new Error("build first: npm run build:ts");
  runOut = join(dir, "run");
  const r = meterflow("run", "--quiet", "--meters", registry, "--db", join(dir, "run.db"), "--out", runOut, "--pulse-events", events);
  expect(r.status, r.stderr).toBe(0);
  const rows = [...readCsv(join(runOut, "billing.csv")), ...readCsv(join(runOut, "held.csv"))].filter((x) => x.end === DAY2);
  runBilled = Object.fromEntries(rows.map((x) => [x.meter_id, x.consumption]));
});

const servers: NatsServer[] = [];
async function server(): Promise<NatsServer> {
  const s = await startNatsServer();
  servers.push(s);
  return s;
}
afterAll(async () => {
  for (const s of servers) await s.stop();
});

describe("meterflow publish --pulse-events with and without --db", () => {
  it("run bills one pulse for the reed and the debounce_ms 20 meter, two for the s0a one", () => {
    expect(runBilled).toEqual({ REED: "1", S0DB20: "1", S0: "2" });
  });

  it("with --db (SQLite) the published readings carry the counts run decides, and nothing is said", async () => {
    const nats = await server();
    const db = importedStore("state.db");
    const r = meterflow("publish", "--nats", nats.url, "--db", db, "--pulse-events", events);
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^published 6 readings in \d+ messages .* to MFLOW \(16 partitions\), 0 rejected/);
    // value: the raw pulses; pulse_debounced: what is billed (x pulse_weight 1).
    const got = await publishedDay2(nats.url);
    expect(got).toEqual({ REED: [2, 1], S0DB20: [2, 1], S0: [2, 2] });
    expect(Object.fromEntries(Object.entries(got).map(([id, [, debounced]]) => [id, String(debounced)]))).toEqual(runBilled);
  });

  it("without --db every meter gets 5 ms, and one line on stderr says so", async () => {
    const nats = await server();
    const second = write(dir, "events-2.csv", ["meter_id,time,on_ms", "REED,2026-11-03T01:00:00.000Z,40"]);
    const r = meterflow("publish", "--nats", nats.url, "--pulse-events", events, "--pulse-events", second);
    expect(r.status).toBe(0);
    expect(r.stderr).toBe(NOTE);
    expect(await publishedDay2(nats.url)).toEqual({ REED: [2, 2], S0DB20: [2, 2], S0: [2, 2] });
  });

  it("publishes a day split over two events files as one day reading of all its pulses, as run decides it", async () => {
    const nats = await server();
    const db = importedStore("split.db");
    const morning = write(dir, "split-1.csv", ["meter_id,time,on_ms", "S0,2026-11-01T01:00:00.000Z,40", "S0,2026-11-02T01:00:00.000Z,40"]);
    const evening = write(dir, "split-2.csv", ["meter_id,time,on_ms", "S0,2026-11-02T13:00:00.000Z,40", "S0,2026-11-02T14:00:00.000Z,40"]);
    const r = meterflow("publish", "--nats", nats.url, "--db", db, "--pulse-events", morning, "--pulse-events", evening);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^published 2 readings in /);
    expect(await publishedDay2(nats.url)).toEqual({ S0: [3, 3] });
  });

  it("says nothing without --db when no events file names a meter", async () => {
    const nats = await server();
    const empty = write(dir, "events-empty.csv", ["meter_id,time,on_ms"]);
    const readings = write(dir, "readings.csv", ["meter_id,end,value", "M-1,2026-11-02,5"]);
    const r = meterflow("publish", "--nats", nats.url, "--pulse-events", empty, readings);
    expect(r.status).toBe(0);
    expect(r.stderr).toBe("");
  });

  it("publish --db, then a worker on the same store, bills what run bills", async () => {
    const nats = await server();
    const db = importedStore("cluster.db");
    expect(meterflow("publish", "--nats", nats.url, "--db", db, "--pulse-events", events).status).toBe(0);
    const worker = meterflow("worker", "--nats", nats.url, "--db", db, "--format", "csv", "--exit-when-idle", "2");
    expect(worker.status, worker.stderr).toBe(0);
    const out = join(dir, "cluster-export");
    const exported = meterflow("export", "--db", db, "--out", out);
    expect(exported.status, exported.stderr).toBe(0);
    const sorted = (path: string) => readCsv(path).map((x) => JSON.stringify(x)).sort();
    expect(sorted(join(out, "billing.csv"))).toEqual(sorted(join(runOut, "billing.csv")));
    expect(sorted(join(out, "held.csv"))).toEqual(sorted(join(runOut, "held.csv")));
  }, 60_000);

  it.runIf(runPostgresTests)("with --db (PostgreSQL) the same counts", async () => {
    const nats = await server();
    const db = testStoreUrl();
    const imported = meterflow("meters", "import", "--db", db, registry);
    expect(imported.status, imported.stderr).toBe(0);
    const r = meterflow("publish", "--nats", nats.url, "--db", db, "--pulse-events", events);
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    expect(await publishedDay2(nats.url)).toEqual({ REED: [2, 1], S0DB20: [2, 1], S0: [2, 2] });
  });
});

describe("meterflow publish --db: the store's partition count", () => {
  it("a new stream gets the store's count; another store's count is MF_ERR_NATS_PARTITIONS and publishes nothing", async () => {
    const nats = await server();
    const eight = join(dir, "eight.db");
    await (await openStore(eight, { partitions: 8 })).close();
    const first = meterflow("publish", "--nats", nats.url, "--db", eight, "--pulse-events", events);
    expect(first.status, first.stderr).toBe(0);
    expect(first.stdout).toMatch(/ to MFLOW \(8 partitions\),/);
    const before = (await readStream(nats.url)).info;
    expect(before.config.description).toBe("meterflow readings; partitions=8");

    // Refused before --out is made (audit: an empty directory was left behind).
    const out = join(dir, "out-sixteen");
    const r = meterflow("publish", "--nats", nats.url, "--db", importedStore("sixteen.db"), "--out", out, "--pulse-events", events);
    expect(r.status).toBe(1);
    expect(r.stdout).toBe("");
    expect(existsSync(out)).toBe(false);
    expect(r.stderr).toMatch(/^meterflow: stream MFLOW has 8 partitions, the store \(--db\) has 16: .* \(MF_ERR_NATS_PARTITIONS\)\n$/);
    expect((await readStream(nats.url)).info.state.last_seq).toBe(before.state.last_seq);
    // A worker on that store is refused alike, naming the store (a worker has no --partitions).
    const w = meterflow("worker", "--nats", nats.url, "--db", importedStore("worker.db"), "--exit-when-idle", "1");
    expect(w.status).toBe(1);
    expect(w.stderr).toMatch(/meterflow: stream MFLOW has 8 partitions, the store \(--db\) asks for 16: .* \(MF_ERR_NATS_PARTITIONS\)\n$/);
  });

  it("--partitions other than the store's is MF_ERR_NATS_PARTITIONS before connecting", async () => {
    const url = `nats://127.0.0.1:${await freePort()}`;
    const out = join(dir, "out-p8");
    const r = meterflow("publish", "--nats", url, "--connect-timeout", "2", "--db", importedStore("p.db"), "--partitions", "8", "--out", out, "--pulse-events", events);
    expect(r.status).toBe(1);
    expect(existsSync(out)).toBe(false);
    expect(r.stderr).toMatch(/^meterflow: --partitions 8 is not the store's partition count \(16\): .* \(MF_ERR_NATS_PARTITIONS\)\n$/);
  });

  it("a --db that does not exist is MF_ERR_STORE_MISSING and creates nothing", async () => {
    const nats = await server();
    const missing = join(dir, "missing.db");
    const r = meterflow("publish", "--nats", nats.url, "--db", missing, "--pulse-events", events);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/\(MF_ERR_STORE_MISSING\)\n$/);
    expect(existsSync(missing)).toBe(false);
  });
});
