// Pulse interval kernel (DESIGN.md "Pulse meters and impulse-sensor faults", issue 5): bulk pulse
// consumption and impulse-sensor faults from interval summaries, as radio modules send them at
// the end of the day, or as assembly/pulse-events.ts derives them from raw pulse events.
//
// Columnar over caller-owned columns in linear memory, one row per meter and interval, all f64.
// NaN means "not measured" (inputs) or "rule off" (thresholds): a comparison with NaN is false,
// so a NaN never raises a fault.
//   inputs      count          raw pulses in the interval
//               debouncedIn    debounced pulses, where known (a module's own debounced count,
//                              or assembly/pulse-events.ts); NaN = not given
//               minOnMs        shortest pulse on-time (contact closed / NAMUR high)
//               minGapMs       shortest leading edge to leading edge time (one on + one off)
//               maxClosedMs    longest closed time
//               loopMinMa      lowest NAMUR loop current
//               loopMaxMa      highest NAMUR loop current
//               tamperOpen     > 0: the reed sensor's tamper (sabotage) loop was seen open
//               tamperEvents   magnetic events confirmed by the module (tamper-loop edge held
//                              over N consecutive samples, or magnetic sensor over threshold)
//               reverseCount   pulses counted with the direction input reversed
//               pulseFreeMaxMin longest pulse-free slot in the interval, minutes
//               spanMin        interval length, minutes
//               idleDays       days since the last pulse, this interval included
//   thresholds  weight         units per pulse
//               debounceMs     debounce time of the meter type
//               specMinOnMs    minimum legal on-time (S0, EN 62053-31: 30 ms)
//               specMinGapMs   minimum legal on + off time (S0: 30 + 30 = 60 ms)
//               shortClosedMs  longest plausible closed time (max(120 ms, k x nominal width))
//               namurLowMa     NAMUR open-line limit (0.4 mA)
//               namurHighMa    NAMUR short-line limit (5.85 mA)
//               maxPulses      most pulses the meter's Qmax allows in the interval
//               leakSlotMin    pulse-free slot that must occur within 24 hours
//               noPulseDays    days without pulses while consumption is expected
//   outputs     debounced f64, consumption f64, faults u32 (engine/flags bits)
//
// Rules, evaluated independently (strict comparisons: a value exactly at a limit is legal):
//   open_circuit   loopMinMa < namurLowMa  or  tamperOpen > 0
//   short_circuit  loopMaxMa > namurHighMa  or  maxClosedMs > shortClosedMs
//   bounce         minOnMs < debounceMs  or  minOnMs < specMinOnMs  or  minGapMs < specMinGapMs
//   magnetic       tamperEvents > 0  or  count > maxPulses (rate above the meter's maximum flow)
//   leak           spanMin >= 1440  and  pulseFreeMaxMin < leakSlotMin
//   no_consumption count == 0  and  idleDays >= noPulseDays
//   backflow       reverseCount > 0
//   debounced      = debouncedIn, or count when debouncedIn is NaN. Without a debounced count a
//                    summary cannot say which pulses bounced: a bounced row keeps its raw count
//                    and its bounce fault holds it from billing. The rules above use the raw
//                    count.
//   consumption    = debounced x weight
// The reference implementation is engine/pulses/reference.ts; the two agree bit for bit.
//
// The SIMD build computes two rows per step without a branch (every rule is a lane mask, the
// debounced choice a lane select);
// the scalar build, and the SIMD build's odd last row, use the scalar row.

import { fits } from "./util/bounds";
import { STATUS_BAD_LENGTH, STATUS_OK, STATUS_OUT_OF_BOUNDS } from "./util/flags";
import {
  DAY_MINUTES,
  FLAG_BACKFLOW,
  FLAG_BOUNCE,
  FLAG_LEAK,
  FLAG_MAGNETIC,
  FLAG_NO_CONSUMPTION,
  FLAG_OPEN_CIRCUIT,
  FLAG_SHORT_CIRCUIT,
} from "./util/pulses";

// Column pointers of the current call: set once at entry so the row function stays small.
let countCol: usize = 0;
let debouncedInCol: usize = 0;
let minOnCol: usize = 0;
let minGapCol: usize = 0;
let maxClosedCol: usize = 0;
let loopMinCol: usize = 0;
let loopMaxCol: usize = 0;
let tamperOpenCol: usize = 0;
let tamperEventsCol: usize = 0;
let reverseCol: usize = 0;
let pulseFreeCol: usize = 0;
let spanCol: usize = 0;
let idleCol: usize = 0;
let weightCol: usize = 0;
let debounceCol: usize = 0;
let specMinOnCol: usize = 0;
let specMinGapCol: usize = 0;
let shortClosedCol: usize = 0;
let namurLowCol: usize = 0;
let namurHighCol: usize = 0;
let maxPulsesCol: usize = 0;
let leakSlotCol: usize = 0;
let noPulseCol: usize = 0;
let debouncedCol: usize = 0;
let consumptionCol: usize = 0;
let faultsCol: usize = 0;

/**
 * Computes pulse interval rows [0, n). Returns STATUS_OK, or an error status without touching
 * memory when n is negative or a column does not fit in linear memory.
 */
export function pulseIntervals(
  n: i32,
  count: usize, debouncedIn: usize, minOnMs: usize, minGapMs: usize, maxClosedMs: usize,
  loopMinMa: usize, loopMaxMa: usize, tamperOpen: usize, tamperEvents: usize,
  reverseCount: usize, pulseFreeMaxMin: usize, spanMin: usize, idleDays: usize,
  weight: usize, debounceMs: usize, specMinOnMs: usize, specMinGapMs: usize,
  shortClosedMs: usize, namurLowMa: usize, namurHighMa: usize, maxPulses: usize,
  leakSlotMin: usize, noPulseDays: usize,
  outDebounced: usize, outConsumption: usize, outFaults: usize,
): i32 {
  if (n < 0) return STATUS_BAD_LENGTH;
  const n8 = <u64>n << 3;
  const n4 = <u64>n << 2;
  if (
    !fits(count, n8) || !fits(debouncedIn, n8) || !fits(minOnMs, n8) || !fits(minGapMs, n8) || !fits(maxClosedMs, n8) ||
    !fits(loopMinMa, n8) || !fits(loopMaxMa, n8) || !fits(tamperOpen, n8) || !fits(tamperEvents, n8) ||
    !fits(reverseCount, n8) || !fits(pulseFreeMaxMin, n8) || !fits(spanMin, n8) || !fits(idleDays, n8) ||
    !fits(weight, n8) || !fits(debounceMs, n8) || !fits(specMinOnMs, n8) || !fits(specMinGapMs, n8) ||
    !fits(shortClosedMs, n8) || !fits(namurLowMa, n8) || !fits(namurHighMa, n8) || !fits(maxPulses, n8) ||
    !fits(leakSlotMin, n8) || !fits(noPulseDays, n8) ||
    !fits(outDebounced, n8) || !fits(outConsumption, n8) || !fits(outFaults, n4)
  ) return STATUS_OUT_OF_BOUNDS;

  countCol = count; debouncedInCol = debouncedIn; minOnCol = minOnMs; minGapCol = minGapMs; maxClosedCol = maxClosedMs;
  loopMinCol = loopMinMa; loopMaxCol = loopMaxMa; tamperOpenCol = tamperOpen;
  tamperEventsCol = tamperEvents; reverseCol = reverseCount; pulseFreeCol = pulseFreeMaxMin;
  spanCol = spanMin; idleCol = idleDays;
  weightCol = weight; debounceCol = debounceMs; specMinOnCol = specMinOnMs;
  specMinGapCol = specMinGapMs; shortClosedCol = shortClosedMs; namurLowCol = namurLowMa;
  namurHighCol = namurHighMa; maxPulsesCol = maxPulses; leakSlotCol = leakSlotMin;
  noPulseCol = noPulseDays;
  debouncedCol = outDebounced; consumptionCol = outConsumption; faultsCol = outFaults;

  let i: usize = 0;
  const rows = <usize>n;
  if (ASC_FEATURE_SIMD) {
    const pairsEnd = rows & ~(<usize>1);
    const zero = f64x2.splat(0);
    for (; i < pairsEnd; i += 2) {
      const o8 = i << 3;
      const c = v128.load(count + o8);
      const on = v128.load(minOnMs + o8);
      const open = v128.or(
        f64x2.lt(v128.load(loopMinMa + o8), v128.load(namurLowMa + o8)),
        f64x2.gt(v128.load(tamperOpen + o8), zero),
      );
      const short = v128.or(
        f64x2.gt(v128.load(loopMaxMa + o8), v128.load(namurHighMa + o8)),
        f64x2.gt(v128.load(maxClosedMs + o8), v128.load(shortClosedMs + o8)),
      );
      const bounce = v128.or(
        v128.or(f64x2.lt(on, v128.load(debounceMs + o8)), f64x2.lt(on, v128.load(specMinOnMs + o8))),
        f64x2.lt(v128.load(minGapMs + o8), v128.load(specMinGapMs + o8)),
      );
      const magnetic = v128.or(
        f64x2.gt(v128.load(tamperEvents + o8), zero),
        f64x2.gt(c, v128.load(maxPulses + o8)),
      );
      const leak = v128.and(
        f64x2.ge(v128.load(spanMin + o8), f64x2.splat(DAY_MINUTES)),
        f64x2.lt(v128.load(pulseFreeMaxMin + o8), v128.load(leakSlotMin + o8)),
      );
      const idle = v128.and(f64x2.eq(c, zero), f64x2.ge(v128.load(idleDays + o8), v128.load(noPulseDays + o8)));
      const back = f64x2.gt(v128.load(reverseCount + o8), zero);
      // Each mask is all ones or all zeros per 64-bit lane: keep its bit, then OR them.
      let f = v128.and(open, i64x2.splat(FLAG_OPEN_CIRCUIT));
      f = v128.or(f, v128.and(short, i64x2.splat(FLAG_SHORT_CIRCUIT)));
      f = v128.or(f, v128.and(magnetic, i64x2.splat(FLAG_MAGNETIC)));
      f = v128.or(f, v128.and(bounce, i64x2.splat(FLAG_BOUNCE)));
      f = v128.or(f, v128.and(leak, i64x2.splat(FLAG_LEAK)));
      f = v128.or(f, v128.and(idle, i64x2.splat(FLAG_NO_CONSUMPTION)));
      f = v128.or(f, v128.and(back, i64x2.splat(FLAG_BACKFLOW)));
      const given = v128.load(debouncedIn + o8);
      const debounced = v128.bitselect(c, given, f64x2.ne(given, given)); // NaN lanes take count
      v128.store(outDebounced + o8, debounced);
      v128.store(outConsumption + o8, f64x2.mul(debounced, v128.load(weight + o8)));
      // Two i64 lanes -> their low i32 halves, stored as two u32.
      v128.store64_lane(outFaults + (i << 2), i32x4.shuffle(f, f, 0, 2, 0, 2), 0);
    }
  }
  for (; i < rows; i++) row(i);
  return STATUS_OK;
}

// @ts-ignore: decorator
@inline function at(col: usize, o8: usize): f64 {
  return load<f64>(col + o8);
}

function row(i: usize): void {
  const o8 = i << 3;
  const c = at(countCol, o8);
  const on = at(minOnCol, o8);
  let f: u32 = 0;
  if (at(loopMinCol, o8) < at(namurLowCol, o8) || at(tamperOpenCol, o8) > 0) f |= FLAG_OPEN_CIRCUIT;
  if (at(loopMaxCol, o8) > at(namurHighCol, o8) || at(maxClosedCol, o8) > at(shortClosedCol, o8)) f |= FLAG_SHORT_CIRCUIT;
  if (at(tamperEventsCol, o8) > 0 || c > at(maxPulsesCol, o8)) f |= FLAG_MAGNETIC;
  if (on < at(debounceCol, o8) || on < at(specMinOnCol, o8) || at(minGapCol, o8) < at(specMinGapCol, o8)) f |= FLAG_BOUNCE;
  if (at(spanCol, o8) >= DAY_MINUTES && at(pulseFreeCol, o8) < at(leakSlotCol, o8)) f |= FLAG_LEAK;
  if (c == 0 && at(idleCol, o8) >= at(noPulseCol, o8)) f |= FLAG_NO_CONSUMPTION;
  if (at(reverseCol, o8) > 0) f |= FLAG_BACKFLOW;
  const given = at(debouncedInCol, o8);
  const debounced = select<f64>(c, given, given != given);
  store<f64>(debouncedCol + o8, debounced);
  store<f64>(consumptionCol + o8, debounced * at(weightCol, o8));
  store<u32>(faultsCol + (i << 2), f);
}
