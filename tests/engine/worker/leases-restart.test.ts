// Partition leases after a nats-server restart (engine/worker/leases.ts). Debian's nats-server
// 2.9.10, stopped for longer than the lease time and restarted, later loses its lease bucket's
// index of keys that aged out: a key just created reads as absent and its renewal fails, so a
// worker lost every lease at its first renewal and took them again, every tick (cluster audit:
// "holds partitions 0-15" / "holds no partition" each second, and `--exit-when-idle` never
// ended the worker). The worker now makes such a bucket again and keeps its leases. The server
// bug shows with the worker's lease time of 15 s (ack wait 30 s), so this test waits ~45 s.
import { connect } from "@nats-io/transport-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PartitionLeases } from "../../../engine/worker/leases.js";
import { startNatsServer } from "../../helpers/nats-server.js";
import type { NatsServer } from "../../helpers/nats-server.js";

const PARTITIONS = 4;
const TTL_MS = 15_000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let server: NatsServer;
beforeAll(async () => {
  server = await startNatsServer();
});
afterAll(async () => {
  await server.stop();
});

/** A worker's leases for `ms`: what it held at each change, how often the bucket was made again. */
async function holdFor(ms: number): Promise<{ changes: number[][]; repairs: string[]; held: number[] }> {
  const nc = await connect({ servers: server.url });
  const changes: number[][] = [];
  const repairs: string[] = [];
  const leases = await PartitionLeases.open(nc, "T", PARTITIONS, {
    start: () => undefined,
    stop: async () => undefined,
    changed: (held) => changes.push([...held]),
    repaired: (message) => repairs.push(message),
  }, { ttlMs: TTL_MS });
  try {
    await sleep(ms);
    return { changes, repairs, held: leases.held() };
  } finally {
    await leases.close();
    await nc.close();
  }
}

describe("partition leases after a nats-server restart", () => {
  it("are kept, not lost and taken again each tick, once the keys the server lost track of aged out", async () => {
    const first = await holdFor(2500);
    expect(first.held).toEqual([0, 1, 2, 3]);
    await server.kill("SIGTERM");
    await sleep(TTL_MS + 5000);
    await server.restart();
    const second = await holdFor(2500);
    expect(second.held).toEqual([0, 1, 2, 3]);
    await sleep(TTL_MS + 5000);

    const third = await holdFor(6000);
    // Every partition held once, and held still: no round of losing them all and taking them again.
    expect(third.held).toEqual([0, 1, 2, 3]);
    expect(third.changes.filter((held) => held.length === 0)).toEqual([]);
    expect(third.changes.at(-1)).toEqual([0, 1, 2, 3]);
    // Made again at most once, and said so.
    expect(third.repairs.length).toBeLessThanOrEqual(1);
    for (const said of third.repairs) expect(said).toBe("the lease bucket T-leases lost its keys (nats-server 2.9 after a restart) and was made again");
  }, 120_000);
});
