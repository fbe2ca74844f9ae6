// One f64 held as a lane type T: a plain f64 (scalar build) or the same f64 in both lanes of an
// f64x2 (SIMD build). Sequential kernels are written once over T: in the SIMD build min, max and
// select are single branch-free instructions, where V8 compiles an f64 `select` or f64.min/max
// to compare-and-branch sequences. Every helper computes the same value, bit for bit, either way.

// @ts-ignore: decorator
@inline export function splat<T>(x: f64): T {
  if (isVector<T>()) return f64x2.splat(x);
  else return x;
}

/** The f64 at `ptr`. */
// @ts-ignore: decorator
@inline export function loadLane<T>(ptr: usize): T {
  if (isVector<T>()) return v128.load64_splat(ptr);
  else return load<f64>(ptr);
}

/** The value back as an f64. */
// @ts-ignore: decorator
@inline export function lane<T>(x: T): f64 {
  if (isVector<T>()) return f64x2.extract_lane(x, 0);
  else return x;
}

// @ts-ignore: decorator
@inline export function add<T>(a: T, b: T): T {
  if (isVector<T>()) return f64x2.add(a, b);
  else return a + b;
}

// @ts-ignore: decorator
@inline export function sub<T>(a: T, b: T): T {
  if (isVector<T>()) return f64x2.sub(a, b);
  else return a - b;
}

/**
 * `x < acc ? x : acc` (WebAssembly f64x2.pmin): a NaN `x` and a tie keep `acc`, so an
 * accumulator started at +Infinity skips NaN. engine/pulses/events/reference.ts has the twin.
 */
// @ts-ignore: decorator
@inline export function minKeep<T>(acc: T, x: T): T {
  if (isVector<T>()) return f64x2.pmin(acc, x);
  else return select<f64>(x, acc, x < acc);
}

/** `x > acc ? x : acc` (WebAssembly f64x2.pmax): a NaN `x` and a tie keep `acc`. */
// @ts-ignore: decorator
@inline export function maxKeep<T>(acc: T, x: T): T {
  if (isVector<T>()) return f64x2.pmax(acc, x);
  else return select<f64>(x, acc, x > acc);
}
