// Status codes of the pulse event kernel (assembly/util/flags.ts) and the error a bad one becomes.
import { KernelCallError } from "../../wasm/index.js";

export const STATUS_OK = 0;
/** Events not sorted by interval, then time (or an interval id past the intervals, or a time not finite). */
export const STATUS_UNSORTED = 3;

/** The KernelCallError for a status of pulseEvents (an unsorted input says so). */
export function pulseEventsError(status: number): KernelCallError {
  return new KernelCallError("pulseEvents", status);
}
