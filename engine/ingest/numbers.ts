// Numbers from bytes without creating strings: plain decimals (12345, 12.5, -3, 1e3) are
// parsed in place with results identical to Number(); anything unusual takes the string path.
// Result convention: a finite number, NaN for "not a number" (empty, garbage) and Infinity for
// a non-finite spelling (NaN, Infinity, inf) or an overflow (1e400).

/** Exact powers of ten: a mantissa below 2^53 times or over one of these rounds once, like Number(). */
const POW10 = [
  1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20,
  1e21, 1e22,
];
const DECIMAL = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
const NON_FINITE = /^[+-]?(?:nan|inf|infinity)$/i;
const latin1 = new TextDecoder("latin1");
const utf8 = new TextDecoder("utf-8");

/** Parses a number from `buf[start, end)` (see the file header for the result convention). */
export function parseNumberBytes(buf: Uint8Array, start: number, end: number): number {
  let i = start;
  if (i === end) return Number.NaN;
  let negative = false;
  let c = buf[i];
  if (c === 45) {
    negative = true;
    i++;
  } else if (c === 43) {
    i++;
  }
  let mantissa = 0;
  const intStart = i;
  while (i < end) {
    const d = buf[i] - 48;
    if (d < 0 || d > 9) break;
    mantissa = mantissa * 10 + d;
    i++;
  }
  let digits = i - intStart;
  let fraction = 0;
  if (i < end && buf[i] === 46) {
    i++;
    const fracStart = i;
    while (i < end) {
      const d = buf[i] - 48;
      if (d < 0 || d > 9) break;
      mantissa = mantissa * 10 + d;
      i++;
    }
    fraction = i - fracStart;
    digits += fraction;
  }
  if (digits === 0 || digits > 15) return slow(buf, start, end);
  let exponent = 0;
  if (i < end) {
    c = buf[i];
    if (c !== 101 && c !== 69) return slow(buf, start, end);
    i++;
    let expNegative = false;
    if (i < end && (buf[i] === 45 || buf[i] === 43)) {
      expNegative = buf[i] === 45;
      i++;
    }
    const expStart = i;
    while (i < end && i - expStart < 4) {
      const d = buf[i] - 48;
      if (d < 0 || d > 9) break;
      exponent = exponent * 10 + d;
      i++;
    }
    if (i === expStart || i !== end) return slow(buf, start, end);
    if (expNegative) exponent = -exponent;
  }
  const e = exponent - fraction;
  let v: number;
  if (e === 0) v = mantissa;
  else if (e > 0 && e <= 22) v = mantissa * POW10[e];
  else if (e < 0 && e >= -22) v = mantissa / POW10[-e];
  else return slow(buf, start, end);
  return negative ? -v : v;
}

/** Parses a number from text (see the file header for the result convention); surrounding spaces are allowed. */
export function parseNumberString(text: string): number {
  const t = text.trim();
  if (t === "") return Number.NaN;
  if (DECIMAL.test(t)) {
    const v = Number(t);
    return Number.isFinite(v) ? v : Number.POSITIVE_INFINITY;
  }
  if (NON_FINITE.test(t)) return Number.POSITIVE_INFINITY;
  return Number.NaN;
}

/** A number from a decoded JSON or msgpack value: numbers as they are, strings parsed; NaN otherwise. */
export function numberOfValue(value: unknown): number {
  if (typeof value === "number") return Number.isFinite(value) ? value : Number.POSITIVE_INFINITY;
  if (typeof value === "string") return parseNumberString(value);
  if (typeof value === "bigint") return Number(value);
  return Number.NaN;
}

function slow(buf: Uint8Array, start: number, end: number): number {
  // Numbers are ASCII; latin1 maps any non-ASCII byte to a character the patterns reject.
  const text = end - start > 256 ? utf8.decode(buf.subarray(start, end)) : latin1.decode(buf.subarray(start, end));
  return parseNumberString(text);
}
