// The meter registry reader: CSV and NDJSON, defaults, every rejection with its line and raw
// text, and the errors of a registry that cannot be read.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { checkRegistryHeader, readMeters, REGISTRY_REJECT } from "../../../engine/meters/index.js";
import { packageRoot } from "../../../engine/wasm/paths.js";
import type { MeterRecord } from "../../../engine/meters/index.js";
import { formatDay, parseDay, today } from "../../../engine/time/index.js";
import { outcome } from "../../helpers/outcome.js";

const dir = mkdtempSync(join(tmpdir(), "meterflow-registry-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const file = (name: string, content: string): string => {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
};

const DEFAULTS: Omit<MeterRecord, "meterId"> = {
  type: "",
  unit: "",
  scalingFactor: 1,
  resetValue: null,
  digits: null,
  rolloverMode: "documented",
  parentId: null,
  unitPrice: null,
  basicFeePerDay: null,
  costCenter: null,
  glAccount: null,
  pulseWeight: null,
  pulseInput: null,
  pulseWidthMs: null,
  qmax: null,
  noPulseDays: null,
  debounceMs: null,
  lastReading: null,
  lastEnd: null,
};

describe("readMeters", () => {
  it("reads a CSV registry with defaults for what is not given", async () => {
    const path = file(
      "meters.csv",
      "\uFEFFmeter_id,type,unit,scaling_factor,reset_value,digits,rollover_mode,parent_id,unit_price,basic_fee_per_day,cost_center,gl_account,last_reading,last_end,comment\r\n" +
        "E-1,electricity.register,kWh,,,,,,,,,,,,hello\r\n" +
        'E-2,electricity.register,kWh,2.5,100000,5,modulus,E-1,0.31,0.25,"CC,1",4711,99999,2026-10-31,\r\n' +
        "W-1,water.register,m3,1,,8,documented,,1.9,,,,00145,2026-10-31T23:30:00-01:00,x",
    );
    const { meters, rejected } = await readMeters(path);
    expect(rejected).toEqual([]);
    expect(meters).toEqual([
      { ...DEFAULTS, meterId: "E-1", type: "electricity.register", unit: "kWh" },
      {
        meterId: "E-2",
        type: "electricity.register",
        unit: "kWh",
        scalingFactor: 2.5,
        resetValue: 100000,
        digits: 5,
        rolloverMode: "modulus",
        parentId: "E-1",
        unitPrice: 0.31,
        basicFeePerDay: 0.25,
        costCenter: "CC,1",
        glAccount: "4711",
        lastReading: 99999,
        lastEnd: parseDay("2026-10-31"),
        pulseWeight: null,
        pulseInput: null,
        pulseWidthMs: null,
        qmax: null,
        noPulseDays: null,
        debounceMs: null,
      },
      { ...DEFAULTS, meterId: "W-1", type: "water.register", unit: "m3", digits: 8, unitPrice: 1.9, lastReading: 145, lastEnd: parseDay("2026-11-01") },
    ]);
  });

  it("reads pulse meters: a weight makes a pulse meter, s0a is the default input", async () => {
    const { meters, rejected } = await readMeters(file("pulse.csv", [
      "meter_id,type,pulse_weight,pulse_input,pulse_width_ms,qmax,no_pulse_days,debounce_ms",
      "P-1,water.pulse,0.01,,,,,",
      "P-2,gas.pulse,0.1,namur,80,6,30,2",
      "P-3,water.pulse,,,,,,",
      "P-4,water.pulse,0,,,,,",
      "P-5,water.pulse,1,ttl,,,,",
      "P-6,water.pulse,1,reed,-5,,,",
      "P-7,water.pulse,1,reed,,,0.5,",
      "E-1,electricity.register,,,,,,",
    ].join("\n")));
    expect(meters.map((m) => [m.meterId, m.pulseWeight, m.pulseInput, m.pulseWidthMs, m.qmax, m.noPulseDays, m.debounceMs])).toEqual([
      ["P-1", 0.01, "s0a", null, null, null, null],
      ["P-2", 0.1, "namur", 80, 6, 30, 2],
      ["E-1", null, null, null, null, null, null],
    ]);
    expect(rejected.map((r) => [r.meterId, r.reason])).toEqual([
      ["P-3", "bad_pulse_weight"], ["P-4", "bad_pulse_weight"], ["P-5", "bad_pulse_input"], ["P-6", "bad_pulse_setting"], ["P-7", "bad_pulse_setting"],
    ]);
  });

  it("rejects a reset value above the dials' range and pulse settings without a pulse weight, in CSV and NDJSON alike", async () => {
    // Both were imported: R-2 wrapped at 200,000 while its 5 dials refuse any value from 100,000
    // (a wrap billed 100,000 too much), E-3's input and E-4's Qmax were dropped unseen.
    const header = ["meter_id", "type", "reset_value", "digits", "pulse_weight", "pulse_input", "qmax", "no_pulse_days"];
    const rows = [
      ["R-1", "", "100000", "5", "", "", "", ""], // a reset at 10^digits: the same register
      ["R-2", "", "200000", "5", "", "", "", ""],
      ["R-3", "", "50000", "5", "", "", "", ""], // wraps before its dials would: allowed
      ["E-3", "", "", "", "", "reed", "", ""],
      ["E-4", "", "", "", "", "", "6", ""],
      ["E-5", "", "", "", "", "", "", "2"],
      ["P-1", "water.pulse", "", "", "0.01", "reed", "6", "2"],
    ];
    const csv = await readMeters(file("limits.csv", [header, ...rows].map((r) => r.join(",")).join("\n")));
    const ndjson = await readMeters(file("limits.ndjson", rows.map((r) =>
      JSON.stringify(Object.fromEntries(header.map((h, i) => [h, r[i]]).filter(([, v]) => v !== "")))).join("\n")));
    // Lines: the CSV header is line 1, so row i is line i + 2; NDJSON record i is line i + 1.
    for (const [{ meters, rejected }, first] of [[csv, 2], [ndjson, 1]] as const) {
      expect(rejected.map((r) => [r.line, r.meterId, r.reason])).toEqual([
        [first + 1, "R-2", "bad_reset_value"], [first + 3, "E-3", "bad_pulse_weight"], [first + 4, "E-4", "bad_pulse_weight"], [first + 5, "E-5", "bad_pulse_weight"],
      ]);
      expect(meters.map((m) => [m.meterId, m.resetValue, m.pulseInput, m.qmax])).toEqual([
        ["R-1", 100000, null, null], ["R-3", 50000, null, null], ["P-1", null, "reed", 6],
      ]);
    }
  });

  it("rejects a baseline dated after tomorrow bad_last_end, in CSV and NDJSON alike (it held every reading before_baseline)", async () => {
    const days = [today() + 1, today() + 2, parseDay("2062-06-30")];
    const rows = days.map((d, i) => [`B-${i}`, "100", formatDay(d)]);
    const csv = await readMeters(file("future.csv", ["meter_id,last_reading,last_end", ...rows.map((r) => r.join(","))].join("\n")));
    const ndjson = await readMeters(file("future.ndjson", rows.map(([meter_id, last_reading, last_end]) => JSON.stringify({ meter_id, last_reading, last_end })).join("\n")));
    for (const { meters, rejected } of [csv, ndjson]) {
      expect(meters.map((m) => [m.meterId, m.lastEnd])).toEqual([["B-0", days[0]]]);
      expect(rejected.map((r) => [r.meterId, r.reason])).toEqual([["B-1", "bad_last_end"], ["B-2", "bad_last_end"]]);
    }
    // The bound can be given.
    expect((await readMeters(file("future2.csv", "meter_id,last_reading,last_end\nB,1,2062-06-30\n"), { latestDay: parseDay("2062-06-30") })).rejected).toEqual([]);
  });

  it("needs only meter_id", async () => {
    const { meters } = await readMeters(file("ids.csv", "meter_id\nA\nB\n"));
    expect(meters).toEqual([
      { ...DEFAULTS, meterId: "A" },
      { ...DEFAULTS, meterId: "B" },
    ]);
  });

  it("rejects bad rows with their reason, line and raw text, and keeps the good ones", async () => {
    const rows = [
      ",electricity.register", // missing_meter_id
      "A,,0", // bad_scaling_factor
      "B,,abc", // bad_scaling_factor
      "C,,,-5", // bad_reset_value
      "D,,,,23", // bad_digits
      "E,,,,2.5", // bad_digits
      "F,,,,,wrap", // bad_rollover_mode
      "G,,,,,,G", // bad_parent_id
      "H,,,,,,,x", // bad_number
      "I,,,,,,,,,12", // bad_last_reading (no last_end)
      "J,,,,,,,,,,2026-10-31", // bad_last_reading (no last_reading)
      "K,,,,,,,,,-1,2026-10-31", // bad_last_reading (negative)
      "L,,,100,,,,,,100,2026-10-31", // bad_last_reading (not below reset_value)
      "M,,,,3,,,,,1000,2026-10-31", // bad_last_reading (more digits than the register)
      "N,,,,,,,,,5,2026-02-30", // bad_last_end
      "A,,1", // duplicate_meter_id (A was seen, though rejected)
      "O,too,few,columns", // column_count
      `P,${"t".repeat(1100)}`, // field_too_long
      "Q,,2,1000,3,modulus,,1.5,,999,2026-10-31", // valid
    ];
    const padded = rows.map((row, i) => (i === 16 ? row : row + ",".repeat(10 - (row.match(/,/g) ?? []).length)));
    const header = "meter_id,type,scaling_factor,reset_value,digits,rollover_mode,parent_id,unit_price,basic_fee_per_day,last_reading,last_end";
    const path = file("bad.csv", `${header}\n${padded.join("\n")}\n`);
    const { meters, rejected } = await readMeters(path);
    expect(rejected.map((r) => [r.line, r.meterId, r.reason])).toEqual([
      [2, "", "missing_meter_id"],
      [3, "A", "bad_scaling_factor"],
      [4, "B", "bad_scaling_factor"],
      [5, "C", "bad_reset_value"],
      [6, "D", "bad_digits"],
      [7, "E", "bad_digits"],
      [8, "F", "bad_rollover_mode"],
      [9, "G", "bad_parent_id"],
      [10, "H", "bad_number"],
      [11, "I", "bad_last_reading"],
      [12, "J", "bad_last_reading"],
      [13, "K", "bad_last_reading"],
      [14, "L", "bad_last_reading"],
      [15, "M", "bad_last_reading"],
      [16, "N", "bad_last_end"],
      [17, "A", "duplicate_meter_id"],
      [18, "O", "column_count"],
      [19, "P", "field_too_long"],
    ]);
    expect(rejected.map((r) => r.raw)).toEqual(padded.slice(0, 18));
    expect(meters).toEqual([
      { ...DEFAULTS, meterId: "Q", scalingFactor: 2, resetValue: 1000, digits: 3, rolloverMode: "modulus", unitPrice: 1.5, lastReading: 999, lastEnd: parseDay("2026-10-31") },
    ]);
  });

  it("reads an NDJSON registry, numbers or strings, and rejects malformed lines", async () => {
    const lines = [
      '{"meter_id":"A","scaling_factor":"2","digits":6,"last_reading":12.5,"last_end":"2026-10-31","cost_center":101}',
      "",
      '{"meter_id":"B","rollover_mode":"modulus","reset_value":1000000}',
      '{"meter_id":"C"',
      '{"meter_id":"D","type":{"nested":true}}',
      '{"meter_id":"E","digits":null,"unit":"kWh"}',
      '["F"]',
    ];
    const { meters, rejected } = await readMeters(file("meters.ndjson", lines.join("\n")));
    expect(meters).toEqual([
      { ...DEFAULTS, meterId: "A", scalingFactor: 2, digits: 6, lastReading: 12.5, lastEnd: parseDay("2026-10-31"), costCenter: "101" },
      { ...DEFAULTS, meterId: "B", rolloverMode: "modulus", resetValue: 1000000 },
      { ...DEFAULTS, meterId: "E", unit: "kWh" },
    ]);
    expect(rejected).toEqual([
      { line: 4, meterId: "", reason: "malformed_record", raw: lines[3] },
      { line: 5, meterId: "D", reason: "bad_text", raw: lines[4] },
      { line: 7, meterId: "", reason: "malformed_record", raw: lines[6] },
    ]);
  });

  it("takes its format from the extension, as a readings file: another name is refused MF_ERR_INPUT_FORMAT (it was guessed from the first byte)", async () => {
    for (const name of ["meters.txt", "meters.dat", "meters"]) {
      await expect(readMeters(file(name, '{"meter_id":"A"}\n')), name).rejects.toMatchObject({
        code: "MF_ERR_INPUT_FORMAT", message: `cannot tell the format of meter registry ${join(dir, name)}: name it .csv, or .ndjson or .jsonl`,
      });
    }
    // A .json file is most likely a JSON array (audit: "the header lacks column meter_id"): the message says what NDJSON is.
    await expect(readMeters(file("arr.json", '[{"meter_id":"A"}]\n'))).rejects.toMatchObject({
      code: "MF_ERR_INPUT_FORMAT", message: expect.stringContaining("(a .json file: meterflow reads NDJSON, one JSON object per line, not a JSON array)"),
    });
    // The format given names it whatever the name.
    expect((await readMeters(file("given.txt", '{"meter_id":"A"}\n'), { format: "ndjson" })).meters.map((m) => m.meterId)).toEqual(["A"]);
  });

  it("refuses a file whose start shows another format than its name's, MF_ERR_INPUT_HEADER (audit: a CSV registry named .ndjson imported nothing, every row rejected, exit 0)", async () => {
    const cases: Array<[string, string, RegExp]> = [
      ["csv.ndjson", "meter_id,type\nE-1,electricity.register\n", /^meter registry .*csv\.ndjson is read as NDJSON, but it looks like CSV \(its first line is "meter_id,type", not a JSON object\): name the file \.csv$/],
      ["array.ndjson", '[{"meter_id":"A"}]\n', /is read as NDJSON, but it begins with a JSON array .*one JSON object per line/],
      ["array.csv", '[{"meter_id":"A"}]\n', /the header lacks column "meter_id" \(the file looks like a JSON array: meterflow reads CSV, or NDJSON with one JSON object per line/],
      ["object.csv", '{"meter_id":"A"}\n', /: the header lacks column "meter_id" \(the file looks like NDJSON, one JSON object per line: name it \.ndjson or \.jsonl\)$/],
    ];
    for (const [name, content, message] of cases) {
      const path = file(name, content);
      await expect(readMeters(path), name).rejects.toMatchObject({ code: "MF_ERR_INPUT_HEADER", message: expect.stringMatching(message) });
      expect(() => checkRegistryHeader(path), name).toThrow(expect.objectContaining({ code: "MF_ERR_INPUT_HEADER", message: expect.stringMatching(message) }));
    }
    // An NDJSON registry whose first record has a bad value is read, the row rejected.
    const bad = await readMeters(file("bad-first.ndjson", '{"meter_id":"A","scaling_factor":"x"}\n{"meter_id":"B"}\n'));
    expect([bad.meters.map((m) => m.meterId), bad.rejected.map((r) => r.reason)]).toEqual([["B"], ["bad_scaling_factor"]]);
  });

  it("rejects a registry that cannot be read with a coded error", async () => {
    await expect(readMeters(join(dir, "nope.csv"))).rejects.toMatchObject({ code: "MF_ERR_INPUT_OPEN" });
    await expect(readMeters(file("nohead.csv", "id,unit\nA,kWh\n"))).rejects.toMatchObject({ code: "MF_ERR_INPUT_HEADER", message: expect.stringContaining("meter_id") });
    await expect(readMeters(file("empty.csv", ""))).rejects.toMatchObject({ code: "MF_ERR_INPUT_HEADER" });
    await expect(readMeters(file("dup.csv", "meter_id,unit,unit\n"))).rejects.toMatchObject({ code: "MF_ERR_INPUT_HEADER" });
  });
});

describe("checkRegistryHeader", () => {

  it("says of a registry's header what reading the whole file says, CSV or NDJSON (by name; another name refused), from the first record", async () => {
    const cases: Array<[string, string]> = [
      ["ok.csv", "meter_id,type\nE-1,\n"], ["semi.csv", "meter_id;type\nE-1;\n"], ["twice.csv", "meter_id,unit,unit\nE-1,a,b\n"],
      ["empty.csv", ""], ["blank.csv", "\n\n"], ["bom.csv", "\uFEFFmeter_id\nE-1\n"], ["quote.csv", '"meter_id\nE-1\n'],
      ["m.ndjson", '{"meter_id":"E-1"}\n'], ["empty.jsonl", ""], ["other.txt", '  \n{"meter_id":"E-1","type":"a,b"}\n'], ["plain.txt", "id\nE-1\n"],
      ["csv.ndjson", "meter_id\nE-1\n"], ["array.jsonl", '[{"meter_id":"E-1"}]\n'], ["object.csv", '{"meter_id":"E-1"}\n'],
    ];
    for (const [name, content] of cases) {
      const path = file(`check-${name}`, content);
      const read = await outcome(() => readMeters(path));
      expect(await outcome(() => checkRegistryHeader(path)), name).toBe(read);
    }
  });

  it("the README's table of registry reasons names every reason the reader gives, and no other", () => {
    const readme = readFileSync(join(packageRoot(), "README.md"), "utf8");
    const table = readme.slice(readme.indexOf("| reason | the row |"));
    const rows = table.slice(0, table.indexOf("\n\n")).split("\n").slice(2);
    expect(rows.map((row) => /^\| `([a-z_]+)` \|/.exec(row)?.[1])).toEqual([...REGISTRY_REJECT]);
  });
});
