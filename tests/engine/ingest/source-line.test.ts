// A row's line when several files are routed together: file x 2^32 + its line in the file. The
// first file's lines stay as they are, every (file, line) comes back whole, and ordering by
// line orders by file, then line (what the decision's tie-break on one meter and day relies on).
import { describe, expect, it } from "vitest";
import { FILE_LINES, fileOfLine, lineInFile, markFile } from "../../../engine/ingest/source-line.js";
import { GroupFiles } from "../../../engine/runtime/run-progress.js";

describe("source lines of several files", () => {
  it("round-trip file and line, leave the first file's lines alone and order by file, then line", () => {
    const cases: Array<[number, number]> = [[0, 2], [0, FILE_LINES - 1], [1, 2], [1, 70_000_000], [7, 125_001], [2 ** 20, 3]];
    const marked = cases.map(([file, line]) => {
      const column = new Float64Array([line]);
      markFile(column, 1, file);
      return column[0];
    });
    expect(marked.map((l) => [fileOfLine(l), lineInFile(l)])).toEqual(cases);
    expect(marked[0]).toBe(2);
    expect([...marked].sort((a, b) => a - b)).toEqual(marked);
  });

  it("count each file's rows of a group's batches", () => {
    const group = new GroupFiles([{ path: "a.csv", bytes: 10 }, { path: "b.csv", bytes: 10 }, { path: "c.csv", bytes: 10 }], false);
    const line = new Float64Array([2, FILE_LINES * 2 + 5, 3, FILE_LINES * 2 + 6, FILE_LINES * 2 + 7]);
    group.add({ length: line.length, line });
    group.add({ length: 2, line: new Float64Array([4, FILE_LINES * 2 + 8]) });
    expect([...group.rows]).toEqual([3, 0, 4]);
    // Without tracking no file is sampled and none reported.
    expect(group.reached()).toEqual([]);
  });
});
