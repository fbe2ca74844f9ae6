// Bounded memory: a CSV several times larger than the bound streams through readReadings while
// heap and array buffers (sampled after a full GC) stay under a fixed bound.
import { once } from "node:events";
import { createWriteStream, statSync } from "node:fs";
import { join } from "node:path";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { describe, expect, it } from "vitest";
import { createMeterIndex, readReadings } from "../../../engine/ingest/index.js";
import { tempDir } from "./helpers.js";

const ROWS = 3_000_000;
const BOUND = 200 * 1024 * 1024;

/** A full GC: global.gc when node runs with --expose-gc, else enabled on the fly. */
function gcFunction(): () => void {
  const existing = (globalThis as { gc?: () => void }).gc;
  if (existing !== undefined) return existing;
  setFlagsFromString("--expose-gc");
  return runInNewContext("gc") as () => void;
}

function used(): number {
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
}

async function writeCsv(path: string): Promise<void> {
  const out = createWriteStream(path);
  // A wide ignored column makes the file large (~660 MB) while the row count stays at 3M.
  const pad = "p".repeat(180);
  out.write("meter_id,end,value,note\n");
  let text = "";
  for (let i = 0; i < ROWS; i++) {
    text += `E-${String(i % 250_000).padStart(6, "0")},2026-11-${String(1 + (i % 30)).padStart(2, "0")},${i}.25,${pad}\n`;
    if (text.length > 1 << 20) {
      if (!out.write(text)) await once(out, "drain");
      text = "";
    }
  }
  out.end(text);
  await once(out, "finish");
}

describe("readReadings memory", () => {
  it("stays bounded on a file several times larger than the bound", async () => {
    const path = join(tempDir(), "big.csv");
    await writeCsv(path);
    const size = statSync(path).size;
    expect(size).toBeGreaterThan(3 * BOUND);

    const gc = gcFunction();
    gc();
    const base = used();
    let peak = 0;
    let rows = 0;
    let rejected = 0;
    let sum = 0;
    let batches = 0;
    const meters = createMeterIndex();
    for await (const batch of readReadings(path, { meters, maxEndDay: 99_999 })) {
      rows += batch.length;
      for (let r = 0; r < batch.length; r++) {
        if (batch.reject[r] !== 0) rejected++;
        sum += batch.value[r];
      }
      if (++batches % 4 === 0) {
        gc();
        peak = Math.max(peak, used() - base);
      }
    }
    expect(rows).toBe(ROWS);
    expect(rejected).toBe(0);
    expect(meters.size).toBe(250_000);
    expect(sum).toBe((ROWS * (ROWS - 1)) / 2 + ROWS * 0.25);
    expect(batches).toBe(Math.ceil(ROWS / 65_536));
    expect(peak).toBeGreaterThan(0);
    expect(peak).toBeLessThan(BOUND);
  }, 300_000);
});
