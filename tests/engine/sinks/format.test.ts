// Output formatting: numbers rounded to 6 decimals without float noise, exactly like
// String(Math.round(x * 1e6) / 1e6) below 10^9 and to 15 significant digits from there (what
// was read from a decimal reads back as it); CSV quoting; reading ids.
import { describe, expect, it } from "vitest";
import { csv, num, readingId } from "../../../engine/sinks/index.js";
import { parseDay } from "../../../engine/time/index.js";
import { mulberry32 } from "../../helpers/random.js";

describe("num", () => {
  it("writes integers, decimals and special values", () => {
    expect([num(0), num(-0), num(42), num(-7), num(0.975), num((110.25 - 100.5) * 0.1), num(-0.5), num(48213.25)])
      .toEqual(["0", "0", "42", "-7", "0.975", "0.975", "-0.5", "48213.25"]);
    expect([num(Number.NaN), num(Infinity), num(-Infinity), num(1e300), num(0.0000004), num(-0.0000004)])
      .toEqual(["", "Infinity", "-Infinity", "1e+300", "0", "0"]);
  });

  it("agrees with String(Math.round(x * 1e6) / 1e6) below 10^9, and keeps 15 significant digits from there, on a million random values", () => {
    const rnd = mulberry32(7);
    for (let i = 0; i < 1_000_000; i++) {
      const scale = 10 ** Math.floor(rnd() * 18 - 4);
      const x = (rnd() - 0.3) * scale;
      const digits = String(Math.trunc(Math.abs(x))).length;
      const expected = Math.abs(x) < 1e9 ? String(Math.round(x * 1e6) / 1e6) : String(Number(x.toFixed(Math.max(0, Math.min(6, 15 - digits)))));
      const got = num(x);
      if (got !== expected && !(expected === "-0" || (expected === "0" && got === "0"))) {
        expect.fail(`num(${x}) = ${got}, expected ${expected}`);
      }
    }
  });
});

describe("num of large values", () => {
  it("writes a value read from a decimal of at most 15 significant digits as that decimal, so it reads back as the same value", () => {
    // The register audit: 446089863990.11 was written 446089863990.11005 (and held release --value
    // with it found nothing), 4332039382.18 as 4332039382.180001.
    expect([num(446089863990.11), num(4332039382.18), num(-4332039382.18), num(999999999999.99 - 4.99), num(1234567890.123456)])
      .toEqual(["446089863990.11", "4332039382.18", "-4332039382.18", "999999999995", "1234567890.12346"]);
    const rnd = mulberry32(11);
    for (let i = 0; i < 200_000; i++) {
      const whole = String(1 + Math.floor(rnd() * 9)) + Array.from({ length: 8 + Math.floor(rnd() * 6) }, () => Math.floor(rnd() * 10)).join("");
      const decimals = Math.floor(rnd() * (16 - whole.length));
      const text = decimals === 0 ? whole : `${whole}.${Array.from({ length: decimals }, () => Math.floor(rnd() * 10)).join("")}`;
      const x = Number(text);
      const got = num(x);
      if (Number(got) !== x) expect.fail(`num(${text}) = ${got}, which reads back as ${Number(got)}`);
      if (got.length > text.length) expect.fail(`num(${text}) = ${got}: longer than the decimal it came from`);
    }
  });
});

describe("csv and reading ids", () => {
  it("quotes only what needs it", () => {
    expect([csv("E-1"), csv("a,b"), csv('say "hi"'), csv("two\nlines")]).toEqual(["E-1", '"a,b"', '"say ""hi"""', '"two\nlines"']);
    expect(readingId("E-1", parseDay("2026-11-30"))).toBe("E-1@2026-11-30");
  });
});
