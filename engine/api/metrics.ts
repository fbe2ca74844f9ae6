// Prometheus metrics (prom-client), every name prefixed `meterflow_`: the API's requests by route
// and status and their latency; batches of one this server decided (by source and decision) and
// their latency; and, read from the store at each scrape, readings by decision over every
// committed batch, held readings and meters (by reason), temp_bad meters, and the rules version;
// with NATS, whether it answers, each partition consumer's lag and redelivered messages, the
// workers alive and which holds each partition.
import { Counter, Gauge, Histogram, Registry } from "prom-client";
import type { PartitionedStore } from "../store/contract.js";
import type { NatsProbe } from "./nats.js";

export class ApiMetrics {
  readonly registry = new Registry();
  readonly #requests: Counter<"method" | "route" | "status">;
  readonly #latency: Histogram<"method" | "route">;
  readonly #decisions: Counter<"source" | "decision">;
  readonly #batch: Histogram<"source">;
  readonly #refresh: () => Promise<void>;

  constructor(store: PartitionedStore, rulesVersion: () => string, nats?: NatsProbe) {
    const registers = [this.registry];
    this.#requests = new Counter({ name: "meterflow_api_requests_total", help: "API requests by method, route and status", labelNames: ["method", "route", "status"], registers });
    this.#latency = new Histogram({
      name: "meterflow_api_request_duration_seconds", help: "API request latency by method and route", labelNames: ["method", "route"], registers,
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    });
    this.#decisions = new Counter({ name: "meterflow_api_decisions_total", help: "Readings this server decided (manual readings, releases) by decision", labelNames: ["source", "decision"], registers });
    this.#batch = new Histogram({
      name: "meterflow_batch_duration_seconds", help: "Latency of the batches of one this server decided and committed", labelNames: ["source"], registers,
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    });
    // A counter read from the store (committed batches are never removed, so it only grows): reset and
    // added to at each scrape, so rate() works on it as on any counter.
    const readings = new Counter({ name: "meterflow_readings_total", help: "Readings of every committed batch in the store, by decision", labelNames: ["decision"], registers });
    const batches = new Gauge({ name: "meterflow_batches_committed", help: "Batches committed to the store", registers });
    const flagged = new Gauge({ name: "meterflow_temp_bad_meters", help: "Meters flagged temp_bad (by operators or the rules)", registers });
    const heldReadings = new Gauge({ name: "meterflow_held_readings", help: "Unresolved held readings, by hold reason", labelNames: ["reason"], registers });
    const heldMeters = new Gauge({ name: "meterflow_held_meters", help: "Meters with unresolved held readings", registers });
    const rules = new Gauge({ name: "meterflow_rules_info", help: "The rules version deciding this server's batches (value 1)", labelNames: ["version"], registers });
    const natsUp = nats === undefined ? undefined : new Gauge({ name: "meterflow_nats_up", help: "Whether NATS answered at this scrape (serve --nats)", registers });
    const lag = nats === undefined ? undefined : new Gauge({
      name: "meterflow_queue_lag", registers, labelNames: ["partition", "consumer"],
      help: "Readings messages of the partition not yet acknowledged by its consumer (pending + in flight), from JetStream's consumer info",
    });
    const redelivered = nats === undefined ? undefined : new Gauge({
      name: "meterflow_queue_redelivered", registers, labelNames: ["partition", "consumer"],
      help: "Readings messages of the partition delivered more than once and not yet acknowledged: 1 while a worker retries a failing message (its partition waits behind it)",
    });
    const workers = nats === undefined ? undefined : new Gauge({ name: "meterflow_workers", help: "Workers alive in the cluster (their lease bucket's worker keys)", registers });
    const owners = nats === undefined ? undefined : new Gauge({
      name: "meterflow_partition_owner", registers, labelNames: ["partition", "worker"],
      help: "1 for the worker holding each partition's lease (partitions no worker holds are absent)",
    });
    this.#refresh = async () => {
      const [t, h] = await Promise.all([store.batchTotals(), store.heldSummary()]);
      readings.reset();
      for (const [decision, n] of Object.entries({ billed: t.billable, held: t.held, rejected: t.rejected, duplicate: t.duplicates, sensor: t.sensor })) readings.inc({ decision }, n);
      batches.set(t.batches);
      flagged.set(t.flagged);
      heldReadings.reset();
      for (const [reason, n] of Object.entries(h.byReason)) heldReadings.set({ reason }, n);
      heldMeters.set(h.meters);
      rules.reset();
      rules.set({ version: rulesVersion() }, 1);
      if (nats !== undefined && natsUp !== undefined && lag !== undefined) {
        lag.reset();
        redelivered?.reset();
        owners?.reset();
        workers?.reset();
        try {
          await nats.ready();
          for (const p of await nats.lag(store.partitions)) {
            const labels = { partition: String(p.partition), consumer: p.consumer };
            lag.set(labels, p.pending + p.inFlight);
            redelivered?.set(labels, p.redelivered);
          }
          const leases = await nats.leases();
          workers?.set(leases.workers.length);
          for (const [partition, worker] of leases.owners) owners?.set({ partition: String(partition), worker }, 1);
          natsUp.set(1);
        } catch {
          // Unreachable now: the scrape still answers, saying so.
          natsUp.set(0);
        }
      }
    };
  }

  /** The metrics in Prometheus text, the store's figures read now. */
  async text(): Promise<string> {
    await this.#refresh();
    return this.registry.metrics();
  }

  request(method: string, route: string, status: number, seconds: number): void {
    this.#requests.inc({ method, route, status: String(status) });
    this.#latency.observe({ method, route }, seconds);
  }

  decided(source: "manual" | "release", decision: string, seconds?: number): void {
    this.#decisions.inc({ source, decision });
    if (seconds !== undefined) this.#batch.observe({ source }, seconds);
  }
}
