// Loading the kernels once per thread, memory growth and the views that follow it, and the
// kernels' refusal of columns outside memory.
import { describe, expect, it } from "vitest";
import { createConsumptionKernel } from "../../../engine/consumption/index.js";
import { KernelCallError, loadKernels, WasmHeap } from "../../../engine/wasm/index.js";

describe("loadKernels", () => {
  it("instantiates each build once per thread", () => {
    expect(loadKernels("simd")).toBe(loadKernels("simd"));
    expect(loadKernels("scalar")).not.toBe(loadKernels("simd"));
    expect(loadKernels("auto").build).toBe("simd");
  });
});

describe("WasmHeap", () => {
  it("grows memory on demand and reuses freed regions", () => {
    const memory = new WebAssembly.Memory({ initial: 1 });
    const heap = new WasmHeap(memory, 100);
    const a = heap.alloc(10);
    expect(a.ptr).toBe(128);
    const b = heap.alloc(200_000);
    expect(memory.buffer.byteLength).toBeGreaterThanOrEqual(b.ptr + b.bytes);
    const c = heap.alloc(64);
    heap.free(a);
    expect(heap.alloc(64).ptr).toBe(a.ptr);
    heap.free(c);
    heap.free(b);
    // b and c were the topmost regions: the top comes back down, so the next region follows a.
    expect(heap.alloc(1000).ptr).toBe(b.ptr);
  });
});

describe("consumption batches in WebAssembly memory", () => {
  it("write inputs where the kernel reads them and rebuild views after memory grows", () => {
    const kernel = createConsumptionKernel({ implementation: "simd" });
    const batch = kernel.allocate(4);
    const before = batch.columns;
    before.prev.set([100, 200, 300, 400]);
    before.cur.set([110, 220, 330, 440]);
    before.prevEnd.fill(20000);
    before.end.fill(20010);
    // Force growth: a large second batch detaches the old buffer.
    const big = kernel.allocate(2_000_000);
    expect(before.prev.length).toBe(0);
    const after = batch.columns;
    expect(after === before).toBe(false);
    expect(Array.from(after.prev)).toEqual([100, 200, 300, 400]);
    kernel.compute(batch, 4);
    expect(Array.from(batch.columns.consumption)).toEqual([10, 20, 30, 40]);
    expect(batch.columns === batch.columns).toBe(true);
    kernel.release(big);
    kernel.release(batch);
  });

  it("refuses columns that lie outside memory with a coded error", () => {
    const { exports } = loadKernels("simd");
    const beyond = exports.memory.buffer.byteLength;
    let error: unknown;
    const status = exports.consumption(10, beyond, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0.5);
    expect(status).toBe(2);
    try {
      const kernel = createConsumptionKernel({ implementation: "scalar" });
      kernel.compute(kernel.allocate(2), 3);
    } catch (e) {
      error = e;
    }
    expect(error).toMatchObject({ code: "MF_ERR_INVALID_OPTION" });
    expect(new KernelCallError("consumption", status).code).toBe("MF_ERR_KERNEL_CALL");
  });

  it("validates options at construction", () => {
    expect(() => createConsumptionKernel({ maxWrapShare: 0 })).toThrow(expect.objectContaining({ code: "MF_ERR_INVALID_OPTION" }));
    expect(() => createConsumptionKernel({ implementation: "gpu" as never })).toThrow(/implementation/);
  });
});
