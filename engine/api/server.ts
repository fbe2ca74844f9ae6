// `meterflow serve`: the control API on @hono/node-server over one store (an SQLite connection that
// never waits for the write lock on the event loop) and one operator session.
import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";
import type { ServerType } from "@hono/node-server";
import { MeterflowError, warnOnStderr } from "../errors.js";
import { OperationSession } from "../operations/index.js";
import { isPostgresUrl, openStore } from "../store/open.js";
import { WriteTurn } from "../store/sqlite/index.js";
import { retryWhenBusy } from "./busy.js";
import { startCheckpointer } from "./checkpointer.js";
import type { NatsProbe } from "./nats.js";
import { createApi } from "./app.js";
import type { ApiOptions } from "./app.js";

/** The server's PostgreSQL connections, all kept open and warm (the pool's default maximum). */
const SERVER_CONNECTIONS = 10;

export interface ServerOptions extends Omit<ApiOptions, "store" | "session" | "nats"> {
  /** NATS server URL(s): /ready checks it, /metrics has meterflow_queue_lag. */
  nats?: string;
  /** The readings stream (default MFLOW). */
  stream?: string;
  /** The store: an SQLite path or postgres:// URL. */
  db: string;
  /** Plugins config and rule files, as `meterflow run` takes them. */
  config?: string;
  rules?: string[];
  host?: string;
  /** 0 picks a free port. */
  port?: number;
}

export interface ApiServer {
  /** http://host:port */
  url: string;
  port: number;
  close(): Promise<void>;
}

/** Opens the store and rules, and listens; resolves once the port is bound. */
export async function startApiServer(options: ServerOptions): Promise<ApiServer> {
  // SQLite: a write never waits for the lock on the event loop (busy.ts), nor checkpoints there (checkpointer.ts).
  const sqlite = !isPostgresUrl(options.db);
  // On PostgreSQL the pool's connections stay open and warm: one opened under load costs its
  // request a new backend and its statements' first plans.
  const opened = await openStore(options.db, sqlite ? { busyTimeoutMs: 0, walAutoCheckpoint: 0 } : { keepConnections: SERVER_CONNECTIONS });
  // The server's jobs let its waiting writes go first (store/sqlite/write-turn.ts).
  const turn = sqlite ? new WriteTurn() : undefined;
  const store = sqlite ? retryWhenBusy(opened, { turn }) : opened;
  const checkpointer = sqlite ? startCheckpointer(options.db) : undefined;
  let session: OperationSession;
  let nats: NatsProbe | undefined;
  try {
    session = await OperationSession.open({ db: store, config: options.config, rules: options.rules });
  } catch (error) {
    await checkpointer?.close();
    await opened.close();
    throw error;
  }
  const closeAll = () => session.close().finally(() => opened.close()).finally(() => nats?.close()).finally(() => checkpointer?.close());
  try {
    // Loaded only with --nats: a server without it starts without the NATS client.
    if (options.nats !== undefined) nats = await (await import("./nats.js")).NatsProbe.connect(options.nats, { stream: options.stream });
  } catch (error) {
    await closeAll();
    throw error;
  }
  const app = createApi({ ...options, store: session.store, session, config: options.config, rules: options.rules, db: options.db, nats, writeTurn: turn?.buffer });
  // What a run says of these rules before it starts (a hold written as an event meterflow does not
  // act on, no hold rules, the defaults replaced), the server says too: its manual readings and
  // releases are decided with them.
  try {
    for (const warning of await app.ruleWarnings()) (options.onWarning ?? warnOnStderr)(warning);
  } catch (error) {
    await app.shutdown().finally(closeAll);
    throw error;
  }
  let server: ServerType;
  try {
    server = await new Promise<ServerType>((resolve, reject) => {
      const s = serve({ fetch: app.fetch, hostname: options.host ?? "127.0.0.1", port: options.port ?? 8080 }, () => resolve(s));
      s.once("error", reject);
    });
  } catch (error) {
    await app.shutdown().finally(closeAll);
    throw listenError(error, options.host ?? "127.0.0.1", options.port ?? 8080);
  }
  const { port, address } = server.address() as AddressInfo;
  const host = address.includes(":") ? `[${address}]` : address;
  let closed: Promise<void> | undefined;
  return {
    url: `http://${host}:${port}`,
    port,
    close() {
      closed ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        (server as { closeAllConnections?: () => void }).closeAllConnections?.();
      }).then(() => app.shutdown()).then(closeAll);
      return closed;
    },
  };
}

/**
 * Why the server could not listen, coded MF_ERR_LISTEN (not a file the system refused): the port
 * is taken (another server, or another `meterflow serve`), the address is not this machine's, or
 * a port below 1024 needs privileges. Other errors are passed on as they are.
 */
function listenError(error: unknown, host: string, port: number): unknown {
  const code = (error as NodeJS.ErrnoException).code;
  const where = `${host.includes(":") ? `[${host}]` : host}:${port}`;
  const why = code === "EADDRINUSE" ? "the address is already in use (another server holds the port: stop it, or pick another with --port)"
    : code === "EADDRNOTAVAIL" ? "the address is not one of this machine's (--host)"
    : code === "EACCES" ? "permission denied (ports below 1024 need privileges: pick another with --port)"
    : undefined;
  return why === undefined ? error : new MeterflowError("MF_ERR_LISTEN", `cannot listen on ${where}: ${why}`, { cause: error });
}
