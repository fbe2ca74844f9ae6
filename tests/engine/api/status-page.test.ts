// The status page in a browser (Debian's chromium driven by playwright-core) against a running
// server: after the token is given, it shows the figures GET /v1/status reports, draws a bar per
// minute, and looks a meter up; with serve --nats, the cluster (workers, partitions behind, a batch
// being retried). Skipped where chromium is not installed, except under CI=true
// (.ci/run installs it), where it fails saying why.
import { existsSync } from "node:fs";
import { join } from "node:path";
import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import { chromium } from "playwright-core";
import { describe, expect, it } from "vitest";
import { newToken } from "../../../engine/api/auth/tokens.js";
import { startApiServer } from "../../../engine/api/server.js";
import { setTempBad } from "../../../engine/operations/index.js";
import { openStore } from "../../../engine/store/open.js";
import { publishFiles } from "../../../engine/nats/publish.js";
import { connectNats } from "../../../engine/nats/connect.js";
import { partitionOf } from "../../../engine/store/contract.js";
import { consumerName, ensureConsumers } from "../../../engine/worker/consumers.js";
import { startNatsServer } from "../../helpers/nats-server.js";
import { METERS_HEADER, runAndRead, write } from "../../helpers/run.js";
import { tempDir } from "../../helpers/tmp.js";

const CHROMIUM = process.env.MF_CHROMIUM ?? "/usr/bin/chromium";
const present = existsSync(CHROMIUM);
if (!present && process.env.CI !== "true") console.warn(`status page test skipped: no chromium at ${CHROMIUM}`);
const dir = tempDir("meterflow-page-");

describe.runIf(present || process.env.CI === "true")("the status page in chromium", () => {
  it("shows what the API reports, and looks a meter up", async () => {
    const db = join(dir, "state.db");
    const meters = write(dir, "meters.csv", [METERS_HEADER, "E-1,electricity.register,kWh,1,,,,,,,,,1000,2026-10-31", "E-2,electricity.register,kWh,1,,,,,,,,,1000,2026-10-31",
      // A meter id is read as written, spaces around it included (README): the lookup finds it as typed.
      " E-3 ,electricity.register,kWh,1,,,,,,,,,1000,2026-10-31"]);
    await runAndRead({ meters, db, inputs: [write(dir, "n1.csv", ["meter_id,end,value", "E-1,2026-11-01,1001", "E-2,2026-11-01,1002", "E-9,2026-11-01,5"])], out: join(dir, "o1") });
    // A long hold reason (temp_bad:zero_under_verification) and an alert (a temperature out of range).
    await runAndRead({ db, inputs: [write(dir, "n2.csv", ["meter_id,end,value,verification,temperature", "E-1,2026-11-02,1001,true,999",
      ...Array.from({ length: 3580 }, (_, i) => `U-${i},2026-11-02,1,,`)])], out: join(dir, "o2") });
    const { token, hash } = newToken();
    const store = await openStore(db);
    await store.addToken({ name: "viewer", role: "viewer", hash, createdAt: new Date().toISOString() });
    await setTempBad(store, { meterId: "E-2", reason: "suspect", actor: "ops" });
    await store.close();
    const server = await startApiServer({ db, port: 0 });
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--no-sandbox"] });
    try {
      const status = await (await fetch(`${server.url}/v1/status`, { headers: { authorization: `Bearer ${token}` } })).json() as {
        readings: Record<string, number>; held: { meters: number; by_reason: Record<string, number> }; temp_bad_meters: number; throughput: Array<{ readings: number }>;
      };
      const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
      await page.goto(server.url);
      await page.fill("#token", token);
      await page.click("#login button");
      await page.waitForSelector("body[data-loaded=true]");
      expect(await page.isVisible("#login")).toBe(false);
      const cells = async (table: string) => page.$$eval(`#${table} tr`, (trs) => trs.map((tr) => Array.from(tr.querySelectorAll("td"), (td) => td.textContent)));
      expect(await cells("decisions")).toEqual(Object.entries(status.readings).map(([k, v]) => [k, v.toLocaleString("en")]));
      expect(await cells("held")).toEqual(Object.entries(status.held.by_reason).map(([k, v]) => [k, v.toLocaleString("en")]));
      expect(await page.textContent("#held-meters")).toBe(status.held.meters.toLocaleString("en"));
      expect(await page.textContent("#temp-bad")).toBe(String(status.temp_bad_meters));
      expect(await page.textContent("#rate")).toBe(status.throughput.reduce((n, p) => n + p.readings, 0).toLocaleString("en"));
      expect(await page.$$eval("#chart rect", (r) => r.length)).toBe(60);
      expect(await page.textContent("#error")).toBe("");
      // Recent alerts: the meter and the day, as alerts.csv writes them.
      expect(await cells("alerts")).toEqual([["E-1", "range/temperature", "2026-11-02"]]);
      // Every table stays inside its card, long reasons and all, on a wide and a narrow window.
      for (const width of [1600, 1400, 1300, 1200, 1100, 1000, 900, 800, 700]) {
        await page.setViewportSize({ width, height: 900 });
        const spill = await page.$$eval("section", (sections) => sections.flatMap((s) => {
          const box = s.getBoundingClientRect();
          return Array.from(s.querySelectorAll("td"), (td) => td.getBoundingClientRect().right - box.right).filter((over) => over > 0.5);
        }));
        expect(spill, `width ${width}`).toEqual([]);
      }
      await page.fill("#meter", "E-2");
      await page.click("#lookup button");
      await page.waitForFunction(() => document.getElementById("meter-out")!.textContent !== "");
      expect(await page.textContent("#meter-out")).toMatch(/^E-2: temp_bad: suspect \(by ops\); last reading 1002 on 2026-11-01; version \d+/);
      const lookUp = async (id: string) => {
        const before = await page.textContent("#meter-out");
        await page.fill("#meter", id);
        await page.click("#lookup button");
        await page.waitForFunction((was) => document.getElementById("meter-out")!.textContent !== was, before);
        return page.textContent("#meter-out");
      };
      expect(await lookUp(" E-3 ")).toMatch(/^ E-3 : not temp_bad; /);
      expect(await lookUp("E-3")).toMatch(/^MF_ERR_UNKNOWN_METER: /);
      if (process.env.MF_SCREENSHOT) await page.screenshot({ path: process.env.MF_SCREENSHOT, fullPage: true });
      // Without --nats there is no cluster to show.
      expect(await page.isVisible("#cluster")).toBe(false);
    } finally {
      await browser.close();
      await server.close();
    }
  }, 60_000);

  it("shows the cluster with serve --nats: workers, the partitions behind, a batch being retried first", async () => {
    const nats = await startNatsServer();
    const db = join(dir, "cluster.db");
    const meters = write(dir, "cluster-meters.csv", [METERS_HEADER, ...Array.from({ length: 40 }, (_, i) => `E-${i},electricity.register,kWh,1,,,,,,,,,1000,2026-10-31`)]);
    await runAndRead({ meters, db, inputs: [write(dir, "cluster-n1.csv", ["meter_id,end,value", "E-0,2026-11-01,1001"])], out: join(dir, "c1") });
    const { token, hash } = newToken();
    const store = await openStore(db);
    await store.addToken({ name: "viewer", role: "viewer", hash, createdAt: new Date().toISOString() });
    const partitions = store.partitions;
    await store.close();
    const stream = "PAGE";
    const nc = await connectNats(nats.url);
    let server: Awaited<ReturnType<typeof startApiServer>> | undefined;
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--no-sandbox"] });
    try {
      const readings = write(dir, "cluster-n2.csv", ["meter_id,end,value", ...Array.from({ length: 40 }, (_, i) => `E-${i},2026-11-02,${1010 + i}`)]);
      await publishFiles({ nats: nats.url, stream, inputs: [readings], partitions, out: join(dir, "c2") });
      await ensureConsumers(await jetstreamManager(nc), stream, partitions, 60_000);
      // A worker's try of one partition's batch failed: delivered again, not yet acknowledged.
      const stuck = partitionOf("E-0", partitions);
      const consumer = await jetstream(nc).consumers.get(stream, consumerName(stuck));
      (await consumer.next({ expires: 2000 }))!.nak();
      expect((await consumer.next({ expires: 2000 }))?.info.redelivered).toBe(true);

      server = await startApiServer({ db, port: 0, nats: nats.url, stream });
      const status = await (await fetch(`${server.url}/v1/status`, { headers: { authorization: `Bearer ${token}` } })).json() as {
        cluster: { partitions: Array<{ partition: number; lag: number; redelivered: number }> };
      };
      const behind = status.cluster.partitions.filter((p) => p.lag > 0);
      expect(behind.map((p) => p.partition)).toContain(stuck);
      const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
      await page.goto(server.url);
      await page.fill("#token", token);
      await page.click("#login button");
      await page.waitForSelector("body[data-loaded=true]");
      expect(await page.isVisible("#cluster")).toBe(true);
      expect(await page.textContent("#workers")).toBe("0");
      expect(await page.textContent("#nats")).toBe("workers on stream PAGE");
      const rows = await page.$$eval("#partitions tr", (trs) => trs.map((tr) => [tr.className, ...Array.from(tr.querySelectorAll("td"), (td) => td.textContent)]));
      // The retried partition first (marked), then the others behind, most behind first.
      const lag = new Map(behind.map((p) => [p.partition, p.lag]));
      expect(rows[0]).toEqual(["retrying", `partition ${stuck} (retrying)`, "no owner", String(lag.get(stuck))]);
      expect(rows.slice(1).map((r) => r[1])).toEqual(behind.filter((p) => p.partition !== stuck).sort((a, b) => b.lag - a.lag).map((p) => `partition ${p.partition}`));
      expect(rows.slice(1).every((r) => r[0] === "")).toBe(true);
      expect(await page.textContent("#error")).toBe("");
    } finally {
      await browser.close();
      await server?.close();
      await nc.close();
      await nats.stop();
    }
  }, 60_000);
});
