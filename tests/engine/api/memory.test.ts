// A long-running server decides batches of one without keeping their kernel memory: the
// WebAssembly memory the consumption kernel uses does not grow with the number of manual readings
// (each used to keep a run's 65536 rows, about 3.5 MB, until serve ran out of memory).
import { describe, expect, it } from "vitest";
import { loadKernels } from "../../../engine/wasm/index.js";
import { apiFixture, STORES } from "./fixture.js";

const PNG = Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 9, 9, 9]);
const sqlite = STORES.find((s) => s.kind === "sqlite")!;

describe("batches of one", () => {
  it("give their kernel memory back: 40 more manual readings, the same WebAssembly memory", async () => {
    const f = await apiFixture(sqlite.db);
    try {
      // The i-th reading: meters E-1..E-3 in turn, a day apart each (ends in November 2026: none in the future).
      const reading = async (i: number) => {
        const day = 1 + Math.floor(i / 3);
        const form = new FormData();
        form.append("end", new Date(Date.UTC(2026, 10, day)).toISOString().slice(0, 10));
        form.append("value", String(1000 + day));
        form.append("photo", new Blob([PNG], { type: "image/png" }), "dial.png");
        const res = await f.request("POST", `/v1/meters/E-${1 + (i % 3)}/readings`, { body: form });
        expect(res.status, JSON.stringify(res.data)).toBe(200);
        expect(res.data.decision).toBe("billed");
      };
      for (let i = 0; i < 3; i++) await reading(i);
      const kernels = loadKernels();
      const before = kernels.heap.buffer.byteLength;
      for (let i = 3; i < 43; i++) await reading(i);
      expect(kernels.heap.buffer.byteLength).toBe(before);
    } finally {
      expect(f.logged).toEqual([]);
      await f.close();
    }
  });
});
