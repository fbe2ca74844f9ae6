// The time zone calendar days are counted in (DESIGN.md: "Period arithmetic is in calendar days
// (UTC unless configured)"): UTC, a fixed offset such as `+01:00`, or an IANA name such as
// `Europe/Berlin` with its daylight-saving changes. A zone answers three questions: the day of an
// instant (a date-time with an offset), the instant of a wall-clock time (a date-time without
// one), and when a day starts (a day is 23 or 25 hours long across a change).
// IANA offsets come from the runtime's time zone data (Intl), one look-up per UTC day seen: a
// day's offset is asked at its two ends, and only a day where they differ is searched for the
// minute of its change (every change of the tz database falls on a whole minute).
import { MeterflowError } from "../errors.js";

const DAY_MS = 86_400_000;
const MINUTE_MS = 60_000;

/** A time zone days are counted in. */
export interface TimeZone {
  /** Its canonical name: `UTC`, `+01:00`, or the IANA name (`Europe/Berlin`). */
  readonly name: string;
  /** Its offset from UTC at the instant `ms` (ms since 1970-01-01T00:00Z), in ms. */
  offsetMs(ms: number): number;
  /** The calendar day (days since 1970-01-01) the instant `ms` falls on in the zone. */
  dayOf(ms: number): number;
  /**
   * The instant of the wall-clock time `wallMs` (ms since 1970-01-01T00:00 on the zone's clock).
   * A time the clock skipped (spring forward) is taken with the offset before the change, a time
   * it showed twice (fall back) as the first of the two.
   */
  instantOf(wallMs: number): number;
  /** The instant the calendar day `day` starts in the zone (its local midnight). */
  startOf(day: number): number;
}

/** A time zone name that is neither UTC, a fixed offset nor a zone of the time zone database. */
export class TimeZoneError extends MeterflowError {
  override name = "TimeZoneError";
  constructor(text: string) {
    super("MF_ERR_TIME_ZONE", `unknown time zone ${JSON.stringify(text)}: give UTC, an offset such as +01:00, or an IANA name such as Europe/Berlin`);
  }
}

/** A zone whose offset never changes (UTC, `+01:00`). */
class FixedZone implements TimeZone {
  readonly name: string;
  readonly #offset: number;
  constructor(name: string, offsetMs: number) {
    this.name = name;
    this.#offset = offsetMs;
  }
  offsetMs(): number {
    return this.#offset;
  }
  dayOf(ms: number): number {
    return Math.floor((ms + this.#offset) / DAY_MS);
  }
  instantOf(wallMs: number): number {
    return wallMs - this.#offset;
  }
  startOf(day: number): number {
    return day * DAY_MS - this.#offset;
  }
}

/** A UTC day's offsets: `before` until the instant `at`, `after` from it (at = Infinity: no change that day). */
interface DayOffsets {
  before: number;
  after: number;
  at: number;
}

/** Instants outside these years are looked up at the nearest of them (the tz data says nothing reliable there). */
const FIRST_MS = Date.UTC(1900, 0, 1);
const LAST_MS = Date.UTC(2200, 0, 1) - 1;

/** A zone of the time zone database, its offsets read through Intl and kept per UTC day. */
class IanaZone implements TimeZone {
  readonly name: string;
  readonly #format: Intl.DateTimeFormat;
  readonly #days = new Map<number, DayOffsets>();
  #lastDay = Number.NaN;
  #last: DayOffsets = { before: 0, after: 0, at: Infinity };

  constructor(name: string, format: Intl.DateTimeFormat) {
    this.name = name;
    this.#format = format;
  }

  offsetMs(ms: number): number {
    const day = Math.floor(ms / DAY_MS);
    if (day !== this.#lastDay) {
      let offsets = this.#days.get(day);
      if (offsets === undefined) this.#days.set(day, (offsets = this.#offsetsOn(day)));
      this.#lastDay = day;
      this.#last = offsets;
    }
    return ms < this.#last.at ? this.#last.before : this.#last.after;
  }

  dayOf(ms: number): number {
    return Math.floor((ms + this.offsetMs(ms)) / DAY_MS);
  }

  instantOf(wallMs: number): number {
    // The offset in force a day before and after the wall time brackets any change near it.
    const early = wallMs - this.offsetMs(wallMs - DAY_MS);
    const late = wallMs - this.offsetMs(wallMs + DAY_MS);
    const first = Math.min(early, late);
    if (first + this.offsetMs(first) === wallMs) return first;
    const second = Math.max(early, late);
    if (second + this.offsetMs(second) === wallMs) return second;
    // Skipped by the clock: with the offset before the change.
    return wallMs - this.offsetMs(wallMs - DAY_MS);
  }

  startOf(day: number): number {
    return this.instantOf(day * DAY_MS);
  }

  #offsetsOn(day: number): DayOffsets {
    const from = day * DAY_MS;
    const to = from + DAY_MS - MINUTE_MS;
    const before = this.#read(from);
    const after = this.#read(to);
    if (before === after) return { before, after, at: Infinity };
    // The first minute of the day with the later offset.
    let lo = from;
    let hi = to;
    while (hi - lo > MINUTE_MS) {
      const mid = lo + Math.floor((hi - lo) / 2 / MINUTE_MS) * MINUTE_MS;
      if (this.#read(mid) === before) lo = mid;
      else hi = mid;
    }
    return { before, after, at: hi };
  }

  /** The offset at `ms` as the zone's wall clock shows it, to the second. */
  #read(ms: number): number {
    const at = Math.min(LAST_MS, Math.max(FIRST_MS, ms));
    const p: Record<string, number> = {};
    for (const part of this.#format.formatToParts(at)) if (part.type !== "literal") p[part.type] = Number(part.value);
    const wall = Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second);
    return wall - (at - (((at % 1000) + 1000) % 1000));
  }
}

/** Days counted in UTC: the default. */
export const UTC_ZONE: TimeZone = new FixedZone("UTC", 0);

const OFFSET = /^([+-])(\d{2}):?(\d{2})$/;

/**
 * The zone `text` names: `UTC` (also `Z`, `GMT`, `Etc/UTC`), a fixed offset `+HH:MM` (or `+HHMM`,
 * up to 18 hours), or an IANA name (any case). Throws TimeZoneError (`MF_ERR_TIME_ZONE`).
 */
export function parseTimeZone(text: string): TimeZone {
  const trimmed = text.trim();
  if (/^(z|utc|gmt|etc\/utc|etc\/gmt)$/i.test(trimmed)) return UTC_ZONE;
  const fixed = OFFSET.exec(trimmed);
  if (fixed !== null) {
    const hours = Number(fixed[2]);
    const minutes = Number(fixed[3]);
    if (hours > 18 || minutes > 59 || (hours === 18 && minutes > 0)) throw new TimeZoneError(text);
    const offset = (fixed[1] === "-" ? -1 : 1) * (hours * 60 + minutes) * MINUTE_MS;
    return offset === 0 ? UTC_ZONE : new FixedZone(`${fixed[1]}${fixed[2]}:${fixed[3]}`, offset);
  }
  let format: Intl.DateTimeFormat;
  try {
    format = new Intl.DateTimeFormat("en-US", {
      timeZone: trimmed, hourCycle: "h23", year: "numeric", month: "numeric", day: "numeric", hour: "numeric", minute: "numeric", second: "numeric",
    });
  } catch {
    throw new TimeZoneError(text);
  }
  const name = format.resolvedOptions().timeZone;
  return name === "UTC" ? UTC_ZONE : new IanaZone(name, format);
}
