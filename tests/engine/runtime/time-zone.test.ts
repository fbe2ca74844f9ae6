// Calendar days in a configured time zone (DESIGN.md "UTC unless configured"; README "Time
// zones"): `end` date-times with an offset fall on their day in the store's zone, those without
// are its wall clock; pulse events are summarised per day of the zone (a day across a
// daylight-saving change is 23 or 25 hours); sensor alerts carry the zone's day; the zone is fixed
// when the store is created, and a run asking for another is refused before anything is written.
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { openStore } from "../../../engine/store/open.js";
import { useTimeZone, UTC_ZONE } from "../../../engine/time/index.js";
import { METERS_HEADER, readCsv, runAndRead, write } from "../../helpers/run.js";
import { tempDir } from "../../helpers/tmp.js";
import { runPostgresTests, testStoreUrl } from "../store/postgres-env.js";

const dir = tempDir("meterflow-time-zone-");
let n = 0;
const STORES = [
  { kind: "sqlite", db: () => join(dir, `tz-${n++}.db`) },
  ...(runPostgresTests ? [{ kind: "postgres", db: testStoreUrl }] : []),
];

// A run sets the zone of the thread it runs on: the next test starts from UTC again.
afterEach(() => useTimeZone(UTC_ZONE));

const meters = write(dir, "meters.csv", [METERS_HEADER, ...["E-1", "E-2", "E-3"].map((id) => `${id},electricity.register,kWh,1,,6,,,,,,,100,2026-10-31`)]);
const days = (rows: Array<Record<string, string>>) => Object.fromEntries(rows.map((r) => [r.meter_id, r.end]));

describe.each(STORES)("a store that counts days in Europe/Berlin, on $kind", ({ db: newDb }) => {
  it("takes each end's day in the zone, keeps the zone for later runs and refuses another", async () => {
    const db = newDb();
    const night = write(dir, `night-${n++}.csv`, [
      "meter_id,end,value",
      "E-1,2026-11-30T23:30:00Z,130", // 00:30 on 1 December in Berlin
      "E-2,2026-12-01T00:15:00+01:00,150", // Berlin's own midnight: 1 December (30 November in UTC)
      "E-3,2026-11-30T23:45:00,170", // no offset: Berlin's wall clock, 30 November
    ]);
    const first = await runAndRead({ meters, inputs: [night], db, out: join(dir, `out-${n++}`), timeZone: "europe/berlin", now: new Date("2026-12-01T06:00:00Z") });
    expect(first.summary).toMatchObject({ in: 3, billable: 3 });
    expect(days(first.billing)).toEqual({ "E-1": "2026-12-01", "E-2": "2026-12-01", "E-3": "2026-11-30" });
    expect(first.billing.find((r) => r.meter_id === "E-1")).toMatchObject({ reading_id: "E-1@2026-12-01", start: "2026-11-01", days: "31" });

    // The next night without --time-zone: the store's zone. 2 December 23:30 UTC is 3 December in Berlin.
    const next = write(dir, `next-${n++}.csv`, ["meter_id,end,value", "E-1,2026-12-02T23:30:00Z,140"]);
    const second = await runAndRead({ inputs: [next], db, out: join(dir, `out-${n++}`), now: new Date("2026-12-03T06:00:00Z") });
    expect(days(second.billing)).toEqual({ "E-1": "2026-12-03" });
    // "Today" is Berlin's too: at 23:30 UTC on 3 December it is 4 December there, so an end on 5 December (today + 1) is taken.
    const early = write(dir, `early-${n++}.csv`, ["meter_id,end,value", "E-2,2026-12-05,160"]);
    expect((await runAndRead({ inputs: [early], db, out: join(dir, `out-${n++}`), now: new Date("2026-12-03T23:30:00Z") })).summary).toMatchObject({ billable: 1, rejected: 0 });

    // Another zone asked of it: refused, nothing written.
    const out = join(dir, `out-${n++}`);
    await expect(runAndRead({ inputs: [next], db, out, timeZone: "UTC" })).rejects.toMatchObject({ code: "MF_ERR_STORE_TIME_ZONE", message: expect.stringContaining("counts days in Europe/Berlin") });
    expect(existsSync(join(out, "billing.csv"))).toBe(false);
    const store = await openStore(db);
    try {
      expect(store.timeZone).toBe("Europe/Berlin");
    } finally {
      await store.close();
    }
  });

  it("rejects bad_date an end whose day in the zone is before year 0000 (it was billed as 00-1-12-31)", async () => {
    const db = newDb();
    const night = write(dir, `year-zero-${n++}.csv`, [
      "meter_id,end,value",
      "E-1,0000-01-01T00:30:00+01:00,90", // 0000-01-01 in Berlin
      "E-2,0000-01-01T00:30:00+05:00,90", // 31 December of year -1 in Berlin: no YYYY-MM-DD writes it
      "E-2,2026-11-30,110",
    ]);
    const run = await runAndRead({ meters, inputs: [night], db, out: join(dir, `out-${n++}`), timeZone: "Europe/Berlin" });
    expect(run.summary).toMatchObject({ in: 3, billable: 1, held: 1, rejected: 1 });
    expect(run.rejected.map((r) => [r.meter_id, r.reason])).toEqual([["E-2", "bad_date"]]);
    // Before the registry's baseline, held as it arrived, under a date YYYY-MM-DD writes.
    expect(run.held.map((r) => [r.reading_id, r.reasons])).toEqual([["E-1@0000-01-01", "before_baseline"]]);
    expect(run.billing.map((r) => [r.reading_id, r.start, r.days])).toEqual([["E-2@2026-11-30", "2026-11-01", "30"]]);
  });

  it("a store created without a zone counts in UTC: the same night falls on other days", async () => {
    const night = write(dir, `utc-${n++}.csv`, ["meter_id,end,value", "E-1,2026-11-30T23:30:00Z,130", "E-2,2026-12-01T00:15:00+01:00,150", "E-3,2026-11-30T23:45:00,170"]);
    const run = await runAndRead({ meters, inputs: [night], db: newDb(), out: join(dir, `out-${n++}`) });
    expect(days(run.billing)).toEqual({ "E-1": "2026-11-30", "E-2": "2026-11-30", "E-3": "2026-11-30" });
  });
});

describe("pulse events and sensor values in a zone", () => {
  it("summarises pulses per Berlin day, 25 hours on the day clocks go back", async () => {
    const pulseMeters = write(dir, "pulse-meters.csv", ["meter_id,type,unit,pulse_weight,pulse_input", "L-1,water.pulse,l,1,s0a"]);
    const events = write(dir, "events.csv", [
      "meter_id,time,on_ms",
      "L-1,2026-10-23T12:00:00Z,50", // a first day: the meter's initial reading
      // 24 October in Berlin (UTC+2 until 25 October 01:00 UTC)
      "L-1,2026-10-23T22:30:00Z,50",
      "L-1,2026-10-24T21:59:00Z,50",
      // 25 October in Berlin: 25 hours, 24 October 22:00 UTC to 25 October 23:00 UTC
      "L-1,2026-10-24T22:00:00Z,50",
      "L-1,2026-10-25T12:00:00,50", // wall clock, UTC+1 by then
      "L-1,2026-10-25T22:59:00Z,50",
      // 26 October in Berlin
      "L-1,2026-10-25T23:00:00Z,50",
    ]);
    const run = await runAndRead({ meters: pulseMeters, inputs: [], pulseEvents: [events], db: join(dir, `p-${n++}.db`), out: join(dir, `out-${n++}`), timeZone: "Europe/Berlin" });
    const rows = [...run.billing, ...run.held].map((r) => [r.end, r.consumption]).sort();
    expect(rows).toEqual([["2026-10-23", "0"], ["2026-10-24", "2"], ["2026-10-25", "3"], ["2026-10-26", "1"]]);
  });

  it("dates a sensor value's alert by its day in the zone", async () => {
    const readings = write(dir, "sensor.csv", ["meter_id,end,value,temperature", "E-1,2026-11-30T23:30:00Z,130,999"]);
    const out = join(dir, `out-${n++}`);
    await runAndRead({ meters, inputs: [readings], db: join(dir, `s-${n++}.db`), out, timeZone: "+01:00" });
    const alerts = readCsv(join(out, "alerts.csv"));
    expect(alerts.map((a) => [a.meter_id, a.end, a.channel])).toEqual([["E-1", "2026-12-01", "temperature"]]);
    expect(readFileSync(join(out, "billing.csv"), "utf8")).toContain("E-1@2026-12-01");
  });
});
