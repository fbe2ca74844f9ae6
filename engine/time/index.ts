// Calendar-day arithmetic used for reading periods.
export { dayFromCivil, formatDay, parseDay } from "./day.js";
