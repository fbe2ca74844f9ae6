// Reference implementation of assembly/consumption.ts in plain TypeScript: the specification
// the kernel is tested against bit for bit, and the fallback where WebAssembly is unavailable.
// Every arithmetic step is written in the same order as the kernel so results match exactly.
import { FLAG } from "../flags/flags.js";
import type { ConsumptionColumns } from "./columns.js";
import { inferDigits, MAX_DIGITS, pow10, ROLLOVER_MODE } from "./registers.js";

/** Computes rows [0, length) of `c` (DESIGN.md "Register meters", rules 1-6 and 8). */
export function computeConsumptionReference(c: ConsumptionColumns, length: number, maxWrapShare: number): void {
  const { prev: prevs, cur: curs, override: overrides, end: ends, prevEnd: prevEnds } = c;
  for (let i = 0; i < length; i++) {
    const prev = prevs[i];
    const endDay = ends[i];
    if (Number.isNaN(prev)) {
      // Rule 6: the first reading is the baseline.
      c.consumption[i] = 0;
      c.flags[i] = FLAG.initial;
      c.start[i] = endDay;
      c.days[i] = 0;
      c.daily[i] = 0;
      continue;
    }
    const cur = curs[i];
    const over = overrides[i];
    let value: number;
    let flags = 0;
    if (over === over) {
      // Rule 1: the override is the consumption, unscaled.
      value = over;
      flags = FLAG.override;
    } else if (cur >= prev) {
      // Rule 2.
      value = (cur - prev) * c.scale[i];
    } else {
      // Rules 3, 4 and 8.
      flags = FLAG.rollover;
      const reset = c.reset[i];
      let wrapAt: number;
      let range: number;
      if (reset === reset) {
        wrapAt = reset;
        range = reset;
      } else {
        let d = c.digits[i];
        if (d === 0) {
          d = inferDigits(prev);
          flags |= FLAG.rollover_inferred;
        } else if (d > MAX_DIGITS) {
          d = MAX_DIGITS;
        }
        range = pow10(d);
        wrapAt = c.mode[i] === ROLLOVER_MODE.modulus ? range : range - 1;
      }
      const raw = wrapAt - prev + cur;
      if (!(raw >= 0 && raw <= maxWrapShare * range)) flags |= FLAG.implausible_rollover;
      value = raw * c.scale[i];
    }
    if (value === 0) flags |= FLAG.zero;
    const prevEnd = prevEnds[i];
    const days = (endDay - prevEnd) | 0;
    c.consumption[i] = value;
    c.flags[i] = flags;
    c.start[i] = (prevEnd + 1) | 0;
    c.days[i] = days;
    c.daily[i] = value / days;
  }
}
