// The byte encoder of billing and held rows writes exactly what the string formatter writes.
import { describe, expect, it } from "vitest";
import { createFormatter, csvRow, LineBuffer } from "../../../engine/sinks/index.js";
import { mulberry32 } from "../../helpers/random.js";

describe("CSV billing rows as bytes", () => {
  it("match the string formatter on random and awkward rows", () => {
    const rnd = mulberry32(11);
    const ids = ["E-1", "W-000123", "a,b", 'q"uote', "Zähler-7", "x"];
    const pick = <T>(xs: T[]) => xs[Math.floor(rnd() * xs.length)];
    const value = () => pick([0, -0, 1, 12.5, -3.25, 0.1 + 0.2, 48213.25, 2 ** 53, 2 ** 53 + 2, 1e300, Number.NaN, Infinity,
      -Infinity, 1e-7, -1e-7, 9.999999999, (rnd() - 0.5) * 10 ** Math.floor(rnd() * 12)]);
    // The ids' bytes one after another, as a batch stages them: each row names its id by offsets.
    const joined = Buffer.from(ids.join(""), "utf8");
    const spans = ids.map((_, k) => {
      const from = Buffer.byteLength(ids.slice(0, k).join(""), "utf8");
      return [from, from + Buffer.byteLength(ids[k], "utf8")] as const;
    });
    const format = createFormatter("csv");
    const lines = new LineBuffer();
    const expected: string[] = [];
    for (let i = 0; i < 20_000; i++) {
      const key = Math.floor(rnd() * ids.length);
      const row = [pick([Number.NaN, 20400 + Math.floor(rnd() * 400)]), 20800 + Math.floor(rnd() * 50), Math.floor(rnd() * 40),
        value(), value(), value(), value(), pick([0, 1, 5, 64, 0x7fff])] as const;
      format.billing(lines, joined, spans[key][0], spans[key][1], ...row);
      expected.push(csvRow(ids[key], ...row));
    }
    const got = lines.bytes().toString("utf8").split("\n");
    expect(got.length).toBe(expected.length + 1);
    for (let i = 0; i < expected.length; i++) if (got[i] !== expected[i]) expect.fail(`row ${i}: ${got[i]} instead of ${expected[i]}`);
  });

  it("writes held rows as the string formatter with their reasons, ids of every kind, in a buffer that grows", () => {
    const rnd = mulberry32(23);
    const ids = ["E-1", "a,b", 'q"uote', "Zähler-7", "😀-1", "x".repeat(400), ""];
    const pick = <T>(xs: T[]) => xs[Math.floor(rnd() * xs.length)];
    const value = () => pick([0, -0, 12.5, -3.25, 0.1 + 0.2, 2 ** 53 + 2, Number.NaN, Infinity, (rnd() - 0.5) * 10 ** Math.floor(rnd() * 12)]);
    const format = createFormatter("csv");
    const lines = new LineBuffer(false, 64);
    const expected: string[] = [];
    for (let i = 0; i < 5_000; i++) {
      const meterId = pick(ids);
      const row = { readingId: "", meterId, start: pick([Number.NaN, 20400 + Math.floor(rnd() * 400)]), end: 20800 + Math.floor(rnd() * 50),
        days: Math.floor(rnd() * 40), previous: value(), current: value(), consumption: value(), daily: value(), flags: pick([0, 1, 5, 64]) };
      const reasons = pick(["initial", "implausible_rollover|temp_bad", "unknown_meter", "zähler_prüfung", `r${i % 1500}`]);
      format.held(lines, row, reasons);
      expected.push(`${csvRow(meterId, row.start, row.end, row.days, row.previous, row.current, row.consumption, row.daily, row.flags)},${reasons}`);
    }
    const got = lines.bytes().toString("utf8").split("\n");
    expect(got.length).toBe(expected.length + 1);
    for (let i = 0; i < expected.length; i++) if (got[i] !== expected[i]) expect.fail(`row ${i}: ${got[i]} instead of ${expected[i]}`);
  });
});
