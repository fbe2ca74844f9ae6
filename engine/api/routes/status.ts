// The status page's figures (GET /v1/status: with `serve --nats` the cluster too) and the page
// itself at / (static HTML with its script inline, no build step; it holds no data: its script
// asks for a token and fetches the figures with it, so the page may be served without one).
import { createRoute, z } from "@hono/zod-openapi";
import type { OpenAPIHono } from "@hono/zod-openapi";
import type { ApiDeps, ApiEnv } from "../context.js";
import { errors } from "../schemas.js";
import { STATUS_PAGE } from "../status/page.js";
import { formatDay } from "../../time/index.js";
import type { NatsProbe } from "../nats.js";

const StatusSchema = z.object({
  store: z.string(),
  rules_version: z.string(),
  batches: z.number(),
  readings: z.object({ billed: z.number(), held: z.number(), rejected: z.number(), duplicate: z.number() }),
  held: z.object({ meters: z.number(), readings: z.number(), by_reason: z.record(z.string(), z.number()) }),
  temp_bad_meters: z.number(),
  throughput: z.array(z.object({ minute: z.string(), readings: z.number() })),
  alerts: z.array(z.record(z.string(), z.unknown())),
  /** With `serve --nats`: the cluster as NATS sees it; null without. */
  cluster: z.object({
    nats: z.enum(["reachable", "unreachable"]),
    stream: z.string(),
    /** Why NATS did not answer (unreachable only). */
    error: z.string().optional(),
    /** Workers alive (their keys in the lease bucket); null when NATS did not answer. */
    workers: z.number().nullable(),
    /** Every partition once the readings stream exists: messages not yet acknowledged, those being retried, the lease holder. */
    partitions: z.array(z.object({ partition: z.number(), lag: z.number(), redelivered: z.number(), owner: z.string().nullable() })),
  }).nullable(),
}).openapi("Status");

/** Minutes of throughput shown. */
const MINUTES = 60;
/** Batches whose alerts are shown (the latest), and alerts at most. */
const ALERT_BATCHES = 5;
const ALERTS = 20;

export function statusRoutes(app: OpenAPIHono<ApiEnv>, deps: ApiDeps, now: () => number = Date.now): void {
  app.get("/", (c) => c.html(STATUS_PAGE));
  // The page names no icon (`<link rel="icon" href="data:,">`); a browser that asks anyway gets nothing, for a day.
  app.get("/favicon.ico", (c) => c.body(null, 204, { "Cache-Control": "public, max-age=86400" }));

  app.openapi(createRoute({
    method: "get", path: "/v1/status", tags: ["status"], summary: "What the status page shows: decisions, held meters by reason, temp_bad meters, throughput per minute, recent alerts",
    responses: { 200: { description: "status", content: { "application/json": { schema: StatusSchema } } }, ...errors() },
  }), async (c) => {
    const { store } = deps;
    const end = Math.floor(now() / 60_000) * 60_000 + 60_000;
    const start = end - MINUTES * 60_000;
    const [totals, held, recent] = await Promise.all([
      store.batchTotals(), store.heldSummary(), store.listBatches({ since: new Date(start).toISOString(), limit: 100_000 }),
    ]);
    const perMinute = new Array<number>(MINUTES).fill(0);
    for (const b of recent) {
      const i = Math.floor((Date.parse(b.committedAt) - start) / 60_000);
      if (i >= 0 && i < MINUTES) perMinute[i] += b.counts.rows;
    }
    const alerts: Array<Record<string, unknown>> = [];
    for (const b of recent.slice(-ALERT_BATCHES).reverse()) {
      for (const a of (await store.batchOutputs(b.batchId)).alerts) {
        if (alerts.length >= ALERTS) break;
        // As alerts.csv and every other route write an alert: snake_case keys, the end as a date.
        const line = JSON.parse(a.line) as { channel?: unknown; severity?: unknown; message?: unknown };
        alerts.push({ meter_id: a.meterId, end: formatDay(a.endDay), channel: line.channel ?? null, severity: line.severity ?? null, rule: a.rule,
          message: line.message ?? null, committed_at: b.committedAt });
      }
    }
    return c.json({
      store: store.kind, rules_version: deps.session.rules.version, batches: totals.batches,
      readings: { billed: totals.billable, held: totals.held, rejected: totals.rejected, duplicate: totals.duplicates },
      held: { meters: held.meters, readings: held.readings, by_reason: held.byReason }, temp_bad_meters: totals.flagged,
      throughput: perMinute.map((readings, i) => ({ minute: new Date(start + i * 60_000).toISOString().slice(0, 16), readings })),
      alerts,
      cluster: deps.nats === undefined ? null : await clusterOf(deps.nats, store.partitions),
    }, 200);
  });
}

/** The cluster for the status page: NATS reachable or why not, workers alive, each partition's lag, retries and owner. */
async function clusterOf(nats: NatsProbe, partitions: number) {
  try {
    await nats.ready();
    const [lag, leases] = await Promise.all([nats.lag(partitions), nats.leases()]);
    return {
      nats: "reachable" as const, stream: nats.stream, workers: leases.workers.length,
      partitions: lag.map((p) => ({ partition: p.partition, lag: p.pending + p.inFlight, redelivered: p.redelivered, owner: leases.owners.get(p.partition) ?? null })),
    };
  } catch (error) {
    return { nats: "unreachable" as const, stream: nats.stream, error: (error as Error).message, workers: null, partitions: [] };
  }
}
