// The byte encoder of billing rows writes exactly what the string formatter writes.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { createFileSinks, LineBuffer } from "../../../engine/sinks/index.js";
import type { OutputRow } from "../../../engine/sinks/index.js";
import { mulberry32 } from "../../helpers/random.js";
import { tempDir } from "../../helpers/tmp.js";

const dir = tempDir();

describe("CSV billing rows as bytes", () => {
  it("match the string formatter on random and awkward rows", async () => {
    const rnd = mulberry32(11);
    const pick = <T>(xs: T[]) => xs[Math.floor(rnd() * xs.length)];
    const rows: OutputRow[] = [];
    const ids = ["E-1", "W-000123", "a,b", 'q"uote', "Zähler-7", "x"];
    for (let i = 0; i < 20_000; i++) {
      const meterId = pick(ids);
      const value = () => pick([0, -0, 1, 12.5, -3.25, 0.1 + 0.2, 48213.25, 2 ** 53, 2 ** 53 + 2, 1e300, Number.NaN, Infinity, -Infinity, 1e-7, -1e-7, 9.999999999, (rnd() - 0.5) * 10 ** Math.floor(rnd() * 12)]);
      rows.push({
        readingId: "", meterId, start: pick([Number.NaN, 20400 + Math.floor(rnd() * 400)]), end: 20800 + Math.floor(rnd() * 50),
        days: Math.floor(rnd() * 40), previous: value(), current: value(), consumption: value(), daily: value(), flags: pick([0, 1, 5, 64, 0x7fff]),
      });
    }
    const viaStrings = createFileSinks(join(dir, "strings"));
    const viaBytes = createFileSinks(join(dir, "bytes"));
    const lines = new LineBuffer();
    for (const r of rows) {
      viaStrings.billing(r);
      viaBytes.encodeBilling(lines, ids.indexOf(r.meterId), r.meterId, r.start, r.end, r.days, r.previous, r.current, r.consumption, r.daily, r.flags);
    }
    viaBytes.appendBilling(lines.bytes());
    await viaStrings.close({});
    await viaBytes.close({});
    const a = readFileSync(join(dir, "strings", "billing.csv"), "utf8").split("\n");
    const b = readFileSync(join(dir, "bytes", "billing.csv"), "utf8").split("\n");
    expect(b.length).toBe(rows.length + 2);
    for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) expect.fail(`line ${i}: ${b[i]} instead of ${a[i]}`);
  });
});
