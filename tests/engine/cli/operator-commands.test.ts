// `meterflow held` and `meterflow temp-bad` as an operator meets them (issue 14 item 9): the
// built command against a state a real run made, what it prints, its exit status, and what the
// next run does after it.
import { spawnSync } from "node:child_process";
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { packageRoot } from "../../../engine/wasm/paths.js";
import { METERS_HEADER, readCsv, write } from "../../helpers/run.js";
import { tempDir } from "../../helpers/tmp.js";

const BIN = join(packageRoot(), "dist", "engine", "cli", "main.js");
const dir = tempDir();

function meterflow(...args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: "utf8", cwd: dir });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe("operator commands", () => {
  const db = join(dir, "state.db");
  const meters = write(dir, "meters.csv", [METERS_HEADER, "E-1,electricity.register,kWh,1,,,,,,,,,1000,2026-10-31", "E-2,electricity.register,kWh,1,,,,,,,,,500,2026-10-31"]);

  it("flags a meter temp_bad, holds its next reading, releases it after the flag is cleared", () => {
    const first = meterflow("run", "--db", db, "--out", join(dir, "o1"), "--meters", meters, "--quiet", write(dir, "n1.csv", ["meter_id,end,value", "E-1,2026-11-01,1001"]));
    expect(first.status, first.stderr).toBe(0);

    const set = meterflow("temp-bad", "set", "E-2", "--reason", "under verification", "--note", "ticket 7", "--by", "anna", "--db", db);
    expect(set.status, set.stderr).toBe(0);
    expect(set.stdout).toMatch(/^temp_bad set on E-2: under verification \(by anna, /);
    const listed = meterflow("temp-bad", "list", "--json", "--db", db);
    expect(listed.stdout.trim().split("\n").map((l) => JSON.parse(l) as object)).toEqual([
      expect.objectContaining({ meter_id: "E-2", reason: "under verification", note: "ticket 7", by: "anna" }),
    ]);

    const second = meterflow("run", "--db", db, "--out", join(dir, "o2"), "--quiet", write(dir, "n2.csv", ["meter_id,end,value", "E-2,2026-11-10,510"]));
    expect(second.status, second.stderr).toBe(0);
    expect(readCsv(join(dir, "o2", "held.csv")).map((h) => [h.reading_id, h.reasons])).toEqual([["E-2@2026-11-10", "temp_bad"]]);

    const held = meterflow("held", "list", "--db", db);
    expect(held.stdout).toMatch(/^E-2@2026-11-10 +510 +temp_bad /m);

    expect(meterflow("temp-bad", "clear", "E-2", "--reason", "verified", "--by", "ben", "--db", db).status).toBe(0);
    expect(meterflow("temp-bad", "list", "--db", db).stdout.trim()).toBe("no meter is temp_bad");

    const release = meterflow("held", "release", "E-2@2026-11-10", "--reason", "verification passed", "--by", "ben", "--db", db);
    expect(release.status, release.stderr).toBe(0);
    expect(release.stdout.trim()).toBe("released E-2@2026-11-10: billed 10 (by ben)");
    expect(meterflow("held", "list", "--db", db).stdout.trim()).toBe("no held readings");

    // The next reading bills against the released one; a re-send of it is a duplicate.
    const third = meterflow("run", "--db", db, "--out", join(dir, "o3"), "--quiet", write(dir, "n3.csv", ["meter_id,end,value", "E-2,2026-11-10,510", "E-2,2026-11-20,530"]));
    expect(third.status, third.stderr).toBe(0);
    expect(readCsv(join(dir, "o3", "billing.csv")).map((b) => [b.reading_id, b.consumption])).toEqual([["E-2@2026-11-20", "20"]]);

    const again = meterflow("held", "release", "E-2@2026-11-10", "--reason", "again", "--db", db);
    expect(again.status).toBe(1);
    expect(again.stderr.trim()).toMatch(/^meterflow: no held reading E-2@2026-11-10 /);
  });

  it("pages held list --json: stdout one held reading a line, the next page's --after on stderr", () => {
    const own = join(dir, "paging.db");
    const r = meterflow("run", "--db", own, "--out", join(dir, "op"), "--quiet", write(dir, "np.csv", ["meter_id,end,value", "U-1,2026-11-01,1", "U-2,2026-11-01,2"]));
    expect(r.status, r.stderr).toBe(0);
    const page = meterflow("held", "list", "--json", "--limit", "1", "--db", own);
    const rows = page.stdout.trim().split("\n").map((l) => JSON.parse(l) as { cursor: number; reading_id: string; reasons: string });
    expect(rows.map((h) => [h.reading_id, h.reasons])).toEqual([["U-1@2026-11-01", "unknown_meter"]]);
    expect(page.stderr.trim()).toBe(`more: meterflow held list --after ${rows[0].cursor} ...`);
    const last = meterflow("held", "list", "--json", "--limit", "1", "--after", String(rows[0].cursor), "--db", own);
    expect(last.stdout.trim().split("\n").map((l) => (JSON.parse(l) as { reading_id: string }).reading_id)).toEqual(["U-2@2026-11-01"]);
    expect(last.stderr).toBe("");
  });

  it("says a released unknown_meter reading is held again for what it is judged now that its meter is known", () => {
    const own = join(dir, "unknown.db");
    const before = write(dir, "u-meters-1.csv", [METERS_HEADER, "E-1,electricity.register,kWh,1,,,,,,,,,1000,2026-10-31"]);
    const run = (name: string, registry: string, lines: string[]) => meterflow("run", "--db", own, "--out", join(dir, name), "--meters", registry, "--quiet",
      write(dir, `${name}.csv`, ["meter_id,end,value", ...lines]));
    expect(run("u1", before, ["N-1,2026-11-10,500", "N-2,2026-11-10,1010"]).status).toBe(0);
    const after = write(dir, "u-meters-2.csv", [METERS_HEADER, "E-1,electricity.register,kWh,1,,,,,,,,,1000,2026-10-31",
      "N-1,electricity.register,kWh,1,,,,,,,,,1000,2026-10-31", "N-2,electricity.register,kWh,1,,,,,,,,,1000,2026-10-31"]);
    expect(run("u2", after, []).status).toBe(0);
    // 500 after a baseline of 1000: a wrap of almost the whole register, implausible.
    const reheld = meterflow("held", "release", "N-1@2026-11-10", "--reason", "meter imported", "--by", "ben", "--db", own);
    expect(reheld.status, reheld.stderr).toBe(0);
    expect(reheld.stdout.trim()).toBe("re-held N-1@2026-11-10: implausible_rollover; nothing billed (its hold judged nothing: judged now; release it again to lift these) (by ben)");
    expect(meterflow("held", "list", "--db", own).stdout).toMatch(/^N-1@2026-11-10 +500 +implausible_rollover /m);
    const billed = meterflow("held", "release", "N-2@2026-11-10", "--reason", "meter imported", "--by", "ben", "--db", own);
    expect(billed.stdout.trim()).toBe("released N-2@2026-11-10: billed 10 (by ben)");
  });

  it("says a released unknown_meter_type reading is held again for what its type's rule finds once the type is back", () => {
    const own = join(dir, "types.db");
    // The plugin's type, and its rule: a daily consumption above 15 is held steam_over_cap; v2 renames the type.
    const plugin = (name: string, type: string) => {
      writeFileSync(join(dir, `${name}.mjs`), `export default { name: "@test/steam", version: "1.0.0", sdk: "^1.0.0",
  meterTypes: [{ name: "${type}", kind: "register", unit: "t", description: "steam", defaults: { scalingFactor: 2 } }],
  rules: [{ name: "steam", rules: [{ name: "cap", event: { type: "hold", params: { reason: "steam_over_cap" } },
    conditions: { all: [{ fact: "meter_type", operator: "equal", value: "${type}" }, { fact: "daily", operator: "greaterThan", value: 15 }] } }] }] };\n`);
      return write(dir, `${name}.json`, [JSON.stringify({ plugins: [`./${name}.mjs`] })]);
    };
    const [v1, v2] = [plugin("steam-v1", "steam.register"), plugin("steam-v2", "steam_mass.register")];
    const registry = write(dir, "t-meters.csv", ["meter_id,type", "S-1,steam.register", "S-2,steam.register"]);
    const run = (name: string, config: string, lines: string[]) => meterflow("run", "--db", own, "--out", join(dir, name), "--meters", registry,
      "--config", config, "--quiet", write(dir, `${name}.csv`, ["meter_id,end,value", ...lines]));
    expect(run("t1", v1, ["S-1,2026-09-30,100", "S-2,2026-09-30,100"]).status).toBe(0);
    expect(run("t2", v2, ["S-1,2026-10-31,400", "S-2,2026-10-31,160"]).status).toBe(0);
    expect(meterflow("held", "list", "--db", own).stdout).toMatch(/^S-1@2026-10-31 +400 +unknown_meter_type /m);
    // 500 (x2) in 31 days: the type's rule holds it; S-2's 120 is clean.
    const reheld = meterflow("held", "release", "S-1@2026-10-31", "--reason", "type back", "--by", "ben", "--config", v1, "--db", own);
    expect(reheld.status, reheld.stderr).toBe(0);
    expect(reheld.stdout.trim()).toBe("re-held S-1@2026-10-31: steam_over_cap; nothing billed (its hold judged nothing: judged now; release it again to lift these) (by ben)");
    expect(meterflow("held", "list", "--db", own).stdout).toMatch(/^S-1@2026-10-31 +400 +steam_over_cap /m);
    const billed = meterflow("held", "release", "S-2@2026-10-31", "--reason", "type back", "--by", "ben", "--config", v1, "--db", own);
    expect(billed.stdout.trim()).toBe("released S-2@2026-10-31: billed 120 (by ben)");
  });

  it("refuses mistakes with one line: exit 2 for usage, 1 when it cannot act, nothing created", () => {
    const missing = join(dir, "missing.db");
    const cases: Array<[string[], number, RegExp]> = [
      [["held", "release", "E-1@2026-11-01", "--db", db], 2, /needs --reason/],
      [["held", "list", "--limit", "0", "--db", db], 2, /--limit must be a whole number from 1 to 10000/],
      [["held", "frobnicate", "--db", db], 2, /unknown held command/],
      [["temp-bad", "set", "E-1", "--db", db], 2, /needs --reason/],
      [["temp-bad", "set", "--reason", "x", "--db", db], 2, /needs exactly one METER_ID/],
      [["temp-bad", "set", "NOPE", "--reason", "x", "--db", db], 1, /meter NOPE is not in the registry/],
      [["temp-bad", "clear", "E-1", "--reason", "x", "--db", db], 1, /meter E-1 has no temp_bad flag/],
      [["temp-bad", "list", "--db", missing], 1, /no meterflow state at/],
      [["held", "list"], 2, /needs --db/],
    ];
    for (const [args, status, message] of cases) {
      const r = meterflow(...args);
      expect({ args, status: r.status }).toEqual({ args, status });
      expect(r.stderr.trim().split("\n"), args.join(" ")).toHaveLength(1);
      expect(r.stderr).toMatch(message);
    }
    expect(existsSync(missing)).toBe(false);
  });
});
