// An open-loop load at a fixed rate: request i is due at start + i / rate seconds, whatever the
// responses before it did, and its latency is measured from when it was due (not from when a free
// connection sent it), so a server that falls behind pays for its backlog in the figures (no
// coordinated omission). Percentiles are exact, over every request of the phase.
//
// Why not autocannon's `overallRate`: it sends each connection's share of a second back to back at
// the top of the second (bursts, not a steady rate), and with a rate it records each response of
// X ms as X samples (HdrHistogram's recordValueWithExpectedInterval with an interval of
// ceil(1 / rate) = 1, a rate per second read as milliseconds), so its p99 follows the slowest
// response rather than the 99th percentile.
import http from "node:http";

export interface PacedRequest {
  method: string;
  path: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
}

export interface PacedLoadOptions {
  /** The server's base URL (http). */
  url: string;
  /** Requests per second, evenly spaced. */
  rate: number;
  seconds: number;
  /** Keep-alive connections at most (requests due while all are busy wait for one, and that wait counts). */
  connections: number;
  /** Headers of every request (each request's own are added). */
  headers?: Record<string, string>;
  request: () => PacedRequest;
}

export interface PacedLoadResult {
  requests: number;
  /** Milliseconds from due to response end, nearest-rank percentiles over every request. */
  p50: number;
  p99: number;
  max: number;
  /** Responses not 2xx, and requests that failed (no response). */
  non2xx: number;
  errors: number;
  /**
   * How late this process sent requests (ms after they were due), the largest: the generator's own
   * stalls (its timers, its event loop on a busy machine) count in the latencies too, and this
   * says how much of a tail they can explain.
   */
  maxSendLag: number;
}

/** The nearest-rank `q` quantile of ascending `sorted`. */
export function quantile(sorted: ArrayLike<number>, q: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
}

/** Runs the load and resolves once every request has been answered (or failed). */
export async function pacedLoad(o: PacedLoadOptions): Promise<PacedLoadResult> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: o.connections });
  const total = Math.round(o.rate * o.seconds);
  const latencies = new Float64Array(total);
  let non2xx = 0;
  let errors = 0;
  let maxSendLag = 0;
  const send = (due: number, i: number): Promise<void> => new Promise((resolve) => {
    const r = o.request();
    const req = http.request(new URL(r.path, o.url), { method: r.method, agent, headers: { ...o.headers, ...r.headers } }, (res) => {
      if (res.statusCode === undefined || res.statusCode < 200 || res.statusCode >= 300) non2xx++;
      res.resume();
      res.once("end", () => {
        latencies[i] = performance.now() - due;
        resolve();
      });
    });
    req.once("error", () => {
      errors++;
      latencies[i] = performance.now() - due;
      resolve();
    });
    req.end(r.body);
  });
  const start = performance.now();
  const pending: Array<Promise<void>> = [];
  for (let i = 0; i < total; i++) {
    const due = start + (i * 1000) / o.rate;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    maxSendLag = Math.max(maxSendLag, performance.now() - due);
    pending.push(send(due, i));
  }
  await Promise.all(pending);
  agent.destroy();
  const sorted = latencies.sort();
  return { requests: total, p50: quantile(sorted, 0.5), p99: quantile(sorted, 0.99), max: sorted[total - 1] ?? Number.NaN, non2xx, errors, maxSendLag };
}
