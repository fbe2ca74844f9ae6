// Operator operations over the store, shared by the CLI (`meterflow held`, `meterflow temp-bad`)
// and the control API: temp_bad flags, held readings listed and released, batches of one.
export { OperationError, unknownMeter } from "./errors.js";
export type { OperationErrorCode } from "./errors.js";
export { listHeld, releaseHeld } from "./held.js";
export type { HeldPage, ReleaseRequest, ReleaseResult } from "./held.js";
export { enterManualReading } from "./manual.js";
export type { ManualReading, ManualResult } from "./manual.js";
export { OperationSession } from "./session.js";
export type { OperationsOptions, SingleDecision, SingleReading } from "./session.js";
export { clearTempBad, listTempBad, setTempBad } from "./temp-bad.js";
export type { FlagChange, FlagSet } from "./temp-bad.js";
