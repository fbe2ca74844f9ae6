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
      const reading = async (day: number) => {
        const form = new FormData();
        form.append("end", new Date(Date.UTC(2026, 10, day)).toISOString().slice(0, 10));
        form.append("value", String(1000 + day));
        form.append("photo", new Blob([PNG], { type: "image/png" }), "dial.png");
        const res = await f.request("POST", "/v1/meters/E-1/readings", { body: form });
        expect(res.status, JSON.stringify(res.data)).toBe(200);
        expect(res.data.decision).toBe("billed");
      };
      for (let day = 1; day <= 3; day++) await reading(day);
      const kernels = loadKernels();
      const before = kernels.heap.buffer.byteLength;
      for (let day = 4; day <= 43; day++) await reading(day);
      expect(kernels.heap.buffer.byteLength).toBe(before);
    } finally {
      expect(f.logged).toEqual([]);
      await f.close();
    }
  });
});
