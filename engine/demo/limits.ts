// The smallest demo: the fleet and period that hold every planted scenario (a case per kind
// needs its own meters, and back-dated, late and exchanged readings need days around them).
// A module of its own so `meterflow demo --help` states them without loading the generators.

/** Fewest meters `meterflow demo --meters` accepts. */
export const MIN_METERS = 100;
/** Fewest days `meterflow demo --days` accepts. */
export const MIN_DAYS = 14;
