// Calendar-day arithmetic used for reading periods, and the time zone days are counted in.
export { useTimeZone, timeZone, today } from "./current.js";
export { dayFromCivil, formatDay, parseDay } from "./day.js";
export { parseTimeZone, TimeZoneError, UTC_ZONE } from "./zone.js";
export type { TimeZone } from "./zone.js";
