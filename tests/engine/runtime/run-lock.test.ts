// The run lock and the output directory as runFiles uses them: a second run on a held state is
// refused (MF_ERR_RUN_BUSY) naming the run, waits with `wait`, and the lock is free once the
// holder lets go; an output directory that cannot be made is an error, not a loop, and leaves
// nothing it created.
import { existsSync, mkdirSync, readdirSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { acquireRunLock } from "../../../engine/runtime/run-lock.js";
import { runFiles } from "../../../engine/runtime/index.js";
import { prepareOutDir } from "../../../engine/sinks/out-dir.js";
import { openStore } from "../../../engine/store/open.js";
import { tempDir } from "../../helpers/tmp.js";

const dir = tempDir("meterflow-run-lock-");

describe("the run lock", () => {
  it("refuses a second holder with the running run's id and start, lets it wait, and frees on release", async () => {
    const db = join(dir, "lock.db");
    const store = await openStore(db);
    try {
      const first = await acquireRunLock(db, store);
      const runId = await store.startRun({});
      const running = await store.runningRun();
      const refused = await acquireRunLock(db, store).catch((e: unknown) => e);
      expect(refused).toMatchObject({ code: "MF_ERR_RUN_BUSY", message: expect.stringContaining(`run ${runId} (started ${running!.startedAt})`) });

      const told: string[] = [];
      const waiting = acquireRunLock(db, store, { wait: true, pollMs: 10, onWait: (h) => told.push(h) });
      let got = false;
      void waiting.then(() => (got = true));
      while (told.length === 0) await new Promise((resolve) => setTimeout(resolve, 5));
      expect(got).toBe(false);
      expect(told).toEqual([`waiting for run ${runId} (started ${running!.startedAt}) to finish`]);
      await store.finishRun(runId, "finished", {});
      await first.release();
      const second = await waiting;
      await second.release();
    } finally {
      await store.close();
    }
  });

  it("is one lock for every path to the state: through a symbolic link too", async () => {
    const db = join(dir, "real.db");
    const link = join(dir, "link.db");
    const store = await openStore(db);
    try {
      symlinkSync(db, link);
      const first = await acquireRunLock(db, store);
      await store.startRun({});
      expect(await acquireRunLock(link, store).catch((e: unknown) => e)).toMatchObject({ code: "MF_ERR_RUN_BUSY" });
      expect(await acquireRunLock(join(dir, ".", "real.db"), store).catch((e: unknown) => e)).toMatchObject({ code: "MF_ERR_RUN_BUSY" });
      await first.release();
    } finally {
      await store.close();
    }
  });

  it("keeps runFiles from starting while another holds the state, writing nothing", async () => {
    const db = join(dir, "busy.db");
    const input = join(dir, "r.csv");
    writeFileSync(input, "meter_id,end,value\nE-1,2026-11-01,100\n");
    const store = await openStore(db);
    const lock = await acquireRunLock(db, store);
    try {
      const error = await runFiles({ inputs: [input], db, out: join(dir, "busy-out") }).catch((e: unknown) => e);
      expect(error).toMatchObject({ code: "MF_ERR_RUN_BUSY" });
      expect(existsSync(join(dir, "busy-out"))).toBe(false);
      expect(await store.runningRun()).toBeUndefined();
    } finally {
      await lock.release();
      await store.close();
    }
    const summary = await runFiles({ inputs: [input], db, out: join(dir, "busy-out") });
    expect(summary.in).toBe(1);
  });
});

describe("the output directory", () => {
  it("is made level by level and removed again when it cannot be written", () => {
    const made = prepareOutDir(join(dir, "a", "b", "c"));
    expect(made.created).toEqual([join(dir, "a"), join(dir, "a", "b"), join(dir, "a", "b", "c")]);
    expect(readdirSync(join(dir, "a", "b", "c"))).toEqual([]);
    expect(() => prepareOutDir("/proc/nope/deeper")).toThrow(expect.objectContaining({ code: "MF_ERR_OUTPUT_DIR" }));
    mkdirSync(join(dir, "x"));
    writeFileSync(join(dir, "x", "file"), "");
    expect(() => prepareOutDir(join(dir, "x", "file", "out"))).toThrow(/a file is in the way/);
    expect(readdirSync(join(dir, "x"))).toEqual(["file"]);
  });
});
