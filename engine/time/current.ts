// The zone this thread counts days in: set once a command knows it (its store's, engine/store
// open), and in every thread it starts (their inputs carry its name). UTC until set.
import { UTC_ZONE } from "./zone.js";
import type { TimeZone } from "./zone.js";

let current: TimeZone = UTC_ZONE;

/** Counts days in `zone` from now on, in this thread. */
export function useTimeZone(zone: TimeZone): void {
  current = zone;
}

/** The zone this thread counts days in. */
export function timeZone(): TimeZone {
  return current;
}

/** Today's day number in this thread's zone (days since 1970-01-01). */
export function today(): number {
  return current.dayOf(Date.now());
}
