// Register consumption kernel (DESIGN.md "Register meters", rules 1-6 and 8).
//
// Columnar over caller-owned columns in linear memory, one row per reading:
//   inputs   prev f64 (NaN = no previous reading: initial), cur f64, scale f64,
//            reset f64 (NaN = none), digits u8 (0 = infer), mode u8 (0 documented, 1 modulus),
//            override f64 (NaN = none), prevEnd i32 (day number), end i32 (day number)
//   outputs  consumption f64, flags u32, start i32 (day number), days i32, daily f64
// The reference implementation is engine/consumption/reference.ts; the two agree bit for bit.
//
// The SIMD build computes the common path (no override, cur >= prev) two rows at a time with
// no branch, then recomputes the rows that left it with the scalar row, which the scalar build
// uses throughout.

import { fits } from "./util/bounds";
import {
  FLAG_IMPLAUSIBLE_ROLLOVER,
  FLAG_INITIAL,
  FLAG_OVERRIDE,
  FLAG_ROLLOVER,
  FLAG_ROLLOVER_INFERRED,
  FLAG_ZERO,
  MODE_MODULUS,
  STATUS_BAD_LENGTH,
  STATUS_OK,
  STATUS_OUT_OF_BOUNDS,
} from "./util/flags";
import { inferDigits, MAX_DIGITS, pow10 } from "./util/registers";

// Column pointers of the current call: set once at entry so the row function stays small.
let prevCol: usize = 0;
let curCol: usize = 0;
let scaleCol: usize = 0;
let resetCol: usize = 0;
let digitsCol: usize = 0;
let modeCol: usize = 0;
let overrideCol: usize = 0;
let prevEndCol: usize = 0;
let endCol: usize = 0;
let consumptionCol: usize = 0;
let flagsCol: usize = 0;
let startCol: usize = 0;
let daysCol: usize = 0;
let dailyCol: usize = 0;
let wrapShare: f64 = 0.5;

/**
 * Computes consumption for rows [0, n). Returns STATUS_OK, or an error status without
 * touching memory when n is negative or a column does not fit in linear memory.
 */
export function consumption(
  n: i32,
  prev: usize,
  cur: usize,
  scale: usize,
  reset: usize,
  digits: usize,
  mode: usize,
  overrides: usize,
  prevEnd: usize,
  end: usize,
  outConsumption: usize,
  outFlags: usize,
  outStart: usize,
  outDays: usize,
  outDaily: usize,
  maxWrapShare: f64,
): i32 {
  if (n < 0) return STATUS_BAD_LENGTH;
  const n8 = <u64>n << 3;
  const n4 = <u64>n << 2;
  const n1 = <u64>n;
  if (
    !fits(prev, n8) || !fits(cur, n8) || !fits(scale, n8) || !fits(reset, n8) ||
    !fits(digits, n1) || !fits(mode, n1) || !fits(overrides, n8) ||
    !fits(prevEnd, n4) || !fits(end, n4) ||
    !fits(outConsumption, n8) || !fits(outFlags, n4) || !fits(outStart, n4) ||
    !fits(outDays, n4) || !fits(outDaily, n8)
  ) return STATUS_OUT_OF_BOUNDS;

  prevCol = prev; curCol = cur; scaleCol = scale; resetCol = reset;
  digitsCol = digits; modeCol = mode; overrideCol = overrides;
  prevEndCol = prevEnd; endCol = end;
  consumptionCol = outConsumption; flagsCol = outFlags; startCol = outStart;
  daysCol = outDays; dailyCol = outDaily;
  wrapShare = maxWrapShare;

  let i: usize = 0;
  const count = <usize>n;
  if (ASC_FEATURE_SIMD) {
    // Blocks of up to 64 rows: every pair takes the common path without a branch, and the
    // rows that left it are recomputed by the scalar row afterwards, found by their mask bits.
    const pairsEnd = count & ~(<usize>1);
    while (i < pairsEnd) {
      const blockEnd = min(i + 64, pairsEnd);
      let slow: u64 = 0;
      for (let j = i; j < blockEnd; j += 2) {
        const o8 = j << 3;
        const o4 = j << 2;
        const p = v128.load(prev + o8);
        const c = v128.load(cur + o8);
        const over = v128.load(overrides + o8);
        // Common path: no override (NaN) and cur >= prev (false when either is NaN: initial).
        const common = v128.and(f64x2.ge(c, p), f64x2.ne(over, over));
        slow |= <u64>(i64x2.bitmask(common) ^ 3) << (j - i);
        const value = f64x2.mul(f64x2.sub(c, p), v128.load(scale + o8));
        const zero = f64x2.eq(value, f64x2.splat(0));
        // i64 lane masks -> two i32 lanes, then keep the zero bit.
        const flags = v128.and(i32x4.shuffle(zero, zero, 0, 2, 0, 2), i32x4.splat(FLAG_ZERO));
        const pe = v128.load64_zero(prevEnd + o4);
        const days = i32x4.sub(v128.load64_zero(end + o4), pe);
        v128.store(outConsumption + o8, value);
        v128.store64_lane(outFlags + o4, flags, 0);
        v128.store64_lane(outStart + o4, i32x4.add(pe, i32x4.splat(1)), 0);
        v128.store64_lane(outDays + o4, days, 0);
        v128.store(outDaily + o8, f64x2.div(value, f64x2.convert_low_i32x4_s(days)));
      }
      while (slow != 0) {
        row(i + <usize>ctz(slow));
        slow &= slow - 1;
      }
      i = blockEnd;
    }
  }
  for (; i < count; i++) row(i);
  return STATUS_OK;
}

function row(i: usize): void {
  const o8 = i << 3;
  const o4 = i << 2;
  const prev = load<f64>(prevCol + o8);
  const endDay = load<i32>(endCol + o4);
  if (isNaN(prev)) {
    // Rule 6: the first reading is the baseline.
    store<f64>(consumptionCol + o8, 0);
    store<u32>(flagsCol + o4, FLAG_INITIAL);
    store<i32>(startCol + o4, endDay);
    store<i32>(daysCol + o4, 0);
    store<f64>(dailyCol + o8, 0);
    return;
  }
  const cur = load<f64>(curCol + o8);
  const over = load<f64>(overrideCol + o8);
  let value: f64;
  let flags: u32 = 0;
  if (over == over) {
    // Rule 1: the override is the consumption, unscaled.
    value = over;
    flags = FLAG_OVERRIDE;
  } else if (cur >= prev) {
    // Rule 2.
    value = (cur - prev) * load<f64>(scaleCol + o8);
  } else {
    // Rules 3, 4 and 8.
    flags = FLAG_ROLLOVER;
    const reset = load<f64>(resetCol + o8);
    let wrapAt: f64;
    let range: f64;
    if (reset == reset) {
      wrapAt = reset;
      range = reset;
    } else {
      let d = <i32>load<u8>(digitsCol + i);
      if (d == 0) {
        d = inferDigits(prev);
        flags |= FLAG_ROLLOVER_INFERRED;
      } else if (d > MAX_DIGITS) {
        d = MAX_DIGITS;
      }
      range = pow10(d);
      wrapAt = load<u8>(modeCol + i) == MODE_MODULUS ? range : range - 1;
    }
    const raw = wrapAt - prev + cur;
    if (!(raw >= 0 && raw <= wrapShare * range)) flags |= FLAG_IMPLAUSIBLE_ROLLOVER;
    value = raw * load<f64>(scaleCol + o8);
  }
  if (value == 0) flags |= FLAG_ZERO;
  const prevEnd = load<i32>(prevEndCol + o4);
  const days = endDay - prevEnd;
  store<f64>(consumptionCol + o8, value);
  store<u32>(flagsCol + o4, flags);
  store<i32>(startCol + o4, prevEnd + 1);
  store<i32>(daysCol + o4, days);
  store<f64>(dailyCol + o8, value / <f64>days);
}
