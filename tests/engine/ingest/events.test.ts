// Pulse-events files: the same rows decode alike from CSV, NDJSON and msgpack (records and
// columnar maps); bad rows are rejected with their line, reason and raw text, never dropped.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { pack } from "msgpackr";
import { describe, expect, it } from "vitest";
import { readPulseEvents, timeOfValue } from "../../../engine/ingest/events.js";
import { parseTimeZone, timeZone, useTimeZone } from "../../../engine/time/index.js";
import { createMeterIndex } from "../../../engine/ingest/meter-index.js";
import { tempDir } from "../../helpers/tmp.js";

const dir = tempDir();
const T0 = Date.UTC(2026, 10, 30, 6, 15, 2, 250);
const rows: Array<Record<string, unknown>> = [
  { meter_id: "L-1", time: "2026-11-30T06:15:02.250Z", on_ms: 48 },
  { meter_id: "L-1", time: "2026-11-30T07:15:02.250+01:00", on_ms: 51, direction: "reverse" },
  { meter_id: "L-2", time: T0 + 1000, loop_ma: 1.2, tamper: "open", magnet_mt: 0.04 },
  { meter_id: "L-2", time: "2026-11-30T06:15:04.250", on_ms: 40, loop_ma: 2.1, tamper: 0 },
  { meter_id: "L-2", time: "30.11.2026 06:15", on_ms: 40 },
  { meter_id: "L-2", time: "2026-11-30T06:15:05Z" },
  { meter_id: "L-2", time: "2026-11-30T06:15:06Z", on_ms: -3 },
  { meter_id: "L-2", time: "2026-11-30T06:15:07Z", on_ms: 30, direction: "sideways" },
  { meter_id: "", time: "2026-11-30T06:15:08Z", on_ms: 30 },
];
const KEYS = ["meter_id", "time", "on_ms", "direction", "loop_ma", "tamper", "magnet_mt"];

async function decode(path: string) {
  const meters = createMeterIndex();
  const r = await readPulseEvents(path, { meters });
  return {
    rows: Array.from({ length: r.length }, (_, i) => [meters.idOf(r.meter[i]), r.t[i], r.onMs[i], r.reverse[i], r.loopMa[i], r.tamper[i], r.magnetMt[i]]),
    rejected: r.rejected.map((x) => [x.meterId, x.reason]),
    lines: r.rejected.map((x) => x.line),
  };
}

describe("readPulseEvents", () => {
  it("decodes pulses and samples alike from CSV, NDJSON and msgpack, rejecting bad rows with their reason", async () => {
    const csv = join(dir, "e.csv");
    writeFileSync(csv, [KEYS.join(","), ...rows.map((r) => KEYS.map((k) => String(r[k] ?? "")).join(","))].join("\n"));
    const ndjson = join(dir, "e.ndjson");
    writeFileSync(ndjson, rows.map((r) => JSON.stringify(r)).join("\n"));
    const records = join(dir, "e.msgpack");
    writeFileSync(records, Buffer.concat(rows.map((r) => pack(r))));
    const columnar = join(dir, "ec.msgpack");
    writeFileSync(columnar, pack(Object.fromEntries(KEYS.map((k) => [k, rows.map((r) => r[k] ?? null)]))));

    const expected = await decode(csv);
    const nan = Number.NaN;
    expect(expected.rows).toEqual([
      ["L-1", T0, 48, 0, nan, nan, nan],
      ["L-1", T0, 51, 1, nan, nan, nan],
      ["L-2", T0 + 1000, nan, 0, 1.2, 1, 0.04],
      ["L-2", T0 + 2000, 40, 0, 2.1, 0, nan],
      // a heartbeat: the channel was logged, nothing happened
      ["L-2", Date.UTC(2026, 10, 30, 6, 15, 5), nan, 0, nan, nan, nan],
    ]);
    expect(expected.rejected).toEqual([["L-2", "bad_event_time"], ["L-2", "bad_event"], ["L-2", "bad_event"], ["", "missing_meter_id"]]);
    expect(expected.lines).toEqual([6, 8, 9, 10]);
    for (const file of [ndjson, records, columnar]) {
      const got = await decode(file);
      expect(got.rows, file).toEqual(expected.rows);
      expect(got.rejected, file).toEqual(expected.rejected);
      expect(got.lines, file).toEqual([5, 7, 8, 9]);
    }
  });

  it("rejects an NDJSON or msgpack record with a key in another spelling (misspelt_column), as a CSV header's is refused", async () => {
    // `On_ms` read as written would be ignored: the pulse lost, the row a heartbeat (audit).
    const records = [
      { meter_id: "L-1", time: "2026-11-30T09:00:00Z", On_ms: 50 },
      { meter_id: "L-1", time: "2026-11-30T09:01:00Z", on_ms: 50 },
      { meter_id: "L-1", time: "2026-11-30T09:02:00Z", " magnet_mt": 4 },
    ];
    const ndjson = join(dir, "misspelt.ndjson");
    writeFileSync(ndjson, records.map((r) => JSON.stringify(r)).join("\n"));
    const msgpack = join(dir, "misspelt.msgpack");
    writeFileSync(msgpack, Buffer.concat(records.map((r) => pack(r))));
    for (const file of [ndjson, msgpack]) {
      const got = await decode(file);
      expect(got.rows, file).toEqual([["L-1", Date.UTC(2026, 10, 30, 9, 1), 50, 0, Number.NaN, Number.NaN, Number.NaN]]);
      expect(got.rejected, file).toEqual([["L-1", "misspelt_column"], ["L-1", "misspelt_column"]]);
      expect(got.lines, file).toEqual([1, 3]);
    }
  });

  it("reads times as ISO 8601 (UTC without an offset) or epoch milliseconds, nothing else", () => {
    expect(timeOfValue("2026-11-30T00:00:00Z")).toBe(Date.UTC(2026, 10, 30));
    expect(timeOfValue("2026-11-30T01:30:00+01:30")).toBe(Date.UTC(2026, 10, 30));
    expect(timeOfValue("2026-11-30T00:00")).toBe(Date.UTC(2026, 10, 30));
    expect(timeOfValue(1764460800000)).toBe(1764460800000);
    expect(timeOfValue("1764460800000")).toBe(1764460800000);
    for (const bad of ["2026-11-30", "yesterday", "", null, Number.POSITIVE_INFINITY, "2026-11-30T25:00:00Z", new Date(Number.NaN), "-", "1e3"]) expect(timeOfValue(bad), String(bad)).toBeNaN();
  });

  it("reads a time as a reading's end is read, and epoch milliseconds as text as the number (pulse audit: \"-1000\" was bad_event_time, -1000 and 1969-12-31T23:59:59Z were not)", () => {
    expect(timeOfValue("-1000")).toBe(-1000);
    expect(timeOfValue(-1000)).toBe(-1000);
    expect(timeOfValue("1969-12-31T23:59:59Z")).toBe(-1000);
    // A space for the T, a comma for the point, a fraction cut (not rounded) to milliseconds, a leap second at the end of its minute.
    expect(timeOfValue("2026-11-30 06:15:02")).toBe(Date.UTC(2026, 10, 30, 6, 15, 2));
    expect(timeOfValue("2026-11-30T06:15:02,25Z")).toBe(Date.UTC(2026, 10, 30, 6, 15, 2, 250));
    expect(timeOfValue("2026-11-30T23:59:59.9999999Z")).toBe(Date.UTC(2026, 10, 30, 23, 59, 59, 999));
    expect(timeOfValue("2026-12-31T23:59:60Z")).toBe(Date.UTC(2026, 11, 31, 23, 59, 59, 999));
    expect(timeOfValue(" 2026-11-30T06:15:02Z ")).toBe(Date.UTC(2026, 10, 30, 6, 15, 2));
  });

  it("refuses a time whose day in the zone is before 0000-01-01, in every form, as a date-time's text is refused (register audit: epoch ms gave a day written 00-1-12-31)", () => {
    const before = timeZone().name;
    useTimeZone(parseTimeZone("-05:00"));
    try {
      const at = new Date(0);
      at.setUTCFullYear(0, 0, 1);
      at.setUTCHours(1, 0, 0, 0);
      for (const time of [at.getTime(), String(at.getTime()), at, "0000-01-01T01:00:00Z"]) expect(timeOfValue(time), String(time)).toBeNaN();
      at.setUTCHours(6);
      for (const time of [at.getTime(), String(at.getTime()), at, "0000-01-01T06:00:00Z"]) expect(timeOfValue(time), String(time)).toBe(at.getTime());
    } finally {
      useTimeZone(parseTimeZone(before));
    }
  });

  it("takes a msgpack timestamp as a reading's end takes it", async () => {
    const file = join(dir, "timestamps.msgpack");
    writeFileSync(file, Buffer.concat([pack({ meter_id: "L-1", time: new Date(T0), on_ms: 48 }), pack({ meter_id: "L-1", time: new Date(T0 + 500), on_ms: 50 })]));
    const got = await decode(file);
    expect(got.rejected).toEqual([]);
    expect(got.rows.map((r) => r[1])).toEqual([T0, T0 + 500]);
  });
});
