// A held reading's stored line (engine/decide/output.ts heldLine) is byte for byte what
// JSON.stringify of its row and reasons gives, whatever the ids, numbers and reasons: the store,
// the export and the API read lines written before it the same way (parseHeldLine).
import { describe, expect, it } from "vitest";
import { heldLine } from "../../../engine/decide/output.js";
import { parseHeldLine } from "../../../engine/runtime/emit.js";
import type { OutputRow } from "../../../engine/sinks/types.js";

const NUMBERS = [0, -0, 1, -1, 0.1, 1e21, 1e-7, 123456.789, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 2 ** 53, -1.5e-300];
const IDS = ["M-0000001", 'quote"d', "back\\slash", "tab\there", "Zähler-7", "電表-1", "emoji-😀", "ctrl\u0001", "lone\ud800"];

describe("a held reading's line", () => {
  it("is JSON.stringify of its row and reasons, and reads back as that row", () => {
    let seed = 7;
    const pick = <T>(xs: readonly T[]): T => xs[(seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) % xs.length];
    for (let i = 0; i < 2000; i++) {
      const meterId = pick(IDS);
      const row: OutputRow = {
        readingId: `${meterId}@2026-11-${10 + (i % 20)}`, meterId, start: pick(NUMBERS), end: 20_400 + (i % 30), days: pick(NUMBERS),
        previous: pick(NUMBERS), current: pick(NUMBERS), consumption: pick(NUMBERS), daily: pick(NUMBERS), flags: i % 7 === 0 ? 0 : 2 ** (i % 20),
      };
      const reasons = pick(["initial", "conflict", "before_baseline|implausible_rollover", 'rule "x"', "ünïcode"]);
      const line = heldLine(row, reasons);
      expect(line).toBe(JSON.stringify({ ...row, reasons }));
      const back = parseHeldLine(line);
      expect(back.reasons).toBe(reasons);
      expect(back.row.meterId).toBe(meterId);
    }
  });
});
