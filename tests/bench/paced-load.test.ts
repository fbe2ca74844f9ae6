// The API latency bench's load generator (bench/lib/paced-load.ts): every request due is sent
// once and answered, statuses counted, and latency counted from when a request was due, so a
// request that waited for a busy connection carries that wait.
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pacedLoad, quantile } from "../../bench/lib/paced-load.js";

describe("quantile", () => {
  it("takes the nearest rank", () => {
    const sorted = Float64Array.from({ length: 200 }, (_, i) => i + 1);
    expect(quantile(sorted, 0.5)).toBe(100);
    expect(quantile(sorted, 0.99)).toBe(198);
    expect(quantile(sorted, 1)).toBe(200);
    expect(quantile([7], 0.99)).toBe(7);
    expect(quantile([], 0.5)).toBeNaN();
  });
});

describe("pacedLoad", () => {
  const seen: string[] = [];
  /** The server holds each answer until the test lets it go (no timing involved). */
  let held: Array<() => void> = [];
  let holding = false;
  const server = createServer((req, res) => {
    seen.push(`${req.method} ${req.url} ${req.headers.authorization}`);
    const answer = () => {
      res.statusCode = req.url === "/bad" ? 500 : 200;
      res.end("ok");
    };
    if (holding) held.push(answer);
    else answer();
  });
  let url = "";
  beforeAll(async () => {
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it("sends rate x seconds requests with the common headers and counts the statuses that are not 2xx", async () => {
    seen.length = 0;
    let n = 0;
    const r = await pacedLoad({
      url, rate: 200, seconds: 0.1, connections: 2, headers: { authorization: "Bearer t" },
      request: () => ({ method: "GET", path: n++ % 4 === 0 ? "/bad" : "/ok" }),
    });
    expect(r.requests).toBe(20);
    expect(seen).toHaveLength(20);
    expect(seen.every((s) => s.endsWith("Bearer t"))).toBe(true);
    expect(r.non2xx).toBe(5);
    expect(r.errors).toBe(0);
    expect(r.p50).toBeLessThanOrEqual(r.p99);
    expect(r.p99).toBeLessThanOrEqual(r.max);
  });

  it("counts a request's wait for a busy connection in its latency", async () => {
    seen.length = 0;
    holding = true;
    held = [];
    // One connection: the first request is answered 80 ms after it arrived, when all 10 are due
    // (the last 45 ms after the start). The others wait for the connection, and the last one's
    // latency counts from its due time: at least 80 - 45 ms, where a latency counted from its
    // send would be about a millisecond.
    const watch = setInterval(() => {
      if (held.length !== 1) return;
      clearInterval(watch);
      holding = false;
      setTimeout(() => held.splice(0).forEach((answer) => answer()), 80);
    }, 1);
    const r = await pacedLoad({ url, rate: 200, seconds: 0.05, connections: 1, request: () => ({ method: "GET", path: "/ok" }) });
    expect(r.requests).toBe(10);
    expect(seen).toHaveLength(10);
    expect(r.max).toBeGreaterThanOrEqual(35);
    expect(r.p50).toBeGreaterThan(0);
  });
});
