// Issue 14 item 6: a field over 1,024 bytes is `field_too_long`, as the README says, whatever it
// holds: a 2,000-digit value (it was `non_finite_value`) and a 50 MB value (it was
// `malformed_record`), in CSV and NDJSON. One bad line is rejected and the rows after it are
// decided; the 50 MB line is never held whole. The run's outputs at the end, through the CLI.
import { spawnSync } from "node:child_process";
import { createWriteStream, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { once } from "node:events";
import { describe, expect, it } from "vitest";
import { pack } from "msgpackr";
import { createMeterIndex, readCsvReadings, readNdjsonReadings } from "../../../engine/ingest/index.js";
import { readMsgpackReadings } from "../../../engine/ingest/msgpack.js";
import { packageRoot } from "../../../engine/wasm/paths.js";
import { readCsv } from "../../helpers/run.js";
import { tempDir } from "../../helpers/tmp.js";
import { chunks, options, rowsOf } from "./helpers.js";

const digits = "7".repeat(2000);
const reasons = (rows: Array<{ line: number; meter: string | null; reject: string | null }>) => rows.map((r) => [r.line, r.meter, r.reject]);

describe("a field over 1,024 bytes is field_too_long, whatever it holds", () => {
  it("CSV: a 2,000-digit value, a 2,000-digit quoted value, a long meter id; the rows after are decoded", async () => {
    const csv = `meter_id,end,value\nE-1,2026-11-01,${digits}\nE-2,2026-11-01,"${digits}"\n${"M".repeat(1100)},2026-11-01,5\nE-3,2026-11-01,7\n`;
    for (const size of [7, 1 << 20]) {
      const rows = await rowsOf(readCsvReadings(chunks(csv, size), options(createMeterIndex())));
      expect(reasons(rows)).toEqual([[2, "E-1", "field_too_long"], [3, "E-2", "field_too_long"], [4, null, "field_too_long"], [5, "E-3", null]]);
    }
  });

  it("CSV: a line over the record limit inside one field is field_too_long with its meter id; a runaway quote stays malformed_record", async () => {
    const huge = "9".repeat(200_000);
    const csv = `meter_id,end,value\nE-1,2026-11-01,${huge}\nE-2,2026-11-01,"${huge}"\nE-3,2026-11-01,5\nE-4,2026-11-01,"12\n${"x,".repeat(40_000)}\nE-5,2026-11-01,6\n`;
    for (const size of [4096, 1 << 20]) {
      const rows = await rowsOf(readCsvReadings(chunks(csv, size), options(createMeterIndex())));
      expect(reasons(rows)).toEqual([[2, "E-1", "field_too_long"], [3, "E-2", "field_too_long"], [4, "E-3", null],
        [5, null, "malformed_record"], [6, "x", "malformed_record"], [7, "E-5", null]]);
      expect(rows[0].raw.length).toBe(64 * 1024);
    }
  });

  it("NDJSON: a 2,000-digit number or string, and a line cut at the record limit inside a value", async () => {
    const huge = "9".repeat(200_000);
    const ndjson = [
      `{"meter_id":"E-1","end":"2026-11-01","value":${digits}}`,
      `{"meter_id":"E-2","end":"2026-11-01","value":"${digits}"}`,
      `{"meter_id":"E-3","end":"2026-11-01","value":${huge}}`,
      `{"meter_id":"E-4","end":"2026-11-01","value":"${huge}"}`,
      '{"meter_id":"E-5","end":"2026-11-01","value":5}',
      '{"meter_id":"E-6","end":"2026-11-01","value":',
    ].join("\n");
    const rows = await rowsOf(readNdjsonReadings(chunks(ndjson, 4096), options(createMeterIndex())));
    expect(reasons(rows)).toEqual([[1, "E-1", "field_too_long"], [2, "E-2", "field_too_long"], [3, "E-3", "field_too_long"],
      [4, "E-4", "field_too_long"], [5, "E-5", null], [6, null, "malformed_record"]]);
  });

  it("msgpack: a 2,000-digit string value", async () => {
    const bytes = new Uint8Array([...pack({ meter_id: "E-1", end: "2026-11-01", value: digits }), ...pack({ meter_id: "E-2", end: "2026-11-01", value: 5 })]);
    const rows = await rowsOf(readMsgpackReadings(chunks(bytes), options(createMeterIndex())));
    expect(reasons(rows)).toEqual([[1, "E-1", "field_too_long"], [2, "E-2", null]]);
  });
});

describe("meterflow run with a 50 MB value", () => {
  const dir = tempDir("meterflow-long-fields-");
  const BIN = join(packageRoot(), "dist", "engine", "cli", "main.js");

  it("rejects that one line field_too_long (with its meter id and file) and decides the rows after it, in bounded memory", async () => {
    const path = join(dir, "r.csv");
    await writeHuge(path);
    writeFileSync(join(dir, "meters.csv"), "meter_id,digits\nE-1,6\nE-2,6\n");
    // In one thread and with the decoding worker (the default for a file this size).
    for (const threads of ["0", "1"]) check(threads);
  }, 180_000);

  async function writeHuge(path: string): Promise<void> {
    const out = createWriteStream(path);
    out.write(`meter_id,end,value\nE-1,2026-11-01,100\nE-1,2026-11-02,${digits}\nE-2,2026-11-02,`);
    const block = "1".repeat(1 << 20);
    for (let i = 0; i < 50; i++) if (!out.write(block)) await once(out, "drain");
    out.end("\nE-1,2026-11-03,130\nE-2,2026-11-01,5\n");
    await once(out, "finish");
  }

  function check(threads: string): void {
    const r = spawnSync(process.execPath, [BIN, "run", "--quiet", "--threads", threads, "--db", `s${threads}.db`, "--meters", "meters.csv", "--out", `out${threads}`, "r.csv"],
      { cwd: dir, encoding: "utf8", timeout: 120_000 });
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    const rejected = readCsv(join(dir, `out${threads}`, "rejected.csv"));
    expect(rejected.map((x) => [x.source_line, x.meter_id, x.reason, x.file])).toEqual([
      ["3", "E-1", "field_too_long", "r.csv"],
      ["4", "E-2", "field_too_long", "r.csv"],
    ]);
    // The rows after the 50 MB line are decided: E-1's third reading billed against its first.
    const billing = readCsv(join(dir, `out${threads}`, "billing.csv"));
    expect(billing.map((x) => [x.reading_id, x.consumption])).toEqual([["E-1@2026-11-03", "30"]]);
    const summary = JSON.parse(readFileSync(join(dir, `out${threads}`, "summary.json"), "utf8"));
    expect(summary).toMatchObject({ in: 5, rejected: 2, balanced: true });
    // The line is skipped as it streams by, never held (50 MB of it as a string would be 100+ MB more).
    expect(summary.peak_rss_mb).toBeLessThan(250);
  }
});
