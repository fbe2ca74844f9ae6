// Memory floors for bench/: the least work a kernel over the same columns can do.
// memoryFloor reads every input column of the consumption kernel and writes every output
// column; commonPathFloor reads only the columns the kernel's common path reads. Each does one
// trivial operation per value so nothing is optimised away. Not used by the engine.

import { fits } from "./util/bounds";
import { STATUS_BAD_LENGTH, STATUS_OK, STATUS_OUT_OF_BOUNDS } from "./util/flags";

export function memoryFloor(
  n: i32, prev: usize, cur: usize, scale: usize, reset: usize, digits: usize, mode: usize,
  overrides: usize, prevEnd: usize, end: usize,
  outConsumption: usize, outFlags: usize, outStart: usize, outDays: usize, outDaily: usize,
): i32 {
  if (n < 0) return STATUS_BAD_LENGTH;
  if (!fits(outDaily, <u64>n << 3) || !fits(digits, <u64>n) || !fits(mode, <u64>n)) return STATUS_OUT_OF_BOUNDS;
  const count = <usize>n;
  let i: usize = 0;
  if (ASC_FEATURE_SIMD) {
    for (; i + 2 <= count; i += 2) {
      const o8 = i << 3, o4 = i << 2;
      const a = f64x2.add(v128.load(prev + o8), v128.load(reset + o8));
      const b = f64x2.add(v128.load(scale + o8), v128.load(overrides + o8));
      v128.store(outConsumption + o8, v128.load(cur + o8));
      v128.store(outDaily + o8, f64x2.add(a, b));
      const tags = i32x4.extend_low_i16x8_u(i16x8.extend_low_i8x16_u(
        i16x8.splat(load<u16>(digits + i) | load<u16>(mode + i)),
      ));
      v128.store64_lane(outFlags + o4, tags, 0);
      v128.store64_lane(outStart + o4, v128.load64_zero(prevEnd + o4), 0);
      v128.store64_lane(outDays + o4, v128.load64_zero(end + o4), 0);
    }
  }
  for (; i < count; i++) {
    const o8 = i << 3, o4 = i << 2;
    store<f64>(outConsumption + o8, load<f64>(cur + o8));
    store<f64>(outDaily + o8, (load<f64>(prev + o8) + load<f64>(reset + o8)) + (load<f64>(scale + o8) + load<f64>(overrides + o8)));
    store<u32>(outFlags + o4, <u32>(load<u8>(digits + i) | load<u8>(mode + i)));
    store<i32>(outStart + o4, load<i32>(prevEnd + o4));
    store<i32>(outDays + o4, load<i32>(end + o4));
  }
  return STATUS_OK;
}

export function commonPathFloor(
  n: i32, prev: usize, cur: usize, scale: usize, overrides: usize, prevEnd: usize, end: usize,
  outConsumption: usize, outFlags: usize, outStart: usize, outDays: usize, outDaily: usize,
): i32 {
  if (n < 0) return STATUS_BAD_LENGTH;
  if (!fits(outDaily, <u64>n << 3)) return STATUS_OUT_OF_BOUNDS;
  const count = <usize>n;
  let i: usize = 0;
  if (ASC_FEATURE_SIMD) {
    for (; i + 2 <= count; i += 2) {
      const o8 = i << 3, o4 = i << 2;
      v128.store(outConsumption + o8, f64x2.add(v128.load(cur + o8), v128.load(prev + o8)));
      v128.store(outDaily + o8, f64x2.add(v128.load(scale + o8), v128.load(overrides + o8)));
      const days = v128.load64_zero(end + o4);
      v128.store64_lane(outFlags + o4, days, 0);
      v128.store64_lane(outStart + o4, v128.load64_zero(prevEnd + o4), 0);
      v128.store64_lane(outDays + o4, days, 0);
    }
  }
  for (; i < count; i++) {
    const o8 = i << 3, o4 = i << 2;
    store<f64>(outConsumption + o8, load<f64>(cur + o8) + load<f64>(prev + o8));
    store<f64>(outDaily + o8, load<f64>(scale + o8) + load<f64>(overrides + o8));
    const days = load<i32>(end + o4);
    store<u32>(outFlags + o4, <u32>days);
    store<i32>(outStart + o4, load<i32>(prevEnd + o4));
    store<i32>(outDays + o4, days);
  }
  return STATUS_OK;
}
