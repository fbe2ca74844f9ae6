// A run's input files are read in the order given and routed together: a window of rows spans
// files, so a night cut into several files is decided in the batches it would be in one file
// (each file routed alone rewrote every bucket's state once per file: 2.4 times the time of one
// file on the nightly shape), a meter's readings in several files are decided together in end
// order (file order, then line order, for one day), and every rejected row still names its file
// and line. In this thread (runFiles) and through the command with its decoding thread.
import { spawnSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { pack } from "msgpackr";
import { describe, expect, it } from "vitest";
import { packageRoot } from "../../../engine/wasm/paths.js";
import { METERS_HEADER, readCsv, runAndRead, write } from "../../helpers/run.js";
import { tempDir } from "../../helpers/tmp.js";

const dir = tempDir();
const BIN = join(packageRoot(), "dist", "engine", "cli", "main.js");
const METERS = 300;

/** The command, in a decoding thread (--threads 1) or this run's way of one thread (--threads 0). */
function command(threads: string, db: string, out: string, inputs: string[], meters?: string): { status: number | null; stderr: string } {
  return spawnSync(process.execPath, [BIN, "run", "--quiet", "--threads", threads, "--batch-size", "64", ...(meters === undefined ? [] : ["--meters", meters]),
    "--db", db, "--out", out, ...inputs], { encoding: "utf8", timeout: 60_000 });
}

describe("several input files", () => {
  // A registry with a baseline for every meter, then one reading each: the night in one CSV file,
  // and the same rows cut into four files of three formats.
  const registry = write(dir, "meters.csv", [METERS_HEADER, ...Array.from({ length: METERS }, (_, i) =>
    `E-${i},electricity.register,kWh,1,,,,,,,,,${1000 + i},2026-11-29`)]);
  const rows = Array.from({ length: METERS }, (_, i) => ({ meter_id: `E-${i}`, end: "2026-11-30", value: 1000 + i + 1 + (i % 7) }));
  const csv = (name: string, part: typeof rows) => write(dir, name, ["meter_id,end,value", ...part.map((r) => `${r.meter_id},${r.end},${r.value}`)]);
  const whole = csv("night.csv", rows);
  const quarter = (k: number) => rows.slice((k * METERS) / 4, ((k + 1) * METERS) / 4);
  const parts = [
    csv("part-0.csv", quarter(0)),
    write(dir, "part-1.ndjson", quarter(1).map((r) => JSON.stringify(r))),
    csv("part-2.csv", quarter(2)),
    join(dir, "part-3.msgpack"),
  ];
  writeFileSync(parts[3], Buffer.concat(quarter(3).map((r) => pack(r))));

  it("decide a night cut into files in the batches of the night in one file, with the same outputs", async () => {
    const one = await runAndRead({ meters: registry, inputs: [whole], db: join(dir, "one.db"), out: join(dir, "one"), batchSize: 64 });
    const four = await runAndRead({ meters: registry, inputs: parts, db: join(dir, "four.db"), out: join(dir, "four"), batchSize: 64 });
    expect(one.summary).toMatchObject({ in: METERS, billable: METERS, balanced: true });
    expect(four.summary.batches).toBe(one.summary.batches);
    expect(four.summary.inputs.map((i) => i.path)).toEqual(parts);
    expect(four.summary.inputs.every((i) => /^[0-9a-f]{64}$/.test(i.sha256))).toBe(true);
    for (const file of ["billing.csv", "held.csv"]) expect(readFileSync(join(dir, "four", file), "utf8"), file).toBe(readFileSync(join(dir, "one", file), "utf8"));
    // The command with its decoding thread: the same, and the same files' digests.
    for (const threads of ["0", "1"]) {
      const out = join(dir, `cli-${threads}`);
      const r = command(threads, join(dir, `cli-${threads}.db`), out, parts, registry);
      expect(r.status, r.stderr).toBe(0);
      for (const file of ["billing.csv", "held.csv"]) expect(readFileSync(join(out, file), "utf8"), `${file}, --threads ${threads}`).toBe(readFileSync(join(dir, "one", file), "utf8"));
      const summary = JSON.parse(readFileSync(join(out, "summary.json"), "utf8"));
      expect(summary.batches, `--threads ${threads}`).toBe(one.summary.batches);
      expect(summary.inputs.map((i: { sha256: string }) => i.sha256)).toEqual(four.summary.inputs.map((i) => i.sha256));
    }
  });

  it("decide a meter's readings of several files together: end order, then file order for one day", async () => {
    // E-1 (baseline 1001 on 11-29): its 12-01 in the first file, its 11-30 in the second (decided
    // before 12-01: no back-dated reading, no correction) and 11-30 again with another value (a
    // conflict: the earlier line comes first); a bad row in each file.
    const first = write(dir, "first.csv", ["meter_id,end,value", "E-1,2026-12-01,1030", "E-2,2026-11-30,abc"]);
    const second = write(dir, "second.csv", ["meter_id,end,value", "E-3,2026-11-30,-1", "E-1,2026-11-30,1010", "E-1,2026-11-30,1012"]);
    const expected = {
      billing: [["E-1@2026-11-30", "9", ""], ["E-1@2026-12-01", "20", ""]],
      held: [["E-1@2026-11-30", "conflict"]],
      rejected: [["3", "E-2", "bad_value", first], ["2", "E-3", "negative_value", second]],
    };
    const outputs = (out: string) => ({
      billing: readCsv(join(out, "billing.csv")).map((r) => [r.reading_id, r.consumption, r.flags]),
      held: readCsv(join(out, "held.csv")).map((r) => [r.reading_id, r.reasons]),
      rejected: readCsv(join(out, "rejected.csv")).map((r) => [r.source_line, r.meter_id, r.reason, r.file]),
    });
    const inThread = await runAndRead({ meters: registry, inputs: [first, second], db: join(dir, "order.db"), out: join(dir, "order"), batchSize: 64 });
    expect(inThread.summary).toMatchObject({ in: 5, billable: 2, held: 1, rejected: 2, corrections: 0, balanced: true });
    expect(outputs(join(dir, "order"))).toEqual(expected);
    const out = join(dir, "order-cli");
    const r = command("1", join(dir, "order-cli.db"), out, [first, second], registry);
    expect(r.status, r.stderr).toBe(0);
    expect(outputs(out)).toEqual(expected);
  });
});
