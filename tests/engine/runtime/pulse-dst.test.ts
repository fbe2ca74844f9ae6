// qmax over the real length of a pulse interval in the store's time zone: on the day clocks go
// forward (23 hours) the allowance is 23 hours of maximum flow, on the day they go back 25
// (it was 24 hours for every day: a lawful flow was held `magnetic` on the long day, an excess
// billed on the short one).
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { useTimeZone, UTC_ZONE } from "../../../engine/time/index.js";
import { runAndRead, write } from "../../helpers/run.js";
import { tempDir } from "../../helpers/tmp.js";

const dir = tempDir("meterflow-pulse-dst-");
let n = 0;
afterEach(() => useTimeZone(UTC_ZONE));
const meters = write(dir, "meters.csv", ["meter_id,pulse_weight,pulse_input,qmax", "Q,1,s0a,60"]);

/** The flags of each reading of meter Q, by day, after one run in `zone`. */
async function flagsOf(zone: string, lines: string[]): Promise<Record<string, string>> {
  const run = await runAndRead({ meters, inputs: [write(dir, `r-${n++}.csv`, ["meter_id,end,value", ...lines])], db: join(dir, `s-${n++}.db`), out: join(dir, `o-${n++}`), timeZone: zone, now: new Date("2026-12-01T00:00:00Z") });
  return Object.fromEntries([...run.billing, ...run.held].map((r) => [r.end, r.flags]));
}

describe("qmax across daylight-saving changes (Europe/Berlin, 60 units an hour)", () => {
  it("allows 23 hours of flow on the short day and 25 on the long one", async () => {
    // A pulse reading's value is the pulses counted since the meter's previous reading.
    const night = ["Q,2026-03-28,0", "Q,2026-03-29,1400", "Q,2026-03-30,1440", "Q,2026-10-24,100", "Q,2026-10-25,1475", "Q,2026-10-26,1441"];
    expect(await flagsOf("Europe/Berlin", night)).toMatchObject({ "2026-03-29": "magnetic", "2026-03-30": "", "2026-10-25": "", "2026-10-26": "magnetic" });
    // In UTC every day is 24 hours long.
    expect(await flagsOf("UTC", night)).toMatchObject({ "2026-03-29": "", "2026-03-30": "", "2026-10-25": "magnetic", "2026-10-26": "magnetic" });
  });
});

describe("qmax over an events day across daylight-saving changes, after a gap of days (Europe/Berlin, 60 units an hour)", () => {
  // An events day's count is that day's pulses: judged over its own 23 or 25 hours, not over the
  // days since the meter's previous reading (pulse audit).
  it("allows 23 hours of flow on the short day and 25 on the long one", async () => {
    // Pulses 2 s apart from 06:00 UTC: 1,400 above 23 hours' 1,380, 1,450 below 25 hours' 1,500 (both 24 hours' 1,440 would judge otherwise).
    const eventsOn = (day: string, count: number) => Array.from({ length: count }, (_, i) => `Q,${new Date(Date.parse(`${day}T06:00:00Z`) + i * 2000).toISOString()},45`);
    const events = write(dir, `e-${n++}.csv`, ["meter_id,time,on_ms", ...eventsOn("2026-03-29", 1400), ...eventsOn("2026-10-25", 1450)]);
    const run = await runAndRead({ meters, inputs: [write(dir, `r-${n++}.csv`, ["meter_id,end,value", "Q,2026-03-20,0"])], pulseEvents: [events],
      db: join(dir, `s-${n++}.db`), out: join(dir, `o-${n++}`), timeZone: "Europe/Berlin", now: new Date("2026-12-01T00:00:00Z") });
    expect(Object.fromEntries([...run.billing, ...run.held].map((r) => [r.end, [r.current, r.flags]]))).toEqual({
      "2026-03-20": ["0", "initial"], "2026-03-29": ["1400", "magnetic"], "2026-10-25": ["1450", ""],
    });
  });
});
