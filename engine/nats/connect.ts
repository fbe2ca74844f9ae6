// Connecting to NATS with a bounded wait: an unreachable server is a one-line error naming the
// URL, never a hang.
import { connect } from "@nats-io/transport-node";
import type { NatsConnection } from "@nats-io/transport-node";
import { NatsError } from "./errors.js";

/** Options of connectNats. */
export interface ConnectOptions {
  /** Milliseconds to wait for the first connection; default 5000. */
  timeoutMs?: number;
  /** Client name the server shows (default "meterflow"). */
  name?: string;
}

/** Connects to `url` (nats://HOST:PORT, or several separated by commas); NatsError `MF_ERR_NATS_CONNECT` when it cannot. */
export async function connectNats(url: string, options: ConnectOptions = {}): Promise<NatsConnection> {
  const servers = url.split(",").map((s) => s.trim()).filter((s) => s !== "");
  if (servers.length === 0) throw new NatsError("MF_ERR_NATS_CONNECT", `no NATS server in "${url}"`);
  // The client reads any scheme's host and port as a NATS server's (http://HOST:4222 connected
  // to HOST:4222): a URL meant for something else is refused, not followed.
  const other = servers.find((s) => /^[a-z][a-z0-9+.-]*:\/\//i.test(s) && !/^(nats|tls):\/\//i.test(s));
  if (other !== undefined) {
    throw new NatsError("MF_ERR_NATS_CONNECT", `${other} is not a NATS URL: write nats://HOST:PORT (tls://HOST:PORT for TLS; several separated by commas)`);
  }
  try {
    return await connect({
      servers, timeout: options.timeoutMs ?? 5000, name: options.name ?? "meterflow",
      // Once connected, ride out a server restart (acknowledgements are awaited and retried).
      maxReconnectAttempts: -1, reconnectTimeWait: 250,
    });
  } catch (error) {
    const why = (error as Error).message || String(error);
    throw new NatsError("MF_ERR_NATS_CONNECT", `cannot connect to NATS at ${url}: ${why}`, error);
  }
}

/** The server's max payload in bytes (1 MiB when it does not say). */
export function maxPayloadOf(nc: NatsConnection): number {
  return nc.info?.max_payload ?? 1024 * 1024;
}
