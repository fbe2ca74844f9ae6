// parseDayBytes keeps the last date it parsed and answers a repeat of it by comparing bytes:
// checked here against a reference built on Date.UTC, over sequences where dates repeat, change,
// turn invalid and come back, as a file's column of end dates does.
import { describe, expect, it } from "vitest";
import { NO_DAY } from "../../../engine/ingest/batch.js";
import { parseDayBytes, parseDayString } from "../../../engine/ingest/dates.js";
import { lastInstantMs } from "../../../engine/ingest/dates.js";
import { parseTimeZone, timeZone, useTimeZone } from "../../../engine/time/index.js";

const DAY_MS = 86_400_000;

/** The reference: a real `YYYY-MM-DD`, optionally `THH:MM[:SS]` and `Z`/an offset, as the UTC day. */
function reference(text: string): { day: number; ms: number } {
  const m = /^(\d{4})-(\d{2})-(\d{2})(?:[Tt ](\d{2}):(\d{2})(?::(\d{2}))?([Zz]|[+-]\d{2}:\d{2})?)?$/.exec(text);
  if (m === null) return { day: NO_DAY, ms: Number.NaN };
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const date = Date.UTC(y, mo - 1, d);
  const back = new Date(date);
  if (mo < 1 || mo > 12 || d < 1 || back.getUTCFullYear() !== y || back.getUTCMonth() !== mo - 1 || back.getUTCDate() !== d) return { day: NO_DAY, ms: Number.NaN };
  // Date.UTC maps years 0-99 to 1900-1999: set the year again.
  const at = new Date(date);
  at.setUTCFullYear(y);
  let ms = at.getTime();
  if (m[4] !== undefined) {
    const [h, mi, s] = [Number(m[4]), Number(m[5]), Number(m[6] ?? 0)];
    if (h > 23 || mi > 59 || s > 60) return { day: NO_DAY, ms: Number.NaN };
    let offset = 0;
    if (m[7] !== undefined && m[7].length === 6) {
      const [oh, om] = [Number(m[7].slice(1, 3)), Number(m[7].slice(4))];
      if (oh > 23 || om > 59) return { day: NO_DAY, ms: Number.NaN };
      offset = (m[7][0] === "-" ? -1 : 1) * (oh * 60 + om);
    }
    ms += (h * 60 + mi - offset) * 60_000 + s * 1000;
  }
  return { day: Math.floor(ms / DAY_MS), ms };
}

const bytes = (text: string) => new TextEncoder().encode(text);

describe("parseDayBytes", () => {
  it("gives a repeated date its own day, and an invalid text after a valid one NO_DAY", () => {
    const seq = ["2026-11-30", "2026-11-30", "2026-11-30T25:00", "2026-11-30", "2026-11-31", "2026-11-30T23:30-01:00",
      "2026-11-30", "2024-02-29", "2025-02-29", "2024-02-29", "0000000000", "2026-11-3", "2026-11-30x"];
    for (const text of seq) {
      const got = parseDayBytes(bytes(`,${text},`), 1, text.length + 1);
      expect({ text, day: got, ms: lastInstantMs() }).toEqual({ text, ...reference(text) });
    }
  });

  it("reads past spaces and tabs around a date or date-time, as around a number; not inside it", () => {
    // `A, 2026-11-11,160` was bad_date while `A,2026-11-11, 160` gave 160.
    for (const text of [" 2026-11-11", "2026-11-11 ", "\t2026-11-11\t", "  2026-11-11T08:00Z  "]) {
      expect(parseDayBytes(bytes(`,${text},`), 1, text.length + 1), JSON.stringify(text)).toBe(reference(text.trim()).day);
      expect(parseDayString(text), JSON.stringify(text)).toBe(reference(text.trim()).day);
    }
    expect(reference("2026-11-11").day).not.toBe(NO_DAY);
    for (const text of ["2026 -11-11", "2026-11-11 T08:00Z", "   ", " 2026-11-1 "]) expect(parseDayString(text), JSON.stringify(text)).toBe(NO_DAY);
  });

  it("agrees with the reference over random sequences of repeated, changed and broken dates", () => {
    let s = 12345;
    const rnd = (n: number) => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) % n);
    const pad = (v: number, w: number) => String(v).padStart(w, "0");
    let text = "2026-11-30";
    for (let i = 0; i < 20_000; i++) {
      const pick = rnd(10);
      if (pick < 5) {
        // the same text again
      } else if (pick < 8) {
        text = `${pad(1990 + rnd(50), 4)}-${pad(rnd(14), 2)}-${pad(rnd(33), 2)}`;
      } else if (pick === 8) {
        text = `${text.slice(0, 10)}T${pad(rnd(26), 2)}:${pad(rnd(61), 2)}${["", "Z", "+02:00", "-11:30"][rnd(4)]}`;
      } else {
        const at = rnd(10);
        text = `${text.slice(0, at)}${"x-9/"[rnd(4)]}${text.slice(at + 1, 10)}`;
      }
      const buf = bytes(`M-1,${text},7`);
      const got = parseDayBytes(buf, 4, 4 + text.length);
      const want = reference(text);
      if (got !== want.day || !Object.is(lastInstantMs(), want.ms)) expect({ i, text, got, ms: lastInstantMs() }).toEqual({ i, text, got: want.day, ms: want.ms });
      expect(parseDayString(text)).toBe(want.day);
    }
  });
});

describe("fractions of a second and leap seconds never carry a reading into the next day", () => {
  const bytes = (text: string) => new TextEncoder().encode(text);
  it("in a zone away from UTC: .9999999 (.NET's end of day) and 23:59:60 stay on their day", () => {
    const before = timeZone().name;
    useTimeZone(parseTimeZone("Europe/Berlin"));
    try {
      const day = (text: string) => parseDayBytes(bytes(text), 0, text.length);
      const oct31 = parseDayString("2026-10-31");
      // Audit: these were dated 11-01 (the instant summed to 999.9999... ms and rounded up).
      expect(day("2026-10-31T23:59:59.9999999+01:00")).toBe(oct31);
      expect(day("2026-10-31T22:59:59.999999999Z")).toBe(oct31);
      expect(day("2026-10-31T23:59:59.9999999")).toBe(oct31);
      // A leap second ends its own minute (22:59:60Z is 23:59:60 in Berlin, still 10-31).
      expect(day("2026-10-31T22:59:60Z")).toBe(oct31);
      expect(day("2026-10-31T23:00:00Z")).toBe(oct31 + 1);
      expect(day("2026-10-31T23:59:59.999+01:00")).toBe(oct31);
    } finally {
      useTimeZone(parseTimeZone(before));
    }
  });
});

describe("a date-time whose day in the zone lies outside 0000-01-01 to 9999-12-31", () => {
  const bytes = (text: string) => new TextEncoder().encode(text);
  it("is NO_DAY, as a date of such a year is: YYYY-MM-DD cannot write it", () => {
    const before = timeZone().name;
    try {
      // Register audit: 0000-01-01T00:30:00+01:00 in UTC is 31 December of year -1, billed as "00-1-12-31".
      const early: Array<[string, string[]]> = [["UTC", ["0000-01-01T00:30:00+01:00"]], ["-05:00", ["0000-01-01T02:00:00Z", "0000-01-01T00:30:00+01:00"]],
        ["America/New_York", ["0000-01-01T02:00:00Z"]]];
      for (const [zone, texts] of early) {
        useTimeZone(parseTimeZone(zone));
        for (const text of texts) {
          expect(parseDayBytes(bytes(text), 0, text.length), `${text} in ${zone}`).toBe(NO_DAY);
          expect(Number.isNaN(lastInstantMs()), `${text} in ${zone}`).toBe(true);
        }
        expect(parseDayString("0000-01-01T12:00:00Z"), zone).toBe(parseDayString("0000-01-01"));
      }
      for (const zone of ["UTC", "+05:00", "Asia/Tokyo"]) {
        useTimeZone(parseTimeZone(zone));
        expect(parseDayString("9999-12-31T23:30:00-01:00"), zone).toBe(NO_DAY);
        expect(parseDayString("9999-12-31T00:00:00Z"), zone).toBe(parseDayString("9999-12-31"));
      }
    } finally {
      useTimeZone(parseTimeZone(before));
    }
  });
});
