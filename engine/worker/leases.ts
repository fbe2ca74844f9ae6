// Partition leases: which worker of a cluster takes which partitions' messages. Without them
// every worker pulls every partition, JetStream hands a partition's next message to whichever
// pull waited longest, partitions alternate between workers and a worker's kept session of a
// partition (sessions.ts) is stale at almost every message. With them each partition has one
// owner at a time, about P / W partitions each, and a worker keeps its partitions' sessions.
//
// The leases live in a NATS KV bucket beside the readings stream (`<stream>-leases`), whose age
// limit is the lease time: the server forgets a key its owner stopped renewing, so a worker that
// dies loses its leases without anyone's clock but the server's.
//   worker.<id>     a live worker (renewed each tick): W is the number of such keys
//   partition.<P>   the owner of partition P: taken with create (fails if owned), renewed with
//                   update at its revision (fails if someone else took it), let go with a delete
//                   at its revision
// Each tick a worker renews what it holds, lets go of what exceeds ceil(P / W) (once that
// partition's message in hand is finished) and takes free partitions up to ceil(P / W). Leases
// are an optimisation of where work happens, never of its correctness: a commit is fenced and
// idempotent whoever makes it, so two workers that both believe they own a partition (a lease
// lost while a message was in hand) still bill nothing twice.
import { hostname } from "node:os";
import { randomBytes } from "node:crypto";
import { Kvm } from "@nats-io/kv";
import type { KV } from "@nats-io/kv";
import type { NatsConnection } from "@nats-io/transport-node";
import { NatsError } from "../nats/errors.js";

/** What the worker does when a lease is won or must end. */
export interface LeaseHooks {
  /** The partition is now this worker's: start taking its messages. */
  start(partition: number): void;
  /** Stop taking the partition's messages; resolves once the message in hand (if any) is finished. */
  stop(partition: number): Promise<void>;
  /** Called after each change of what this worker holds. */
  changed?(held: readonly number[], workers: number): void;
  /** The lease bucket lost its keys' index and was made again (what happened, for the operator). */
  repaired?(message: string): void;
}

/** Options of PartitionLeases.open. */
export interface LeaseOptions {
  /** Seconds a lease lives without renewal (the bucket's age limit), used when the bucket is made. */
  ttlMs: number;
  /** This worker's id (default: host, pid and a random part). */
  id?: string;
}

/** Lease time for an ack wait: half of it (1-15 s), so a dead worker's partitions move within the ack wait. */
export function leaseTtlMs(ackWaitMs: number): number {
  return Math.min(15_000, Math.max(1000, Math.round(ackWaitMs / 2)));
}

/** The KV bucket of a readings stream's leases. */
export function leaseBucketName(stream: string): string {
  return `${stream.replace(/[^-\w]/g, "_")}-leases`;
}

/** Milliseconds between a worker's first word and its first claim: workers started together see each other. */
const START_MS = 300;

/** The cluster as the lease bucket says it is now: live workers and each leased partition's owner. */
export interface LeaseView {
  workers: string[];
  /** Partition -> the id of the worker holding it (partitions no one holds are absent). */
  owners: Map<number, string>;
}

/** Reads the stream's lease bucket (ops: `serve --nats` metrics); empty when no worker made it yet. */
export async function readLeases(nc: NatsConnection, stream: string): Promise<LeaseView> {
  const view: LeaseView = { workers: [], owners: new Map() };
  let kv: KV;
  try {
    kv = await new Kvm(nc).open(leaseBucketName(stream));
    await kv.status();
  } catch {
    return view;
  }
  const { workers, partitions } = await listKeys(kv);
  view.workers = workers.sort();
  for (const p of partitions) {
    const entry = await kv.get(partitionKey(p));
    if (entry !== null && entry.operation === "PUT") view.owners.set(p, entry.string());
  }
  return view;
}

/** The live keys of a lease bucket: worker ids and leased partitions (a set: a key renewed while listed can be listed twice). */
async function listKeys(kv: KV): Promise<{ workers: string[]; partitions: number[] }> {
  const keys = new Set<string>();
  for await (const key of await kv.keys()) keys.add(key);
  const workers: string[] = [];
  const partitions: number[] = [];
  for (const key of keys) {
    if (key.startsWith("worker.")) workers.push(key.slice("worker.".length));
    else if (key.startsWith("partition.")) partitions.push(Number(key.slice("partition.".length)));
  }
  return { workers, partitions };
}

const partitionKey = (p: number) => `partition.${p}`;
const workerKey = (id: string) => `worker.${id}`;

/**
 * Whether a bucket keeps what is written to it: `key`, just written at `revision`, reads back at
 * it. nats-server 2.9.10, restarted after lease keys aged out while it was down, can lose a
 * bucket's index of those keys: a key just created reads as absent and every update at its
 * revision fails ("wrong last sequence: 0"), so each lease is lost at its first renewal and taken
 * again (cluster audit: a worker flapped between all partitions and none every second and, its
 * idle clock restarted by each partition won, `--exit-when-idle` never ended it).
 */
async function keeps(kv: KV, key: string, revision: number): Promise<boolean> {
  const entry = await kv.get(key);
  return entry !== null && entry.revision === revision;
}

/** Opens (or makes) a lease bucket; throws MF_ERR_NATS_STREAM when it can do neither. */
async function openBucket(kvm: Kvm, name: string, ttlMs: number): Promise<KV> {
  try {
    return await kvm.create(name, { ttl: ttlMs, history: 1 });
  } catch {
    // Made by a worker with another ack wait: use it as it is.
    try {
      return await kvm.open(name);
    } catch (error) {
      throw new NatsError("MF_ERR_NATS_STREAM", `cannot open the lease bucket ${name}: ${(error as Error).message}`, error);
    }
  }
}

export class PartitionLeases {
  readonly id: string;
  /** Milliseconds between ticks: a third of the lease time, at most a second. */
  readonly #tickMs: number;
  readonly #ttlMs: number;
  #kv: KV;
  readonly #kvm: Kvm;
  readonly #bucket: string;
  readonly #partitions: number;
  readonly #hooks: LeaseHooks;
  /** Partitions held, with the revision of their key. */
  readonly #held = new Map<number, number>();
  /** Partitions being let go: their message loop is stopping (done once it has). */
  readonly #releasing = new Map<number, { done: boolean }>();
  #timer: NodeJS.Timeout | undefined;
  #tick: Promise<void> | undefined;
  #ticks = 0;
  #workers = 1;
  /** When this worker last found itself below its share with nothing free to take (undefined: it is not). */
  #shortSince: number | undefined = performance.now();
  #closed = false;

  private constructor(kvm: Kvm, bucket: string, kv: KV, id: string, partitions: number, ttlMs: number, hooks: LeaseHooks) {
    this.#kvm = kvm;
    this.#bucket = bucket;
    this.#kv = kv;
    this.id = id;
    this.#partitions = partitions;
    this.#hooks = hooks;
    this.#ttlMs = ttlMs;
    this.#tickMs = Math.max(100, Math.min(1000, Math.floor(ttlMs / 3)));
  }

  /** Opens (or makes) the stream's lease bucket and starts ticking. */
  static async open(nc: NatsConnection, stream: string, partitions: number, hooks: LeaseHooks, options: LeaseOptions): Promise<PartitionLeases> {
    const name = leaseBucketName(stream);
    const kvm = new Kvm(nc);
    const kv = await openBucket(kvm, name, options.ttlMs);
    const ttlMs = (await kv.status()).ttl || options.ttlMs;
    const id = options.id ?? `${hostname().replace(/[^-\w]/g, "_")}-${process.pid}-${randomBytes(3).toString("hex")}`;
    const leases = new PartitionLeases(kvm, name, kv, id, partitions, ttlMs, hooks);
    leases.#schedule();
    return leases;
  }

  /**
   * Makes the bucket again, after it lost its keys (keeps): every lease in it is lost, this
   * worker's stopped here (each worker takes its share again at its next tick; commits are
   * fenced, so a partition two workers take meanwhile bills nothing twice).
   */
  async #repair(): Promise<void> {
    for (const p of this.#held.keys()) if (!this.#releasing.has(p)) void this.#hooks.stop(p);
    this.#held.clear();
    this.#releasing.clear();
    await this.#kv.destroy().catch(() => undefined);
    this.#kv = await openBucket(this.#kvm, this.#bucket, this.#ttlMs);
    this.#hooks.repaired?.(`the lease bucket ${this.#bucket} lost its keys (nats-server 2.9 after a restart) and was made again`);
  }

  /** This worker's entry in the bucket. */
  #me(): string {
    return JSON.stringify({ pid: process.pid, host: hostname() });
  }

  /**
   * Whether this worker is still waiting for its share: starting, or below ceil(P / W) while the
   * others have yet to let partitions go (at most twice the lease time: a worker that never
   * lets go is not waited for longer). A worker waiting for its share is not idle.
   */
  waitingForShare(): boolean {
    return this.#shortSince !== undefined && performance.now() - this.#shortSince < 2 * this.#ttlMs;
  }

  /** The partitions held, ascending. */
  held(): number[] {
    return [...this.#held.keys()].sort((a, b) => a - b);
  }

  /** Stops renewing and lets every lease go (the worker's loops must have stopped). */
  async close(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#timer);
    await this.#tick;
    await Promise.all([...this.#held].map(([p, revision]) => this.#kv.delete(partitionKey(p), { previousSeq: revision }).catch(() => undefined)));
    this.#held.clear();
    await this.#kv.delete(workerKey(this.id)).catch(() => undefined);
  }

  /** Ticks one after another (never two at once), the first at once and the second soon after. */
  #schedule(): void {
    const run = () => {
      this.#tick = this.#once().catch(() => undefined).finally(() => {
        if (!this.#closed) this.#timer = setTimeout(run, this.#ticks === 1 ? Math.min(this.#tickMs, START_MS) : this.#tickMs);
      });
    };
    run();
  }

  async #once(): Promise<void> {
    const kv = this.#kv;
    await kv.put(workerKey(this.id), this.#me());
    // The first tick only says this worker is here: workers started together see each other
    // before any takes partitions, so they do not take all and give half back.
    if (this.#ticks++ === 0) return;
    const listed = await listKeys(kv);
    if (this.#closed) return;
    const workers = Math.max(1, listed.workers.length);
    const owned = new Set(listed.partitions);
    const target = Math.ceil(this.#partitions / workers);
    const before = this.held().join(",");

    // Renew; a lease whose key moved on was lost (it lapsed while this thread was busy).
    for (const [p, revision] of [...this.#held]) {
      const releasing = this.#releasing.get(p);
      if (releasing?.done === true) {
        await kv.delete(partitionKey(p), { previousSeq: revision }).catch(() => undefined);
        this.#held.delete(p);
        this.#releasing.delete(p);
        continue;
      }
      try {
        this.#held.set(p, await kv.update(partitionKey(p), this.id, revision));
      } catch {
        this.#held.delete(p);
        if (releasing === undefined) void this.#hooks.stop(p);
        this.#releasing.delete(p);
      }
    }

    // Let go of what exceeds the fair share: the highest partitions not already going.
    let excess = this.#held.size - this.#releasing.size - target;
    for (const p of this.held().reverse()) {
      if (excess <= 0) break;
      if (this.#releasing.has(p)) continue;
      const state = { done: false };
      this.#releasing.set(p, state);
      void this.#hooks.stop(p).finally(() => (state.done = true));
      excess--;
    }

    // Take free partitions up to the fair share, starting at a place of this worker's own.
    const offset = parseInt(this.id.slice(-6), 16) % this.#partitions || 0;
    for (let i = 0; i < this.#partitions && this.#held.size - this.#releasing.size < target; i++) {
      const p = (offset + i) % this.#partitions;
      if (owned.has(p) || this.#held.has(p)) continue;
      let revision: number;
      try {
        revision = await kv.create(partitionKey(p), this.id);
      } catch {
        continue; // another worker took it first
      }
      this.#held.set(p, revision);
      if (!(await keeps(kv, partitionKey(p), revision))) {
        await this.#repair();
        return;
      }
      if (this.#closed) return;
      this.#hooks.start(p);
    }

    const share = this.#held.size - this.#releasing.size;
    if (share >= target) this.#shortSince = undefined;
    else this.#shortSince ??= performance.now();

    const after = this.held().join(",");
    if (after !== before || workers !== this.#workers) {
      this.#workers = workers;
      this.#hooks.changed?.(this.held(), workers);
    }
  }
}
