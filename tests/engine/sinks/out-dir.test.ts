// The output paths of the commands (sinks/out-dir.ts): a run's directory with the names it will
// write, and a single output file such as `meters import --rejected FILE`, checked before
// anything is written, each refusal with its code.
import { mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { checkOutputFile, prepareOutDir } from "../../../engine/sinks/out-dir.js";
import { tempDir } from "../../helpers/tmp.js";

const dir = tempDir("meterflow-out-dir-");

describe("prepareOutDir", () => {
  it("refuses a directory where one of the named outputs, or its .partial, goes; a file there is overwritten later", () => {
    const out = join(dir, "run");
    mkdirSync(join(out, "held.csv.partial"), { recursive: true });
    writeFileSync(join(out, "billing.csv"), "an earlier run's\n");
    expect(() => prepareOutDir(out, ["billing.csv", "held.csv"]))
      .toThrow(expect.objectContaining({ code: "MF_ERR_OUTPUT_DIR", message: `cannot write to ${out}: held.csv.partial is a directory` }));
    expect(prepareOutDir(out, ["billing.csv"]).created).toEqual([]);
  });
});

describe("checkOutputFile", () => {
  it("says what is wrong with the path, naming the option, with MF_ERR_OUTPUT_FILE", () => {
    mkdirSync(join(dir, "somedir"));
    mkdirSync(join(dir, "f.csv.partial"));
    const refusal = (path: string) => {
      try {
        checkOutputFile("--rejected", path);
        return undefined;
      } catch (error) {
        return { code: (error as { code?: string }).code, message: (error as Error).message };
      }
    };
    expect(refusal(join(dir, "somedir"))).toEqual({ code: "MF_ERR_OUTPUT_FILE", message: `--rejected ${join(dir, "somedir")}: a directory, not a file` });
    expect(refusal(join(dir, "nowhere", "x.csv"))).toEqual({ code: "MF_ERR_OUTPUT_FILE", message: `--rejected ${join(dir, "nowhere", "x.csv")}: no such directory` });
    expect(refusal(join(dir, "f.csv"))).toEqual({ code: "MF_ERR_OUTPUT_FILE", message: `--rejected ${join(dir, "f.csv")}: f.csv.partial, where it is written first, is a directory` });
    expect(refusal("")).toEqual({ code: "MF_ERR_OUTPUT_FILE", message: "--rejected : no file named" });
    expect(refusal(join(dir, "new.csv"))).toBeUndefined();
    expect(readdirSync(dir).includes("new.csv")).toBe(false);
  });
});
