// The control API as a Hono app (zod schemas, OpenAPI document at /openapi.json): every route but
// /health needs a token; JSON bodies are limited (413 before a handler reads them, by
// Content-Length or while a chunked body streams in); errors are JSON with a stable code.
import { OpenAPIHono } from "@hono/zod-openapi";
import { bodyLimit } from "hono/body-limit";
import { matchedRoutes } from "hono/route";
import { warnOnStderr } from "../errors.js";
import type { OperationSession } from "../operations/index.js";
import type { PartitionedStore } from "../store/contract.js";
import { authenticate } from "./auth/middleware.js";
import { FailureLimiter } from "./auth/rate-limit.js";
import type { RateLimitOptions } from "./auth/rate-limit.js";
import type { ApiDeps, ApiEnv } from "./context.js";
import { ApiError, errorResponse } from "./errors.js";
import { ApiMetrics } from "./metrics.js";
import { methodsOn } from "./methods.js";
import type { NatsProbe } from "./nats.js";
import { initialRules, retire, rulesWarnings } from "./rules-state.js";
import { rulesRoutes } from "./routes/rules.js";
import { statusRoutes } from "./routes/status.js";
import { jobRoutes } from "./routes/jobs.js";
import { tokenRoutes } from "./routes/tokens.js";
import { Jobs } from "./jobs/index.js";
import { healthRoutes } from "./routes/health.js";
import { heldRoutes } from "./routes/held.js";
import { meterRoutes } from "./routes/meters.js";
import { photoRoutes, READINGS_PATH } from "./routes/photos.js";
import { strictRequests } from "./strict.js";

export interface ApiOptions {
  store: PartitionedStore;
  /** The operator session deciding with the rules given (kept open: its owner closes it). */
  session: OperationSession;
  /** The plugin configuration and rule files `session` was opened with (for /v1/plugins, /v1/rules/test and PUT /v1/rules). */
  config?: string;
  rules?: string[];
  /** The store as a path or URL (jobs run `meterflow run` on it). */
  db?: string;
  /** The only directory jobs read inputs from and write outputs to; no jobs without it. */
  dataDir?: string;
  /** Largest JSON body (default 64 KiB). */
  maxBodyBytes?: number;
  /** Largest manual-reading upload, photo included (default 10 MB). */
  maxPhotoBytes?: number;
  /** A manual reading with a photo on a temp_bad meter is held for an operator instead of resolving the flag. */
  manualReview?: boolean;
  /** Days after today a manual reading's end may lie before it is rejected future_date (default 1, as `meterflow run --future-days`). */
  futureDays?: number;
  /** Nice value (0 to 19) of the threads a job runs in (default DEFAULT_JOB_NICE): below the event loop's priority. */
  jobNice?: number;
  /** SQLite: the WriteTurn buffer of the server's store (busy.ts), handed to its jobs' connections. */
  writeTurn?: SharedArrayBuffer;
  /** NATS (serve --nats): /ready checks it, /metrics reports the readings consumers' lag (kept open: its owner closes it). */
  nats?: NatsProbe;
  /** Failed authentications per address before 429. */
  rateLimit?: RateLimitOptions;
  /** Where failures of the server itself are said (default: standard error). */
  log?: (error: unknown) => void;
  /** Where what a person should know is said, such as the rules' warnings (default: standard error, as a run says them). */
  onWarning?: (message: string) => void;
}

export const DEFAULT_MAX_BODY = 64 * 1024;
export const DEFAULT_MAX_PHOTO = 10 * 1024 * 1024;
export const DEFAULT_JOB_NICE = 10;

export function createApi(options: ApiOptions): OpenAPIHono<ApiEnv> & { jobs: Jobs; ruleWarnings(): Promise<string[]>; shutdown(): Promise<void> } {
  let queue: Promise<unknown> = Promise.resolve();
  const deps: ApiDeps = {
    store: options.store,
    rules: initialRules(options.session, options.config, options.rules),
    get session() {
      return this.rules.session;
    },
    metrics: new ApiMetrics(options.store, () => deps.session.rules.version, options.nats),
    ...(options.nats === undefined ? {} : { nats: options.nats }),
    maxBodyBytes: options.maxBodyBytes ?? DEFAULT_MAX_BODY,
    maxPhotoBytes: options.maxPhotoBytes ?? DEFAULT_MAX_PHOTO,
    manualReview: options.manualReview ?? false,
    futureDays: options.futureDays,
    serialize<T>(work: () => Promise<T>): Promise<T> {
      const run = queue.then(work, work);
      queue = run.catch(() => undefined);
      return run;
    },
    log: options.log ?? ((error) => console.error(`meterflow serve: ${(error as Error)?.stack ?? String(error)}`)),
    warn: options.onWarning ?? warnOnStderr,
  };
  const app = new OpenAPIHono<ApiEnv>({
    defaultHook: (result) => {
      if (!result.success) {
        const issues = result.error.issues.map((i) => ({ path: i.path.join("."), message: i.message, code: i.code }));
        throw new ApiError(400, "MF_ERR_API_INVALID", `invalid ${result.target}: ${issues.map((i) => `${i.path === "" ? "(body)" : i.path}: ${i.message}`).join("; ")}`, { issues });
      }
      return undefined;
    },
  });

  let inflight = 0;
  let drained: (() => void) | undefined;
  app.use("*", async (c, next) => {
    const started = performance.now();
    inflight++;
    try {
      await next();
    } finally {
      if (--inflight === 0) drained?.();
    }
    // The route's path even when a middleware answered first (401, 413): middleware is method ALL.
    const route = matchedRoutes(c).filter((r) => r.method !== "ALL").at(-1)?.path ?? "unmatched";
    deps.metrics.request(c.req.method, route, c.res.status, (performance.now() - started) / 1000);
  });
  app.use("*", authenticate(deps.store, new FailureLimiter(options.rateLimit)));
  const tooLarge = (limit: number) => () => {
    throw new ApiError(413, "MF_ERR_API_BODY_TOO_LARGE", `the body is larger than ${limit} bytes`);
  };
  const jsonLimit = bodyLimit({ maxSize: deps.maxBodyBytes, onError: tooLarge(deps.maxBodyBytes) });
  const photoLimit = bodyLimit({ maxSize: deps.maxPhotoBytes, onError: tooLarge(deps.maxPhotoBytes) });
  app.use("*", (c, next) => (READINGS_PATH.test(c.req.path) ? photoLimit(c, next) : jsonLimit(c, next)));
  app.use("*", strictRequests(app));

  healthRoutes(app, deps);
  meterRoutes(app, deps);
  heldRoutes(app, deps);
  photoRoutes(app, deps);
  rulesRoutes(app, deps);
  statusRoutes(app, deps);
  const jobs = new Jobs(options.db, options.dataDir, () => ({ config: deps.rules.config, rules: deps.rules.paths }), { nice: options.jobNice ?? DEFAULT_JOB_NICE }, options.writeTurn);
  jobRoutes(app, jobs);
  tokenRoutes(app, deps);
  app.openAPIRegistry.registerComponent("securitySchemes", "bearer", { type: "http", scheme: "bearer" });
  app.doc("/openapi.json", {
    openapi: "3.0.3",
    info: { title: "meterflow control API", version: "1", description: "Operators act on meters: temp_bad, held readings, manual readings with a photo." },
    security: [{ bearer: [] }],
  });

  app.notFound((c) => {
    const allow = methodsOn(app, c.req.path);
    if (allow.length === 0) return c.json({ code: "MF_ERR_API_NOT_FOUND", message: `no route ${c.req.method} ${c.req.path}` }, 404);
    c.header("Allow", allow.join(", "));
    return c.json({ code: "MF_ERR_API_METHOD_NOT_ALLOWED", message: `${c.req.path} does not take ${c.req.method}; it takes ${allow.join(", ")}` }, 405);
  });
  app.onError((error, c) => errorResponse(c, error, deps.log));
  /** Waits for the requests being answered, cancels the jobs, then lets go of rules PUT /v1/rules loaded (the session given stays its owner's to close). */
  const shutdown = async () => {
    // Requests still being answered (their clients may be gone) end before the store closes.
    if (inflight > 0) await new Promise<void>((resolve) => (drained = resolve));
    // Jobs stop between two batches (their committed batches stay; the same job again adopts them).
    await jobs.cancelAll();
    await queue;
    if (deps.rules.owned) await retire(deps.rules);
  };
  /** What a person should know about the active rules (GET /v1/rules' warnings). */
  const ruleWarnings = () => rulesWarnings(deps.rules);
  return Object.assign(app, { jobs, ruleWarnings, shutdown });
}
