// Partition leases (engine/worker/leases.ts) on a real nats-server: workers share the
// partitions, each partition held by one worker at a time and every one held; a worker that
// joins gets its share, one that leaves gives its partitions back at once, one that dies loses
// them once the server forgets its unrenewed leases.
import { connect } from "@nats-io/transport-node";
import type { NatsConnection } from "@nats-io/transport-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PartitionLeases } from "../../../engine/worker/leases.js";
import { startNatsServer } from "../../helpers/nats-server.js";
import type { NatsServer } from "../../helpers/nats-server.js";

const PARTITIONS = 16;
const TTL_MS = 1000;

interface Member {
  nc: NatsConnection;
  leases: PartitionLeases;
  /** Partitions whose message loop would run: started and not stopped since. */
  running: Set<number>;
}

let server: NatsServer;
const members: Member[] = [];

beforeAll(async () => {
  server = await startNatsServer();
});

afterAll(async () => {
  for (const m of members) {
    await m.leases.close().catch(() => undefined);
    await m.nc.close().catch(() => undefined);
  }
  await server.stop();
});

async function join(stream: string): Promise<Member> {
  const nc = await connect({ servers: server.url });
  const running = new Set<number>();
  const leases = await PartitionLeases.open(nc, stream, PARTITIONS, {
    start: (p) => {
      // A partition is never started twice without a stop between.
      expect(running.has(p)).toBe(false);
      running.add(p);
    },
    stop: async (p) => {
      running.delete(p);
    },
  }, { ttlMs: TTL_MS });
  const member = { nc, leases, running };
  members.push(member);
  return member;
}

async function until(what: string, condition: () => boolean, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Every partition run by exactly one of `group`, and each member's leases are what it runs. */
function shared(group: Member[]): boolean {
  const counts = new Array<number>(PARTITIONS).fill(0);
  for (const m of group) {
    for (const p of m.running) counts[p]++;
    if (m.leases.held().join() !== [...m.running].sort((a, b) => a - b).join()) return false;
  }
  return counts.every((c) => c === 1);
}

const sizes = (group: Member[]) => group.map((m) => m.running.size).sort((a, b) => a - b);

describe("partition leases", () => {
  it("two workers share the partitions, half each, none twice", async () => {
    const a = await join("PAIR");
    const b = await join("PAIR");
    await until("two workers hold 8 partitions each", () => shared([a, b]) && a.running.size === 8 && b.running.size === 8);
  });

  it("a worker that joins gets its share; one that closes gives its partitions back at once", async () => {
    const a = await join("JOIN");
    await until("one worker holds all 16", () => shared([a]));
    const b = await join("JOIN");
    const c = await join("JOIN");
    // ceil(16 / 3) = 6 each at most: 6 + 6 + 4 or 6 + 5 + 5.
    await until("three workers share the partitions", () => shared([a, b, c]) && Math.max(...sizes([a, b, c])) === 6);
    await c.leases.close();
    c.running.clear();
    await until("the other two take c's partitions", () => shared([a, b]) && sizes([a, b]).join() === "8,8");
  });

  it("a worker that dies loses its partitions to the others once its leases lapse", async () => {
    const a = await join("DEATH");
    const b = await join("DEATH");
    await until("two workers hold 8 each", () => shared([a, b]) && sizes([a, b]).join() === "8,8");
    // Gone without a word: its connection closes, nothing is let go, its leases are not renewed.
    const lost = [...b.running];
    await b.nc.close();
    await until("the survivor holds all 16", () => shared([a]));
    for (const p of lost) expect(a.running.has(p)).toBe(true);
  });
});
