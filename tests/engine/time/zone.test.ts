// Time zones days are counted in: UTC, fixed offsets and IANA zones across daylight-saving
// changes (Europe/Berlin: 2026-03-29 02:00 -> 03:00, 2026-10-25 03:00 -> 02:00; America/New_York;
// Australia/Lord_Howe's half-hour change), checked against Intl's own wall clock.
import { describe, expect, it } from "vitest";
import { dayFromCivil, parseTimeZone, TimeZoneError, UTC_ZONE } from "../../../engine/time/index.js";

const H = 3_600_000;
const DAY = 86_400_000;
const at = (iso: string) => Date.parse(iso);

/** The wall clock of `ms` in `zone` as Intl shows it, as ms since 1970 on that clock. */
function intlWall(zone: string, ms: number): number {
  const f = new Intl.DateTimeFormat("en-US", { timeZone: zone, hourCycle: "h23", year: "numeric", month: "numeric", day: "numeric", hour: "numeric", minute: "numeric", second: "numeric" });
  const p = Object.fromEntries(f.formatToParts(ms).filter((x) => x.type !== "literal").map((x) => [x.type, Number(x.value)]));
  return Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second) + (ms % 1000);
}

describe("parseTimeZone", () => {
  it("names UTC, fixed offsets and IANA zones canonically", () => {
    for (const text of ["UTC", "utc", "Z", "GMT", "Etc/UTC", "+00:00", "-0000"]) expect(parseTimeZone(text)).toBe(UTC_ZONE);
    expect(parseTimeZone("+01:00").name).toBe("+01:00");
    expect(parseTimeZone("-0530").name).toBe("-05:30");
    expect(parseTimeZone("europe/berlin").name).toBe("Europe/Berlin");
  });

  it("refuses what names no zone, with MF_ERR_TIME_ZONE", () => {
    for (const text of ["Mars/Olympus", "", "+25:00", "+01:60", "1", "CEST+1"]) {
      expect(() => parseTimeZone(text), text).toThrow(TimeZoneError);
      expect(() => parseTimeZone(text), text).toThrow(expect.objectContaining({ code: "MF_ERR_TIME_ZONE" }));
    }
  });
});

describe("a zone's days", () => {
  it("UTC and fixed offsets", () => {
    expect(UTC_ZONE.dayOf(at("2026-11-30T23:59:59Z"))).toBe(dayFromCivil(2026, 11, 30));
    const plus1 = parseTimeZone("+01:00");
    expect(plus1.dayOf(at("2026-11-30T23:00:00Z"))).toBe(dayFromCivil(2026, 12, 1));
    expect(plus1.startOf(dayFromCivil(2026, 12, 1))).toBe(at("2026-11-30T23:00:00Z"));
    expect(parseTimeZone("-05:00").instantOf(Date.UTC(2026, 10, 30, 20))).toBe(at("2026-12-01T01:00:00Z"));
  });

  it("Europe/Berlin across its changes: 23- and 25-hour days, skipped and repeated wall times", () => {
    const berlin = parseTimeZone("Europe/Berlin");
    expect(berlin.dayOf(at("2026-11-30T23:30:00Z"))).toBe(dayFromCivil(2026, 12, 1));
    expect(berlin.dayOf(at("2026-11-30T22:59:59.999Z"))).toBe(dayFromCivil(2026, 11, 30));
    expect(berlin.dayOf(at("2026-06-30T22:00:00Z"))).toBe(dayFromCivil(2026, 7, 1));
    expect(berlin.dayOf(at("2026-06-30T21:59:59Z"))).toBe(dayFromCivil(2026, 6, 30));
    const spring = dayFromCivil(2026, 3, 29);
    expect(berlin.startOf(spring + 1) - berlin.startOf(spring)).toBe(23 * H);
    const fall = dayFromCivil(2026, 10, 25);
    expect(berlin.startOf(fall + 1) - berlin.startOf(fall)).toBe(25 * H);
    expect(berlin.offsetMs(at("2026-03-29T00:59:00Z"))).toBe(H);
    expect(berlin.offsetMs(at("2026-03-29T01:00:00Z"))).toBe(2 * H);
    // 02:30 on the spring day was never shown: taken with the offset before the change.
    expect(berlin.instantOf(Date.UTC(2026, 2, 29, 2, 30))).toBe(at("2026-03-29T01:30:00Z"));
    // 02:30 on the fall day was shown twice: the first.
    expect(berlin.instantOf(Date.UTC(2026, 9, 25, 2, 30))).toBe(at("2026-10-25T00:30:00Z"));
  });

  it("agrees with Intl's wall clock, instant by instant, over years of changes", () => {
    for (const name of ["Europe/Berlin", "America/New_York", "Australia/Lord_Howe", "Asia/Kathmandu", "America/Sao_Paulo"]) {
      const zone = parseTimeZone(name);
      let seed = 7;
      const next = () => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31;
      for (let i = 0; i < 3000; i++) {
        const ms = Math.floor(at("2015-01-01T00:00:00Z") + next() * 15 * 365 * DAY);
        const wall = intlWall(name, ms);
        expect(zone.offsetMs(ms), `${name} ${new Date(ms).toISOString()}`).toBe(wall - ms);
        expect(zone.dayOf(ms)).toBe(Math.floor(wall / DAY));
        // Back from the wall clock: the same instant, or the first of a repeated wall time.
        const back = zone.instantOf(wall);
        expect(back + zone.offsetMs(back)).toBe(wall);
        expect(back === ms || (back < ms && ms - back <= 2 * 3_600_000)).toBe(true);
      }
    }
  });
});
