// Status codes of the pulse event kernel (assembly/util/flags.ts) and the error a bad one becomes.
import { KernelCallError } from "../../wasm/index.js";

export const STATUS_OK = 0;
/** Events not sorted by interval, then time (or an interval id past the intervals, or a time not finite). */
export const STATUS_UNSORTED = 3;

/** The KernelCallError for a status of pulseEvents; an unsorted input says so. */
export function pulseEventsError(status: number): KernelCallError {
  const error = new KernelCallError("pulseEvents", status);
  if (status === STATUS_UNSORTED) {
    // engine/wasm/errors.ts names statuses 1 and 2 only.
    error.message = 'kernel "pulseEvents" refused its arguments: events are not sorted by interval, then time ' +
      "(an interval id decreases or is not below the interval count, a time decreases within an interval, " +
      "or a time is NaN or infinite)";
  }
  return error;
}
