// Reference implementation of assembly/pulses.ts in plain TypeScript: the specification the
// kernel is tested against bit for bit, and the fallback where WebAssembly is unavailable.
//
// Rules (strict comparisons, so a value exactly at its limit is legal; a comparison with NaN is
// false, so an unmeasured input or a NaN threshold never raises a fault):
//   open_circuit   loopMinMa < namurLowMa  or  tamperOpen > 0
//   short_circuit  loopMaxMa > namurHighMa  or  maxClosedMs > shortClosedMs
//   bounce         minOnMs < debounceMs  or  minOnMs < specMinOnMs  or  minGapMs < specMinGapMs
//   magnetic       tamperEvents > 0  or  count > maxPulses
//   leak           spanMin >= 1440  and  pulseFreeMaxMin < leakSlotMin
//   no_consumption count == 0  and  idleDays >= noPulseDays
//   backflow       reverseCount > 0
//   debounced = debouncedIn, or count when debouncedIn is NaN (without a debounced count a
//   summary cannot tell which pulses bounced; the bounce fault holds the row); the rules use
//   the raw count. consumption = debounced x weight.
import { FLAG } from "../flags/flags.js";
import type { PulseColumns } from "./columns.js";
import { DAY_MINUTES } from "./thresholds.js";

/** Computes rows [0, length) of `c`. */
export function computePulsesReference(c: PulseColumns, length: number): void {
  for (let i = 0; i < length; i++) {
    const count = c.count[i];
    const on = c.minOnMs[i];
    let f = 0;
    if (c.loopMinMa[i] < c.namurLowMa[i] || c.tamperOpen[i] > 0) f |= FLAG.open_circuit;
    if (c.loopMaxMa[i] > c.namurHighMa[i] || c.maxClosedMs[i] > c.shortClosedMs[i]) f |= FLAG.short_circuit;
    if (c.tamperEvents[i] > 0 || count > c.maxPulses[i]) f |= FLAG.magnetic;
    if (on < c.debounceMs[i] || on < c.specMinOnMs[i] || c.minGapMs[i] < c.specMinGapMs[i]) f |= FLAG.bounce;
    if (c.spanMin[i] >= DAY_MINUTES && c.pulseFreeMaxMin[i] < c.leakSlotMin[i]) f |= FLAG.leak;
    if (count === 0 && c.idleDays[i] >= c.noPulseDays[i]) f |= FLAG.no_consumption;
    if (c.reverseCount[i] > 0) f |= FLAG.backflow;
    const given = c.debouncedIn[i];
    const debounced = Number.isNaN(given) ? count : given;
    c.debounced[i] = debounced;
    c.consumption[i] = debounced * c.weight[i];
    c.faults[i] = f;
  }
}
