// Entry of the kernels module: one .wasm per build (SIMD and scalar) with every kernel.

export { consumption } from "./consumption";
export { commonPathFloor, memoryFloor } from "./floor";
export { pulseEvents, pulseEventsFloor } from "./pulse-events";
export { pulseIntervals } from "./pulses";
export {
  FLAG_IMPLAUSIBLE_ROLLOVER,
  FLAG_INITIAL,
  FLAG_OVERRIDE,
  FLAG_ROLLOVER,
  FLAG_ROLLOVER_INFERRED,
  FLAG_ZERO,
  MODE_DOCUMENTED,
  MODE_MODULUS,
  STATUS_BAD_LENGTH,
  STATUS_OK,
  STATUS_OUT_OF_BOUNDS,
  STATUS_UNSORTED,
} from "./util/flags";

/** First free byte after the module's static data: callers lay their columns out from here. */
export function heapBase(): usize {
  return __heap_base;
}
