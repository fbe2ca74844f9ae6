// Rules as a user meets them through the built `meterflow` command (issues 13 and 14): a rule
// naming a fact or operator that does not exist is refused with its code, file, rule and JSON
// path by `rules check` (which knows the plugins' facts, with --config) and by `run` before
// anything is written; plugin rules of a "rows": "sensor" file see sensor rows and name their
// alerts <plugin>/<rule>; absent facts are null in `rules test`; rules that hold nothing and
// --rules replacing the defaults are said out loud; a run lists the rule sets it used.
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { packageRoot } from "../../../engine/wasm/paths.js";
import { readCsv } from "../../helpers/run.js";
import { tempDir } from "../../helpers/tmp.js";

const BIN = join(packageRoot(), "dist", "engine", "cli", "main.js");

function meterflow(cwd: string, ...args: string[]): { status: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd, encoding: "utf8" });
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

function put(dir: string, name: string, content: unknown): string {
  writeFileSync(join(dir, name), typeof content === "string" ? content : JSON.stringify(content, null, 2));
  return name;
}

const hold = (name: string, fact: string, operator = "greaterThan", value: unknown = 0.8) => ({
  name, conditions: { all: [{ fact, operator, value }] }, event: { type: "hold", params: { reason: name } },
});

/** A soil-moisture plugin (a channel and a derived fact), written as an author would, with no imports. */
const SOIL = `export default {
  name: "acme-soil", version: "1.0.0", sdk: "^1.0.0",
  sensors: [{ name: "soil_moisture", unit: "%", description: "volumetric water content", range: { min: 0, max: 100 } }],
  facts: [{ name: "dryness", description: "1 - moisture/100", reads: ["soil_moisture"], writes: ["soil_dryness"],
    compute(input, output, n) { for (let i = 0; i < n; i++) output.soil_dryness[i] = 1 - input.soil_moisture[i] / 100; } }],
};
`;

/** The guide's vibration plugin with its zone-C rule in a rule file of sensor rows; `fact` may be misspelt. */
const vibration = (fact = "vibration", rows = "sensor") => `export default {
  name: "acme-vibration", version: "1.0.0", sdk: "^1.0.0",
  sensors: [{ name: "vibration", unit: "mm/s", description: "RMS vibration velocity", range: { min: 0, max: 100 } }],
  rules: [{ name: "zones", rows: ${JSON.stringify(rows)}, rules: [{ name: "vibration-zone-c",
    conditions: { all: [{ fact: ${JSON.stringify(fact)}, operator: "greaterThan", value: 4.5 }] },
    event: { type: "alert", params: { severity: "warning", channel: "vibration", message: "zone C: restricted operation" } } }] }],
};
`;

const METERS = "meter_id,type\nP-1,electricity.register\n";
/** A reading with a register value, then sensor rows (no value) with vibration 5.0, 5.5 and 3.0 mm/s. */
const READINGS = [
  "meter_id,end,value,vibration",
  "P-1,2026-11-01T08:00:00Z,10,",
  "P-1,2026-11-02T08:05:00Z,,5.0",
  "P-1,2026-11-02T08:10:00Z,,5.5",
  "P-1,2026-11-02T08:15:00Z,,3.0",
].join("\n") + "\n";

describe("meterflow rules check: facts and operators that exist", () => {
  it("refuses a misspelt fact and operator with their codes, file, rule and JSON path, exit 1", () => {
    const dir = tempDir("meterflow-rules-facts-");
    put(dir, "bad.json", { rules: [hold("dry", "soil_drynes"), hold("hot", "consumption", "greaterThn", 5)] });
    const r = meterflow(dir, "rules", "check", "bad.json");
    expect(r.status).toBe(1);
    expect(r.stdout).toContain(`bad.json: dry: rules[0].conditions.all[0].fact: unknown fact "soil_drynes"`);
    expect(r.stdout).toMatch(/^bad\.json: dry: .*\[MF_ERR_RULES_UNKNOWN_FACT\]$/m);
    expect(r.stdout).toMatch(/^bad\.json: hot: rules\[1\]\.conditions\.all\[0\]\.operator: unknown operator "greaterThn" \[MF_ERR_RULES_UNKNOWN_OPERATOR\]$/m);
    expect(r.stdout).toContain("1 file: invalid, 2 errors");
  });

  it("knows the built-in plugins' facts, and a configured plugin's channels and facts with --config", () => {
    const dir = tempDir("meterflow-rules-facts-");
    put(dir, "soil.mjs", SOIL);
    put(dir, "soil.config.json", { plugins: ["./soil.mjs"] });
    put(dir, "dew.json", [hold("condensation", "dew_point", "greaterThan", 20)]);
    put(dir, "soil.json", [hold("dry", "soil_dryness"), hold("wet", "soil_moisture", "greaterThan", 90)]);
    const dew = meterflow(dir, "rules", "check", "dew.json");
    expect(dew.status, dew.stdout).toBe(0);
    expect(dew.stdout).not.toContain("dew_point");
    const without = meterflow(dir, "rules", "check", "soil.json");
    expect(without.status).toBe(1);
    expect(without.stdout).toContain(`unknown fact "soil_dryness"`);
    const configured = meterflow(dir, "rules", "check", "--config", "soil.config.json", "soil.json");
    expect(configured.status, configured.stdout).toBe(0);
    expect(configured.stdout).toMatch(/1 file, 2 rules, 0 named conditions: valid, 0 warnings/);
  });

  it("warns, exit 0, about rules of which none can hold a reading (a file [])", () => {
    const dir = tempDir("meterflow-rules-facts-");
    put(dir, "empty.json", []);
    const r = meterflow(dir, "rules", "check", "empty.json");
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^warning: empty\.json: -: -: no rules: a run with only these rules bills every reading \[MF_WARN_RULES_NO_HOLDS\]$/m);
    const defaults = meterflow(dir, "rules", "check");
    expect(defaults.stdout).not.toContain("MF_WARN_RULES_NO_HOLDS");
  });

  it("tests facts on the default rules with absent facts as null, not 'Undefined fact'", () => {
    const dir = tempDir("meterflow-rules-facts-");
    put(dir, "facts.json", [{}, { zero: true, history_readings: 12 }]);
    const r = meterflow(dir, "rules", "test", "--facts", "facts.json");
    expect(r.stdout).not.toContain("Undefined fact");
    expect(r.status, r.stdout).toBe(0);
    expect(r.stdout).toContain("2 facts objects: 2 ran, 0 errors");
    expect(r.stdout).toMatch(/open_circuit = null equal true -> false/);
  });

  // A facts file that cannot be used is an input the command could not read (exit 1, coded, the
  // reason said as a run says it), not a usage mistake with Node's raw `ENOENT: ...`.
  it("says why it cannot use a facts file: missing, a directory, not JSON, not facts (MF_ERR_FACTS_FILE, exit 1)", () => {
    const dir = tempDir("meterflow-rules-facts-");
    put(dir, "rules.json", []);
    put(dir, "broken.json", "{");
    put(dir, "number.json", "5");
    const cases: Array<[string, RegExp]> = [
      ["nope.json", /^meterflow: cannot read facts file nope\.json: no such file \(MF_ERR_FACTS_FILE\)$/],
      [".", /^meterflow: cannot read facts file \.: not a file \(MF_ERR_FACTS_FILE\)$/],
      ["broken.json", /^meterflow: facts file broken\.json is not valid JSON: .* \(MF_ERR_FACTS_FILE\)$/],
      ["number.json", /^meterflow: facts file number\.json must hold an object of facts or an array of them \(MF_ERR_FACTS_FILE\)$/],
    ];
    for (const [facts, line] of cases) {
      const r = meterflow(dir, "rules", "test", "rules.json", "--facts", facts);
      expect(r.status, facts).toBe(1);
      expect(r.stderr.trimEnd(), facts).toMatch(line);
    }
  });
});

describe("meterflow run: rules checked before anything is written", () => {
  it("stops on a misspelt fact in a --rules file with its code, writing no outputs and no state", () => {
    const dir = tempDir("meterflow-rules-run-");
    put(dir, "meters.csv", METERS);
    put(dir, "readings.csv", READINGS);
    put(dir, "mine.json", [hold("dry", "soil_drynes")]);
    const r = meterflow(dir, "run", "--rules", "mine.json", "--meters", "meters.csv", "--db", "state.db", "--out", "out", "readings.csv");
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/mine\.json \[0\]\.conditions\.all\[0\]\.fact: unknown fact "soil_drynes".*\(rule "dry"\) \(MF_ERR_RULES_UNKNOWN_FACT\)/);
    expect(existsSync(join(dir, "out"))).toBe(false);
    expect(existsSync(join(dir, "state.db"))).toBe(false);
  });

  it("stops on an unknown operator with MF_ERR_RULES_UNKNOWN_OPERATOR, not a bare 'invalid rules'", () => {
    const dir = tempDir("meterflow-rules-run-");
    put(dir, "meters.csv", METERS);
    put(dir, "readings.csv", READINGS);
    put(dir, "mine.json", [hold("big", "consumption", "greaterThn", 5)]);
    const r = meterflow(dir, "run", "--rules", "mine.json", "--meters", "meters.csv", "--db", "state.db", "--out", "out", "readings.csv");
    expect(r.status).toBe(1);
    expect(r.stderr.trim()).toMatch(/^meterflow: invalid rules, 1 error: mine\.json \[0\]\.conditions\.all\[0\]\.operator: unknown operator "greaterThn" \(rule "big"\) \(MF_ERR_RULES_UNKNOWN_OPERATOR\)$/);
    expect(existsSync(join(dir, "out"))).toBe(false);
  });

  it("lists several problems of the rule files each on a line of its own under the first", () => {
    const dir = tempDir("meterflow-rules-run-");
    put(dir, "meters.csv", METERS);
    put(dir, "readings.csv", READINGS);
    put(dir, "mine.json", [hold("big", "consumption", "greaterThn", 5), hold("dry", "soil_drynes")]);
    const r = meterflow(dir, "run", "--rules", "mine.json", "--meters", "meters.csv", "--db", "state.db", "--out", "out", "readings.csv");
    expect(r.status).toBe(1);
    const lines = r.stderr.trimEnd().split("\n");
    expect(lines[0]).toBe("meterflow: invalid rules, 2 errors (MF_ERR_RULES_INVALID)");
    expect(lines.slice(1)).toEqual([
      expect.stringMatching(/^ {2}mine\.json \[0\]\.conditions\.all\[0\]\.operator: unknown operator "greaterThn" \(rule "big"\) \[MF_ERR_RULES_UNKNOWN_OPERATOR\]$/),
      expect.stringMatching(/^ {2}mine\.json \[1\]\.conditions\.all\[0\]\.fact: unknown fact "soil_drynes".*\(rule "dry"\) \[MF_ERR_RULES_UNKNOWN_FACT\]$/),
    ]);
    expect(existsSync(join(dir, "out"))).toBe(false);
  });

  it("stops on a misspelt fact in a plugin's rule file, naming the plugin", () => {
    const dir = tempDir("meterflow-rules-run-");
    put(dir, "meters.csv", METERS);
    put(dir, "readings.csv", READINGS);
    put(dir, "vibration.mjs", vibration("vibraton"));
    put(dir, "meterflow.config.json", { plugins: ["./vibration.mjs"] });
    const r = meterflow(dir, "run", "--meters", "meters.csv", "--db", "state.db", "--out", "out", "readings.csv");
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(`plugin acme-vibration: zones rules[0].conditions.all[0].fact: unknown fact "vibraton" (did you mean "vibration"?)`);
    expect(r.stderr).toContain("(MF_ERR_RULES_UNKNOWN_FACT)");
    expect(existsSync(join(dir, "out", "billing.csv"))).toBe(false);
  });
});

describe("meterflow run: plugin rules on sensor rows", () => {
  it("raises the guide's zone-C alert for sensor rows (5.0 and 5.5 mm/s) named <plugin>/<rule>", () => {
    const dir = tempDir("meterflow-rules-sensor-");
    put(dir, "meters.csv", METERS);
    put(dir, "readings.csv", READINGS);
    put(dir, "vibration.mjs", vibration());
    put(dir, "meterflow.config.json", { plugins: ["./vibration.mjs"] });
    const r = meterflow(dir, "run", "--meters", "meters.csv", "--db", "state.db", "--out", "out", "readings.csv");
    expect(r.status, r.stderr).toBe(0);
    const alerts = readCsv(join(dir, "out", "alerts.csv"));
    expect(alerts.map((a) => [a.meter_id, a.end, a.channel, a.rule])).toEqual([
      ["P-1", "2026-11-02", "vibration", "acme-vibration/vibration-zone-c"],
      ["P-1", "2026-11-02", "vibration", "acme-vibration/vibration-zone-c"],
    ]);
    const summary = JSON.parse(readFileSync(join(dir, "out", "summary.json"), "utf8"));
    expect(summary.alert_rules).toEqual({ "acme-vibration/vibration-zone-c": 2 });
    expect(summary.rules.sets).toEqual([
      expect.objectContaining({ kind: "defaults", rules: 14, sensor_rows: 0 }),
      { kind: "plugin", plugin: "acme-vibration", files: ["plugin acme-vibration: zones"], rules: 1, holds: 0, sensor_rows: 1 },
    ]);
    expect(r.stdout).toMatch(/^rules: defaults \(2 files, 14 rules\), plugin acme-vibration \(1 rule, 1 on sensor rows\)$/m);
  });

  it("raises the same alerts with the decoding and writing threads (--threads 2)", () => {
    const dir = tempDir("meterflow-rules-sensor-");
    put(dir, "meters.csv", METERS);
    put(dir, "readings.csv", READINGS);
    put(dir, "vibration.mjs", vibration());
    put(dir, "meterflow.config.json", { plugins: ["./vibration.mjs"] });
    const r = meterflow(dir, "run", "--threads", "2", "--meters", "meters.csv", "--db", "state.db", "--out", "out", "--quiet", "readings.csv");
    expect(r.status, r.stderr).toBe(0);
    expect(readCsv(join(dir, "out", "alerts.csv")).map((a) => a.rule)).toEqual(["acme-vibration/vibration-zone-c", "acme-vibration/vibration-zone-c"]);
  });

  it("keeps a rule file without rows on reading rows only: sensor rows raise nothing", () => {
    const dir = tempDir("meterflow-rules-sensor-");
    put(dir, "meters.csv", METERS);
    put(dir, "readings.csv", READINGS);
    put(dir, "vibration.mjs", vibration("vibration", "reading"));
    put(dir, "meterflow.config.json", { plugins: ["./vibration.mjs"] });
    const r = meterflow(dir, "run", "--meters", "meters.csv", "--db", "state.db", "--out", "out", "--quiet", "readings.csv");
    expect(r.status, r.stderr).toBe(0);
    expect(readCsv(join(dir, "out", "alerts.csv"))).toEqual([]);
  });
});

describe("meterflow run: which rules decide, said out loud", () => {
  it("warns on stderr that --rules replaces the defaults and that nothing is held, and lists the sets", () => {
    const dir = tempDir("meterflow-rules-sets-");
    put(dir, "meters.csv", METERS);
    put(dir, "readings.csv", READINGS);
    put(dir, "empty.json", []);
    const r = meterflow(dir, "run", "--rules", "empty.json", "--meters", "meters.csv", "--db", "state.db", "--out", "out", "readings.csv");
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/^meterflow: warning: --rules replaces the default rules: only empty\.json decide/m);
    expect(r.stderr).toMatch(/^meterflow: warning: no hold rules: every reading will be billed/m);
    const summary = JSON.parse(readFileSync(join(dir, "out", "summary.json"), "utf8"));
    expect(summary.rules.sets).toEqual([{ kind: "files", files: ["empty.json"], rules: 0, holds: 0, sensor_rows: 0 }]);
    expect(r.stdout).toMatch(/^rules: files empty\.json \(0 rules, no holds\)$/m);
  });

  it("says what the rule linter finds in the --rules files before it runs: a misspelt event type holds nothing", () => {
    // Rules audit: an event of type "Hold" (json-rules-engine fires it; meterflow acts on "hold")
    // billed the readings it was written to hold, and the run said nothing (only `rules check` did).
    const dir = tempDir("meterflow-rules-lint-");
    put(dir, "meters.csv", "meter_id,last_reading,last_end\nZ1,5,2026-11-01\n");
    put(dir, "z.csv", "meter_id,end,value\nZ1,2026-11-02,5\n");
    const defaults = join(packageRoot(), "engine", "rules", "default");
    const typo = put(dir, "zero.json", [{ name: "zero", conditions: { all: [{ fact: "zero", operator: "equal", value: true }] }, event: { type: "Hold", params: { reason: "zero" } } }]);
    const r = meterflow(dir, "run", "--rules", join(defaults, "eligibility.json"), "--rules", join(defaults, "temp-bad.json"), "--rules", typo,
      "--meters", "meters.csv", "--db", "state.db", "--out", "out", "z.csv");
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/^meterflow: warning: zero\.json: rule "zero": \[0\]\.event\.type: meterflow does not act on events of type "Hold" \[MF_WARN_RULES_UNKNOWN_EVENT\]$/m);
    // The default files given with it: nothing of them is replaced, and nothing is said of it.
    expect(r.stderr).not.toContain("replaces the default rules");
    // What the warning says is what happens: the zero reading is billed.
    expect(readCsv(join(dir, "out", "billing.csv")).map((b) => [b.meter_id, b.consumption])).toEqual([["Z1", "0"]]);
    // The default rules alone say nothing of the kind.
    const plain = meterflow(dir, "run", "--db", "state2.db", "--meters", "meters.csv", "--out", "out2", "z.csv");
    expect(plain.status, plain.stderr).toBe(0);
    expect(plain.stderr).not.toContain("MF_WARN_");
  });

  it("warns when --rules files lose the default holds of flagged meters and implausible rollovers, and bills what they no longer hold", () => {
    // The README's promise (Operators): --rules files that drop meter-temp-bad hold a flagged
    // meter's readings only if they keep it, "the run warns when they do not". It did not: a
    // meter flagged temp_bad by an operator was billed with only the generic --rules warning.
    const dir = tempDir("meterflow-rules-guards-");
    put(dir, "meters.csv", "meter_id,last_reading,last_end\nD1,130,2026-11-05\n");
    put(dir, "d.csv", "meter_id,end,value\nD1,2026-11-06,140\n");
    expect(meterflow(dir, "meters", "import", "--db", "state.db", "meters.csv").status).toBe(0);
    expect(meterflow(dir, "temp-bad", "set", "D1", "--reason", "meter under verification", "--db", "state.db").status).toBe(0);
    const defaults = join(packageRoot(), "engine", "rules", "default");
    const lost = meterflow(dir, "run", "--rules", join(defaults, "eligibility.json"), "--db", "state.db", "--out", "out1", "d.csv");
    expect(lost.status, lost.stderr).toBe(0);
    expect(lost.stderr).toMatch(/^meterflow: warning: no hold rule holds a reading with meter_temp_bad true: readings of meters flagged temp_bad \(by an operator or a rule\) will be billed \(the default rule meter-temp-bad \(temp-bad\.json\) holds them/m);
    expect(lost.stderr).not.toContain("no hold rule holds a reading with implausible_rollover");
    // What the warning says is what happens: the flagged meter is billed.
    expect(readCsv(join(dir, "out1", "billing.csv")).map((r) => [r.meter_id, r.consumption])).toEqual([["D1", "10"]]);
    put(dir, "d2.csv", "meter_id,end,value\nD1,2026-11-07,150\n");
    const mine = put(dir, "mine.json", {
      conditions: { "is-flagged": { all: [{ fact: "meter_temp_bad", operator: "equal", value: true }] } },
      rules: [hold("spiky", "daily", "greaterThan", 1000), { name: "flagged", conditions: { any: [{ condition: "is-flagged" }] }, event: { type: "hold", params: { reason: "temp_bad" } } }],
    });
    const kept = meterflow(dir, "run", "--rules", mine, "--db", "state.db", "--out", "out2", "d2.csv");
    expect(kept.status, kept.stderr).toBe(0);
    // A named condition naming the fact counts; the rollover hold is now the one missing.
    expect(kept.stderr).not.toContain("no hold rule holds a reading with meter_temp_bad");
    expect(kept.stderr).toMatch(/^meterflow: warning: no hold rule holds a reading with implausible_rollover true: implausible rollovers/m);
    expect(readCsv(join(dir, "out2", "held.csv")).map((r) => [r.meter_id, r.reasons])).toEqual([["D1", "temp_bad"]]);
    // A hold rule that names the fact but holds no flagged meter keeps the warning (it silenced it).
    put(dir, "d3.csv", "meter_id,end,value\nD1,2026-11-08,160\n");
    const blind = put(dir, "blind.json", [hold("not-flagged", "meter_temp_bad", "equal", false), hold("typo", "implausible_rollover", "equal", true)]);
    const silenced = meterflow(dir, "run", "--rules", blind, "--db", "state.db", "--out", "out3", "d3.csv");
    expect(silenced.status, silenced.stderr).toBe(0);
    expect(silenced.stderr).toMatch(/^meterflow: warning: no hold rule holds a reading with meter_temp_bad true: readings of meters flagged/m);
    expect(silenced.stderr).not.toContain("no hold rule holds a reading with implausible_rollover");
  });

  it("says nothing about rules for the default rules", () => {
    const dir = tempDir("meterflow-rules-sets-");
    put(dir, "meters.csv", METERS);
    put(dir, "readings.csv", READINGS);
    const r = meterflow(dir, "run", "--meters", "meters.csv", "--db", "state.db", "--out", "out", "readings.csv");
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).not.toContain("warning");
    expect(r.stdout).toMatch(/^rules: defaults \(2 files, 14 rules\)$/m);
  });
});
