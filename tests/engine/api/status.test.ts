// The status page's figures and the page itself on both stores: GET /v1/status reports what the
// store holds (decisions over every batch, held meters by reason, temp_bad meters, the readings
// committed in the last hour per minute); GET / is the page, served without a token and holding
// no data.
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { runAndRead, write } from "../../helpers/run.js";
import { tempDir } from "../../helpers/tmp.js";
import { apiFixture, STORES } from "./fixture.js";
import type { ApiFixture } from "./fixture.js";

const dir = tempDir("meterflow-status-");
let n = 0;

describe.each(STORES)("control API status on $kind", ({ db }) => {
  let f: ApiFixture;
  afterEach(async () => {
    expect(f.logged).toEqual([]);
    await f?.close();
  });

  it("reports decisions, held meters by reason, temp_bad meters and the last hour's throughput", async () => {
    f = await apiFixture(db);
    await f.request("PUT", "/v1/meters/E-1/temp-bad", { json: { reason: "suspect" } });
    await f.run(["E-1,2026-11-10,1010", "E-2,2026-11-10,1005", "E-3,2026-11-10,1003", "E-3,2026-11-10,1003", "E-9,2026-11-10,1"]);
    expect(await f.request("GET", "/v1/status", { token: null })).toMatchObject({ status: 401 });
    const res = await f.request("GET", "/v1/status", { token: f.tokens.viewer });
    expect(res.status).toBe(200);
    const totals = await f.store.batchTotals();
    expect(res.data).toMatchObject({
      store: f.store.kind, rules_version: f.session.rules.version, batches: totals.batches,
      readings: { billed: 2, held: 2, rejected: totals.rejected, duplicate: 1 },
      held: { meters: 2, readings: 2, by_reason: { temp_bad: 1, unknown_meter: 1 } }, temp_bad_meters: 1,
    });
    expect(res.data.throughput).toHaveLength(60);
    // No --nats: no cluster to show.
    expect(res.data.cluster).toBeNull();
    expect(res.data.throughput.reduce((n: number, p: { readings: number }) => n + p.readings, 0)).toBe(totals.rows);
    expect(res.data.alerts).toEqual([]);
    // An alert as alerts.csv writes it: meter_id, the end as a date.
    await runAndRead({ db: f.db, inputs: [write(dir, `alert-${n++}.csv`, ["meter_id,end,value,temperature", "E-2,2026-11-11,1006,999"])], out: join(dir, `alert-out-${n++}`) });
    const after = await f.request("GET", "/v1/status", { token: f.tokens.viewer });
    expect(after.data.alerts).toEqual([expect.objectContaining({
      meter_id: "E-2", end: "2026-11-11", channel: "temperature", severity: "warning", rule: "range/temperature", message: expect.stringContaining("999"),
    })]);
  });

  it("serves the page at / without a token; it holds no figures, only the script that fetches them", async () => {
    f = await apiFixture(db);
    const res = await f.app.request("/");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/html/);
    const html = await res.text();
    expect(html).toContain("<title>meterflow status</title>");
    expect(html).toContain('fetch(path, { headers: { authorization: "Bearer " + token } })');
    expect(html).toContain('api("/v1/status")');
    expect(html).not.toMatch(/<script[^>]+src=|<link[^>]+href="(?!data:)/);
  });
});
