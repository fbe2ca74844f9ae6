// The byte writers of numbers (sinks/digits.ts) against String(): every digit count's edges, the
// int32 edge where the writer changes arithmetic, and random integers of every width below 2^53.
import { describe, expect, it } from "vitest";
import { writeInteger, writeMillionths } from "../../../engine/sinks/digits.js";

const text = (buf: Uint8Array, from: number, to: number) => Buffer.from(buf.subarray(from, to)).toString("latin1");

describe("writeInteger", () => {
  const buf = new Uint8Array(64);

  it("writes what String() writes at every power of ten and beside it", () => {
    const values = [0, 2147483646, 2147483647, 2147483648, 4294967295, 2 ** 53 - 1];
    for (let p = 1; p <= 1e15; p *= 10) values.push(p - 1, p, p + 1);
    for (const v of values) {
      const end = writeInteger(buf, 5, v);
      expect(text(buf, 5, end), String(v)).toBe(String(v));
    }
  });

  it("writes random integers of every width as String() does, leaving the bytes around them alone", () => {
    let s = 12345;
    const next = () => ((s = (Math.imul(s, 48271) >>> 0) % 2147483647) / 2147483647);
    for (let i = 0; i < 20_000; i++) {
      const v = Math.floor(next() * 10 ** (1 + (i % 16)));
      buf.fill(0x7e);
      const end = writeInteger(buf, 7, v);
      expect(text(buf, 7, end)).toBe(String(v));
      expect(buf[6]).toBe(0x7e);
      expect(buf[end]).toBe(0x7e);
    }
  });
});

describe("writeMillionths", () => {
  it("writes a fraction without trailing zeros", () => {
    const buf = new Uint8Array(16);
    for (const [frac, want] of [[1, ".000001"], [500000, ".5"], [123450, ".12345"], [999999, ".999999"]] as const) {
      expect(text(buf, 0, writeMillionths(buf, 0, frac))).toBe(want);
    }
  });
});
