// The control API's frame on both stores: /health without a token, /ready, /openapi.json from the
// same schemas, tokens and roles (401, 403, 429), strict schemas (400), body limits (413 by
// Content-Length), JSON errors with stable codes; a query parameter a route does not take is 400
// and a body of another media type than it takes 415, on every route.
import { afterEach, describe, expect, it } from "vitest";
import { apiFixture, STORES } from "./fixture.js";
import type { ApiFixture } from "./fixture.js";

describe.each(STORES)("control API basics on $kind", ({ db }) => {
  let f: ApiFixture;
  afterEach(async () => {
    await f?.close();
  });

  it("answers /health without a token, /ready and /openapi.json with one", async () => {
    f = await apiFixture(db);
    expect(await f.request("GET", "/health", { token: null })).toMatchObject({ status: 200, data: { status: "ok" } });
    expect(await f.request("GET", "/ready", { token: f.tokens.viewer })).toMatchObject({ status: 200, data: { status: "ready", store: f.store.kind } });
    const doc = await f.request("GET", "/openapi.json", { token: f.tokens.viewer });
    expect(f.logged).toEqual([]);
    expect(doc.status, JSON.stringify(doc.data)).toBe(200);
    expect(doc.data.openapi).toBe("3.0.3");
    expect(Object.keys(doc.data.paths)).toEqual(expect.arrayContaining([
      "/health", "/ready", "/metrics", "/v1/meters/{id}", "/v1/meters/{id}/audit", "/v1/meters/{id}/temp-bad", "/v1/held",
      "/v1/held/{reading_id}/release", "/v1/meters/{id}/readings", "/v1/photos/{sha256}", "/v1/rules", "/v1/rules/test", "/v1/plugins",
      "/v1/status", "/v1/jobs", "/v1/jobs/{id}", "/v1/jobs/{id}/cancel", "/v1/jobs/{id}/pause", "/v1/jobs/{id}/resume", "/v1/tokens", "/v1/tokens/{name}",
    ]));
    // The document says what the schemas check: the set body is strict and needs a reason.
    const put = doc.data.paths["/v1/meters/{id}/temp-bad"].put;
    expect(put.requestBody.content["application/json"].schema.$ref).toBe("#/components/schemas/SetTempBad");
    expect(doc.data.components.schemas.SetTempBad).toMatchObject({ required: ["reason"], additionalProperties: false });
    expect(put.responses["412"]).toBeDefined();
  });

  it("refuses a missing, wrong or revoked token with 401, a role too low with 403", async () => {
    f = await apiFixture(db);
    const none = await f.request("GET", "/v1/meters/E-1", { token: null });
    expect(none).toMatchObject({ status: 401, data: { code: "MF_ERR_API_UNAUTHORIZED" } });
    expect(none.headers.get("www-authenticate")).toMatch(/^Bearer/);
    expect(await f.request("GET", "/ready", { token: null })).toMatchObject({ status: 401 });
    expect(await f.request("GET", "/openapi.json", { token: null })).toMatchObject({ status: 401 });
    expect(await f.request("GET", "/v1/meters/E-1", { token: `${f.tokens.viewer}x` })).toMatchObject({ status: 401, data: { code: "MF_ERR_API_UNAUTHORIZED" } });
    expect(await f.request("GET", "/v1/meters/E-1", { headers: { authorization: `Basic ${f.tokens.viewer}` }, token: null })).toMatchObject({ status: 401 });
    expect(await f.request("GET", "/v1/meters/E-1", { token: f.tokens.viewer })).toMatchObject({ status: 200 });

    const forbidden = await f.request("PUT", "/v1/meters/E-1/temp-bad", { token: f.tokens.viewer, json: { reason: "x" } });
    expect(forbidden).toMatchObject({ status: 403, data: { code: "MF_ERR_API_FORBIDDEN" } });
    expect(forbidden.data.message).toMatch(/viewer-anna is a viewer; this needs an? operator/);
    expect(await f.store.listTokens().then((t) => t.length)).toBe(3);
    expect((await f.store.audit("E-1"))).toEqual([]);
    expect(await f.request("PUT", "/v1/meters/E-1/temp-bad", { token: f.tokens.admin, json: { reason: "x" } })).toMatchObject({ status: 200 });

    await f.store.revokeToken("operator-anna", new Date().toISOString());
    expect(await f.request("GET", "/v1/meters/E-1", { token: f.tokens.operator })).toMatchObject({ status: 401, data: { code: "MF_ERR_API_UNAUTHORIZED" } });
  });

  it("rate limits repeated failures with 429 and Retry-After, even for a good token", async () => {
    f = await apiFixture(db, { rateLimit: { maxFailures: 3, windowMs: 60_000 } });
    for (let i = 0; i < 3; i++) expect((await f.request("GET", "/v1/held", { token: `mft_guess${i}` })).status).toBe(401);
    const limited = await f.request("GET", "/v1/held", { token: "mft_guess4" });
    expect(limited).toMatchObject({ status: 429, data: { code: "MF_ERR_API_RATE_LIMITED" } });
    expect(Number(limited.headers.get("retry-after"))).toBeGreaterThan(0);
    expect((await f.request("GET", "/v1/held", { token: f.tokens.viewer })).status).toBe(429);
    expect((await f.request("GET", "/health", { token: null })).status).toBe(200);
  });

  it("serves /favicon.ico without a token: a browser's icon requests never count against the rate limit", async () => {
    f = await apiFixture(db, { rateLimit: { maxFailures: 2, windowMs: 60_000 } });
    for (let i = 0; i < 5; i++) {
      const icon = await f.request("GET", "/favicon.ico", { token: null });
      expect(icon.status).toBe(204);
      expect(icon.headers.get("cache-control")).toMatch(/max-age=\d+/);
    }
    expect((await f.request("GET", "/", { token: null })).status).toBe(200);
    expect((await f.request("GET", "/v1/held", { token: f.tokens.viewer })).status).toBe(200);
  });

  it("lets the window pass: failures counted on the limiter's clock, not the wall's", async () => {
    let now = 1_000_000;
    f = await apiFixture(db, { rateLimit: { maxFailures: 2, windowMs: 10_000, now: () => now } });
    await f.request("GET", "/v1/held", { token: null });
    await f.request("GET", "/v1/held", { token: null });
    expect((await f.request("GET", "/v1/held", { token: f.tokens.viewer })).headers.get("retry-after")).toBe("10");
    now += 10_000;
    expect((await f.request("GET", "/v1/held", { token: f.tokens.viewer })).status).toBe(200);
  });

  it("answers 400 for unknown fields, missing ones, bad values and broken JSON; 404 for no route", async () => {
    f = await apiFixture(db);
    const unknown = await f.request("PUT", "/v1/meters/E-1/temp-bad", { json: { reason: "x", reaosn: "typo" } });
    expect(unknown).toMatchObject({ status: 400, data: { code: "MF_ERR_API_INVALID" } });
    expect(unknown.data.message).toMatch(/reaosn/);
    expect(await f.request("PUT", "/v1/meters/E-1/temp-bad", { json: { note: "no reason" } })).toMatchObject({ status: 400, data: { code: "MF_ERR_API_INVALID" } });
    expect(await f.request("PUT", "/v1/meters/E-1/temp-bad", { json: { reason: "   " } })).toMatchObject({ status: 400 });
    expect(await f.request("PUT", "/v1/meters/E-1/temp-bad", { json: { reason: 5 } })).toMatchObject({ status: 400 });
    const broken = await f.request("PUT", "/v1/meters/E-1/temp-bad", { body: "{\"reason\": ", headers: { "content-type": "application/json" } });
    expect(broken).toMatchObject({ status: 400, data: { code: "MF_ERR_API_INVALID" } });
    expect(await f.request("PUT", "/v1/meters/E-1/temp-bad", { body: "reason=x", headers: { "content-type": "text/plain" } }))
      .toMatchObject({ status: 415, data: { code: "MF_ERR_API_UNSUPPORTED_MEDIA" } });
    expect(await f.request("GET", "/v1/held?meter_id=E-1&colour=red", { token: f.tokens.viewer })).toMatchObject({ status: 400, data: { code: "MF_ERR_API_INVALID" } });
    expect(await f.request("GET", "/v1/held?cursor=-1", { token: f.tokens.viewer })).toMatchObject({ status: 400 });
    expect(await f.request("GET", "/v1/nothing", { token: f.tokens.viewer })).toMatchObject({ status: 404, data: { code: "MF_ERR_API_NOT_FOUND" } });
    expect(await f.store.audit("E-1")).toEqual([]);
  });

  it("answers 405 with Allow to a method a path is not served with, 404 to a path it does not serve", async () => {
    f = await apiFixture(db);
    const cases: [string, string, string][] = [
      ["POST", "/v1/meters/E-1", "GET, HEAD"],
      ["GET", "/v1/meters/E-1/temp-bad", "DELETE, PUT"],
      ["PATCH", "/v1/meters/E-1/temp-bad", "DELETE, PUT"],
      ["DELETE", "/v1/held", "GET, HEAD"],
      ["PUT", "/v1/tokens", "GET, HEAD, POST"],
      ["GET", "/v1/tokens/someone", "DELETE"],
      ["POST", "/v1/status", "GET, HEAD"],
      ["DELETE", "/", "GET, HEAD"],
    ];
    for (const [method, path, allow] of cases) {
      const answer = await f.request(method, path, { token: f.tokens.admin, ...(method === "GET" || method === "DELETE" ? {} : { json: {} }) });
      expect(answer, `${method} ${path}`).toMatchObject({ status: 405, data: { code: "MF_ERR_API_METHOD_NOT_ALLOWED" } });
      expect(answer.headers.get("allow"), `${method} ${path}`).toBe(allow);
    }
    expect(await f.request("POST", "/v1/meters/E-1/nothing", { token: f.tokens.admin, json: {} })).toMatchObject({ status: 404, data: { code: "MF_ERR_API_NOT_FOUND" } });
    expect(await f.request("GET", "/v1/meters/E-1/audit/more", { token: f.tokens.admin })).toMatchObject({ status: 404 });
    // Still behind the token: a path's methods are not told to a caller without one.
    expect((await f.request("POST", "/v1/meters/E-1", { token: null, json: {} })).status).toBe(401);
  });

  it("answers 400 to a query parameter a route does not take, on every route", async () => {
    f = await apiFixture(db);
    const totals = await f.store.batchTotals();
    // Every route the app has (the status page and the OpenAPI document included), with its path's parameters filled in.
    const routes = [...new Map(f.app.routes.filter((r) => r.method !== "ALL").map((r) => [`${r.method} ${r.path}`, r])).values()];
    expect(routes.length).toBeGreaterThan(20);
    const path = (p: string) => p.replace(":sha256", "0".repeat(64)).replace(":reading_id", "E-1@2026-11-10").replace(":id", p.startsWith("/v1/jobs") ? "job-1" : "E-1").replace(":name", "ops-ben");
    for (const r of routes) {
      const res = await f.request(r.method, `${path(r.path)}?foo=1`, { token: f.tokens.admin });
      expect(res, `${r.method} ${r.path}`).toMatchObject({ status: 400, data: { code: "MF_ERR_API_INVALID" } });
      expect(res.data.message, `${r.method} ${r.path}`).toMatch(/foo/);
    }
    // A route with a query takes its own parameters, and only those.
    expect(await f.request("GET", "/v1/held?meter_id=E-1&limit=5")).toMatchObject({ status: 200 });
    expect(await f.request("GET", "/v1/held?meter_id=E-1&foo=1")).toMatchObject({ status: 400, data: { code: "MF_ERR_API_INVALID" } });
    // Nothing was done by a refused request.
    expect(await f.store.audit("E-1")).toEqual([]);
    expect(await f.store.batchTotals()).toEqual(totals);
    expect(await f.store.listTokens().then((t) => t.length)).toBe(3);
    expect(await f.request("PUT", "/v1/meters/E-1/temp-bad?", { json: { reason: "no query at all" } })).toMatchObject({ status: 200 });
  });

  it("answers 415 to a body of another media type than the route takes", async () => {
    f = await apiFixture(db);
    const urlencoded = { "content-type": "application/x-www-form-urlencoded" };
    expect(await f.request("POST", "/v1/meters/E-1/readings", { body: "end=2026-11-05&value=1005", headers: urlencoded }))
      .toMatchObject({ status: 415, data: { code: "MF_ERR_API_UNSUPPORTED_MEDIA" } });
    expect(await f.request("PUT", "/v1/meters/E-1/temp-bad", { body: "reason=x", headers: urlencoded })).toMatchObject({ status: 415 });
    expect(await f.request("PUT", "/v1/meters/E-1/temp-bad", { body: "{\"reason\": \"x\"}", headers: { "content-type": "text/json" } })).toMatchObject({ status: 415 });
    expect(await f.request("GET", "/v1/meters/E-1")).toMatchObject({ data: { readings: [], temp_bad: null } });
    // Its parameters do not matter, its type does.
    expect(await f.request("PUT", "/v1/meters/E-1/temp-bad", { body: "{\"reason\": \"x\"}", headers: { "content-type": "Application/JSON; charset=utf-8" } })).toMatchObject({ status: 200 });
  });

  it("answers 413 by Content-Length before the handler reads the body", async () => {
    f = await apiFixture(db, { maxBodyBytes: 256 });
    const big = JSON.stringify({ reason: "x".repeat(300) });
    const res = await f.request("PUT", "/v1/meters/E-1/temp-bad", { body: big, headers: { "content-type": "application/json", "content-length": String(big.length) } });
    expect(res).toMatchObject({ status: 413, data: { code: "MF_ERR_API_BODY_TOO_LARGE" } });
    expect(await f.store.audit("E-1")).toEqual([]);
    expect(await f.request("PUT", "/v1/meters/E-1/temp-bad", { json: { reason: "fits" } })).toMatchObject({ status: 200 });
  });
});

describe.each(STORES)("control API tokens on $kind", ({ db }) => {
  let f: ApiFixture;
  afterEach(async () => {
    await f?.close();
  });

  it("lets admins add (the token answered once), list and revoke tokens; others get 403", async () => {
    f = await apiFixture(db);
    expect(await f.request("POST", "/v1/tokens", { json: { name: "ops-ben", role: "operator" } })).toMatchObject({ status: 403 });
    expect(await f.request("GET", "/v1/tokens")).toMatchObject({ status: 403 });
    const added = await f.request("POST", "/v1/tokens", { json: { name: "ops-ben", role: "operator" }, token: f.tokens.admin });
    expect(added).toMatchObject({ status: 201, data: { name: "ops-ben", role: "operator", token: expect.stringMatching(/^mft_/) } });
    expect(added.headers.get("cache-control")).toBe("no-store");
    expect(await f.request("POST", "/v1/tokens", { json: { name: "ops-ben", role: "admin" }, token: f.tokens.admin })).toMatchObject({ status: 409, data: { code: "MF_ERR_API_TOKEN_EXISTS" } });
    expect(await f.request("POST", "/v1/tokens", { json: { name: "x", role: "root" }, token: f.tokens.admin })).toMatchObject({ status: 400 });
    expect(await f.request("PUT", "/v1/meters/E-1/temp-bad", { json: { reason: "by ben" }, token: added.data.token })).toMatchObject({ status: 200, data: { temp_bad: { by: "ops-ben" } } });
    const listed = await f.request("GET", "/v1/tokens", { token: f.tokens.admin });
    expect(JSON.stringify(listed.data)).not.toContain(added.data.token);
    expect(listed.data.tokens.map((t: { name: string }) => t.name)).toEqual(["admin-anna", "operator-anna", "ops-ben", "viewer-anna"]);
    expect(await f.request("DELETE", "/v1/tokens/ops-ben", { token: f.tokens.admin })).toMatchObject({ status: 200, data: { revoked: true } });
    expect(await f.request("DELETE", "/v1/tokens/ops-ben", { token: f.tokens.admin })).toMatchObject({ status: 404 });
    expect(await f.request("GET", "/v1/meters/E-1", { token: added.data.token })).toMatchObject({ status: 401 });
  });
});
