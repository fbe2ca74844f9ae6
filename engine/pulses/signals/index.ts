// Deterministic synthetic pulse signals for tests, the benchmark and `meterflow demo`: raw pulse
// events and line samples of one channel-day (generateChannelDay) or of a whole fleet at once
// (generateFleet), each with the pulse faults it must raise.
export { generateChannelDay } from "./day.js";
export { FLEET_DEFAULTS, generateFleet } from "./fleet.js";
export { DEFAULT_SENSOR, expectedFaults, SENSORS, SIGNAL_KINDS } from "./kinds.js";
export { DAY_MS, maxFlowPerHour, SIGNAL_DEFAULTS } from "./options.js";
export { DAILY_PROFILE } from "./profile.js";
export type { LineSamples, PulseEvents } from "./columns.js";
export type { ChannelDay } from "./day.js";
export type { Fleet, FleetEvents, FleetIntervals, FleetOptions, FleetSamples } from "./fleet.js";
export type { FaultName, Sensor, SignalKind } from "./kinds.js";
export type { ChannelDayOptions } from "./options.js";
