// The readings stream records its time zone beside its partition count: `publish --time-zone`
// creates it so and counts the batches' days in it; a publish whose zone (asked, or its store's)
// differs from the stream's is refused before anything is published (MF_ERR_NATS_TIME_ZONE).
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { createMeterIndex } from "../../../engine/ingest/index.js";
import { decodeBatch, toReadingBatch } from "../../../engine/nats/index.js";
import { formatDay } from "../../../engine/time/index.js";
import { startNatsServer } from "../../helpers/nats-server.js";
import type { NatsServer } from "../../helpers/nats-server.js";
import { write } from "../../helpers/run.js";
import { tempDir } from "../../helpers/tmp.js";
import { readStream } from "./read-stream.js";

const MAIN = join(import.meta.dirname, "../../../dist/engine/cli/main.js");
const dir = tempDir("meterflow-publish-tz-");

function meterflow(...args: string[]) {
  const r = spawnSync(process.execPath, [MAIN, ...args], { encoding: "utf8", cwd: dir, timeout: 60_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

let server: NatsServer;
beforeAll(async () => {
  if (!existsSync(MAIN)) throw new Error("build first: npm run build:ts");
  server = await startNatsServer();
});
afterAll(async () => server?.stop());

describe("meterflow publish --time-zone", () => {
  test("a new stream records the zone; days are the zone's; another zone is refused", async () => {
    const night = write(dir, "night.csv", ["meter_id,end,value", "E-1,2026-11-30T23:30:00Z,130", "E-2,2026-11-30T22:30:00Z,150"]);
    const r = meterflow("publish", "--nats", server.url, "--time-zone", "Europe/Berlin", "--quiet", night);
    expect(r.status, r.stderr).toBe(0);
    const { info, messages } = await readStream(server.url);
    expect(info.config.description).toBe("meterflow readings; partitions=16; time_zone=Europe/Berlin");
    const ends = messages.flatMap(({ data }) => {
      const b = toReadingBatch(decodeBatch(data), createMeterIndex());
      return Array.from({ length: b.length }, (_, k) => `${b.meters.idOf(b.meter[k])}@${formatDay(b.end[k])}`);
    });
    expect(ends.sort()).toEqual(["E-1@2026-12-01", "E-2@2026-11-30"]);

    // Asked for UTC: refused, nothing more published.
    const utc = meterflow("publish", "--nats", server.url, "--time-zone", "UTC", night);
    expect(utc.status).toBe(1);
    expect(utc.stderr).toContain("MF_ERR_NATS_TIME_ZONE");
    // With a store that counts in UTC (created so by meters import): refused too.
    const meters = write(dir, "meters.csv", ["meter_id", "E-1", "E-2"]);
    expect(meterflow("meters", "import", "--db", "utc.db", meters).status).toBe(0);
    const withStore = meterflow("publish", "--nats", server.url, "--db", "utc.db", night);
    expect(withStore.status).toBe(1);
    expect(withStore.stderr).toContain("stream MFLOW counts days in Europe/Berlin, the store (--db) in UTC");
    expect((await readStream(server.url)).messages).toHaveLength(messages.length);
    // Without the option and without a store: the stream's zone.
    const again = write(dir, "again.csv", ["meter_id,end,value", "E-1,2026-12-01T23:30:00Z,140"]);
    expect(meterflow("publish", "--nats", server.url, "--quiet", again).status).toBe(0);
    const last = (await readStream(server.url)).messages.at(-1)!;
    const b = toReadingBatch(decodeBatch(last.data), createMeterIndex());
    expect(formatDay(b.end[0])).toBe("2026-12-02");
  });
});
