// readAhead (engine/ingest/read-ahead.ts): batches are taken from the source before the consumer
// asks, up to the bound; the consumer gets them in order, then the source's failure; stopping
// early stops the source.
import { describe, expect, it } from "vitest";
import type { ReadingBatch } from "../../../engine/ingest/batch.js";
import { readAhead } from "../../../engine/ingest/read-ahead.js";

const batch = (length: number, tag: number) => ({ length, line: Float64Array.of(tag) }) as unknown as ReadingBatch;
const tick = () => new Promise((resolve) => setTimeout(resolve, 5));

/** A source of `count` batches of 10 rows that records how many were taken, failing after them when asked. */
function source(count: number, fail = false) {
  const state = { taken: 0, closed: false };
  async function* gen(): AsyncGenerator<ReadingBatch> {
    try {
      for (let i = 0; i < count; i++) {
        state.taken++;
        yield batch(10, i);
      }
      if (fail) throw new Error("bad bytes");
    } finally {
      state.closed = true;
    }
  }
  return { gen: gen(), state };
}

describe("readAhead", () => {
  it("takes batches before they are asked for, up to the bound, and hands them on in order", async () => {
    const { gen, state } = source(10);
    const ahead = readAhead(gen, 35);
    await tick();
    // 4 batches of 10 rows reach the bound of 35: the pump waits there.
    expect(state.taken).toBe(4);
    const got: number[] = [];
    for await (const b of ahead) got.push(b.line[0]);
    expect(got).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(state.closed).toBe(true);
  });

  it("gives the source's failure after the batches before it", async () => {
    const { gen } = source(3, true);
    const got: number[] = [];
    await expect((async () => {
      for await (const b of readAhead(gen, 1000)) got.push(b.line[0]);
    })()).rejects.toThrow("bad bytes");
    expect(got).toEqual([0, 1, 2]);
  });

  it("stops the source when the consumer stops early", async () => {
    const { gen, state } = source(1000);
    for await (const b of readAhead(gen, 25)) if (b.line[0] === 1) break;
    expect(state.closed).toBe(true);
    expect(state.taken).toBeLessThan(10);
  });
});
