// The output files (sinks/files.ts): written as NAME.partial and published by renaming, the same
// bytes whether appends are written by libuv's thread pool (a run's main thread) or at once,
// blocking (`sync`, a writer thread of its own); a caller may reuse its buffer after appending.
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { createOutputFiles, otherFormatNames, outputNames } from "../../../engine/sinks/files.js";
import { tempDir } from "../../helpers/tmp.js";

const dir = tempDir();

/** Appends `lines` through one reused buffer, as a batch runner does, then publishes. */
async function write(out: string, sync: boolean, lines: string[][]): Promise<void> {
  const files = createOutputFiles(out, "csv", { sync });
  const buffer = Buffer.alloc(1 << 16);
  for (const batch of lines) {
    const n = buffer.write(batch.map((l) => `${l}\n`).join(""));
    files.append("billing", buffer.subarray(0, n));
    // The caller's buffer is reused at once: what was appended must not change with it.
    buffer.fill(0x21);
    files.append("held", Buffer.from(`${batch[0]},held\n`));
    await files.drain(0);
  }
  await files.close({ done: true });
}

describe("output files", () => {
  it("hold the same bytes written at once (sync) as written in the thread pool", async () => {
    const lines = Array.from({ length: 40 }, (_, b) => Array.from({ length: 1 + (b % 7) * 300 }, (_, i) => `M-${b}-${i},2026-11-30,${b * 1000 + i}`));
    await write(join(dir, "async"), false, lines);
    await write(join(dir, "sync"), true, lines);
    for (const file of ["billing.csv", "held.csv", "rejected.csv", "alerts.csv", "summary.json"]) {
      expect(readFileSync(join(dir, "sync", file), "utf8"), file).toBe(readFileSync(join(dir, "async", file), "utf8"));
    }
    const billing = readFileSync(join(dir, "sync", "billing.csv"), "utf8").trimEnd().split("\n");
    expect(billing[0]).toBe("reading_id,meter_id,start,end,days,previous,current,consumption,daily,flags");
    expect(billing.slice(1)).toEqual(lines.flat());
    expect(readdirSync(join(dir, "sync")).filter((f) => f.endsWith(".partial"))).toEqual([]);
  });

  it("leave no partial file behind when publishing fails (a directory took an output's name meanwhile), sync or not", async () => {
    for (const sync of [true, false]) {
      const out = join(dir, `publish-fails-${sync}`);
      const files = createOutputFiles(out, "csv", { sync });
      files.append("billing", Buffer.from("a,b\n"));
      files.append("alerts", Buffer.from("c,d\n"));
      mkdirSync(join(out, "held.csv"));
      await expect(files.close({ done: true })).rejects.toMatchObject({ code: "EISDIR", syscall: "rename" });
      // Files published before the failure stay; every partial one goes, closed or not.
      expect(() => files.abort()).not.toThrow();
      expect(readdirSync(out).sort()).toEqual(["billing.csv", "held.csv"]);
    }
  });

  it("refuse a directory where an output goes before they create anything", () => {
    const out = join(dir, "taken");
    mkdirSync(join(out, "summary.json"), { recursive: true });
    expect(() => createOutputFiles(out, "csv")).toThrow(expect.objectContaining({ code: "MF_ERR_OUTPUT_DIR", message: `cannot write to ${out}: summary.json is a directory` }));
    expect(readdirSync(out)).toEqual(["summary.json"]);
  });

  it("name the files a run writes", () => {
    expect(outputNames("csv")).toEqual(["billing.csv", "held.csv", "rejected.csv", "alerts.csv", "summary.json"]);
    expect(outputNames("ndjson", true)).toEqual(["billing.ndjson", "held.ndjson", "rejected.ndjson", "alerts.ndjson", "summary.json", "meters-rejected.csv"]);
  });

  // A downstream job reading billing.csv billed an older CSV run's rows left beside an NDJSON run's.
  it("published, replace the other format's row files an earlier run left; until then, and when aborted, those stay", async () => {
    for (const [before, after] of [["csv", "ndjson"], ["ndjson", "csv"]] as const) {
      const out = join(dir, `switch-to-${after}`);
      const first = createOutputFiles(out, before);
      first.append("billing", Buffer.from("old\n"));
      await first.close({ run: 1 });
      writeFileSync(join(out, "notes.txt"), "mine\n");
      const aborted = createOutputFiles(out, after);
      aborted.abort();
      expect(readdirSync(out).sort()).toEqual([...outputNames(before), "notes.txt"].sort());
      const second = createOutputFiles(out, after);
      second.append("billing", Buffer.from("new\n"));
      expect(readdirSync(out).filter((f) => !f.endsWith(".partial")).sort()).toEqual([...outputNames(before), "notes.txt"].sort());
      await second.close({ run: 2 });
      expect(readdirSync(out).sort()).toEqual([...outputNames(after), "notes.txt"].sort());
      expect(otherFormatNames(after)).toEqual(outputNames(before).filter((f) => f !== "summary.json"));
    }
  });

  it("refuse a directory where the other format's row file is (it could not be removed when published)", () => {
    const out = join(dir, "other-taken");
    mkdirSync(join(out, "billing.ndjson"), { recursive: true });
    expect(() => createOutputFiles(out, "csv")).toThrow(expect.objectContaining({ code: "MF_ERR_OUTPUT_DIR", message: `cannot write to ${out}: billing.ndjson is a directory` }));
    expect(readdirSync(out)).toEqual(["billing.ndjson"]);
  });

  it("leave nothing behind when aborted (sync)", () => {
    const out = join(dir, "aborted");
    const files = createOutputFiles(out, "csv", { sync: true });
    files.append("billing", Buffer.from("a,b\n"));
    files.abort();
    expect(readdirSync(out)).toEqual([]);
    expect(existsSync(join(out, "billing.csv"))).toBe(false);
  });
});
