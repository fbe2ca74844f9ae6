// NATS as the control API sees it (`serve --nats URL`): whether the server answers (GET /ready)
// and how far each partition's consumer of the readings stream is behind (GET /metrics,
// meterflow_queue_lag, and meterflow_queue_redelivered for a partition stuck on a failing
// message), read from JetStream's consumer info, and which workers hold which
// partitions (meterflow_workers, meterflow_partition_owner), read from the lease bucket. The server never creates the stream
// or its consumers: publishers and workers do (engine/nats, engine/worker).
import { JetStreamApiCodes, JetStreamApiError, jetstreamManager } from "@nats-io/jetstream";
import type { JetStreamManager } from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/transport-node";
import { connectNats } from "../nats/connect.js";
import { DEFAULT_STREAM, READINGS_SUBJECTS, readingsSubject } from "../nats/subjects.js";
import { consumerName } from "../worker/consumers.js";
import { readLeases } from "../worker/leases.js";
import type { LeaseView } from "../worker/leases.js";

/** One partition's consumer: messages not yet delivered (pending) and delivered but not yet acknowledged. */
export interface PartitionLag {
  partition: number;
  consumer: string;
  pending: number;
  inFlight: number;
  /**
   * Messages delivered more than once and not yet acknowledged: a worker retrying a message that
   * fails (its partition waits behind it, README "Workers and the shared store") keeps this at 1.
   */
  redelivered: number;
  /** Whether the consumer exists (else its figures are the stream's messages on the partition's subject). */
  found: boolean;
}

export interface NatsProbeOptions {
  /** Readings stream (default MFLOW). */
  stream?: string;
  /** Milliseconds a readiness check or a JetStream request may take (default 2000). */
  timeoutMs?: number;
}

/** Rejects after `ms` with `message`, unless `work` settles first. */
function bounded<T>(work: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(message)), ms);
  });
  return Promise.race([work, late]).finally(() => clearTimeout(timer));
}

export class NatsProbe {
  readonly url: string;
  readonly stream: string;
  readonly #nc: NatsConnection;
  readonly #jsm: JetStreamManager;
  readonly #timeoutMs: number;

  private constructor(url: string, nc: NatsConnection, jsm: JetStreamManager, options: NatsProbeOptions) {
    this.url = url;
    this.#nc = nc;
    this.#jsm = jsm;
    this.stream = options.stream ?? DEFAULT_STREAM;
    this.#timeoutMs = options.timeoutMs ?? 2000;
  }

  /** Connects (NatsError MF_ERR_NATS_CONNECT when the server cannot be reached now); reconnects by itself afterwards. */
  static async connect(url: string, options: NatsProbeOptions = {}): Promise<NatsProbe> {
    const nc = await connectNats(url, { name: "meterflow serve" });
    try {
      return new NatsProbe(url, nc, await jetstreamManager(nc, { timeout: options.timeoutMs ?? 2000 }), options);
    } catch (error) {
      await nc.close();
      throw error;
    }
  }

  /** Resolves when the server answers a round trip in time; rejects with why not. */
  async ready(): Promise<void> {
    if (this.#nc.isClosed()) throw new Error(`the connection to NATS at ${this.url} is closed`);
    await bounded(this.#nc.flush(), this.#timeoutMs, `NATS at ${this.url} did not answer within ${this.#timeoutMs} ms`);
  }

  /** Each partition's lag, 0..partitions-1; empty when the stream does not exist (yet). */
  async lag(partitions: number): Promise<PartitionLag[]> {
    const out: PartitionLag[] = [];
    let subjects: Record<string, number> | undefined;
    for (let p = 0; p < partitions; p++) {
      const consumer = consumerName(p);
      try {
        const info = await this.#jsm.consumers.info(this.stream, consumer);
        out.push({ partition: p, consumer, pending: info.num_pending, inFlight: info.num_ack_pending, redelivered: info.num_redelivered, found: true });
      } catch (error) {
        if (!(error instanceof JetStreamApiError)) throw error;
        if (error.code === JetStreamApiCodes.StreamNotFound) return [];
        if (error.code !== JetStreamApiCodes.ConsumerNotFound) throw error;
        // No worker made it yet: everything on its subject waits (a work-queue stream keeps a message until it is acknowledged).
        subjects ??= (await this.#jsm.streams.info(this.stream, { subjects_filter: READINGS_SUBJECTS })).state.subjects ?? {};
        out.push({ partition: p, consumer, pending: subjects[readingsSubject(p)] ?? 0, inFlight: 0, redelivered: 0, found: false });
      }
    }
    return out;
  }

  /** The workers alive and the partitions they hold, from the stream's lease bucket (engine/worker/leases.ts). */
  async leases(): Promise<LeaseView> {
    return bounded(readLeases(this.#nc, this.stream), this.#timeoutMs, `NATS at ${this.url} did not list the leases within ${this.#timeoutMs} ms`);
  }

  async close(): Promise<void> {
    if (!this.#nc.isClosed()) await this.#nc.close();
  }
}
