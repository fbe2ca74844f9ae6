// A meter registered with a plugin's type keeps the settings that type's defaults filled in
// (a scaling factor); when no loaded plugin defines that type any more (the plugin renamed it),
// its readings are held `unknown_meter_type`, on time or back-dated, never billed at the stale
// settings; released (re-judged) once the type is back, refused with what to do until then.
// On SQLite and PostgreSQL.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { OperationSession, releaseHeld } from "../../../engine/operations/index.js";
import { runAndRead, write } from "../../helpers/run.js";
import { tempDir } from "../../helpers/tmp.js";
import { runPostgresTests, testStoreUrl } from "../store/postgres-env.js";

const dir = tempDir();
let n = 0;

const STORES = [
  { kind: "sqlite", db: () => join(dir, `types-${n++}.db`) },
  ...(runPostgresTests ? [{ kind: "postgres", db: testStoreUrl }] : []),
];

/** A plugin config whose one plugin defines the register type `type` (scaling factor 2 by default). */
function pluginConfig(name: string, type: string): string {
  writeFileSync(join(dir, `${name}.mjs`), `export default {
  name: "@test/steam", version: "1.0.0", sdk: "^1.0.0",
  meterTypes: [{ name: ${JSON.stringify(type)}, kind: "register", unit: "t", description: "steam", defaults: { scalingFactor: 2 } }],
};\n`);
  const config = join(dir, `${name}.json`);
  writeFileSync(config, JSON.stringify({ plugins: [`./${name}.mjs`] }));
  return config;
}

const before = pluginConfig("steam-v1", "steam.register");
const renamed = pluginConfig("steam-v2", "steam_mass.register");

describe.each(STORES)("a meter whose registered type no loaded plugin defines, on $kind", ({ db: newDb }) => {
  it("has its readings held unknown_meter_type, then released at its settings once the type is back", async () => {
    const db = newDb();
    const meters = write(dir, `meters-${n++}.csv`, ["meter_id,type", "S-1,steam.register", "E-1,electricity.register"]);
    const run = (config: string, lines: string[]) => runAndRead({
      meters, db, config, inputs: [write(dir, `r-${n++}.csv`, ["meter_id,end,value", ...lines])], out: join(dir, `out-${n++}`),
    });
    const first = await run(before, ["S-1,2026-09-30,100", "S-1,2026-10-31,150", "E-1,2026-10-31,10"]);
    expect(first.billing.map((b) => [b.reading_id, b.consumption])).toEqual([["S-1@2026-10-31", "100"]]);

    // The plugin renamed its type: the registry row is rejected, the meter stays registered.
    const second = await run(renamed, ["S-1,2026-11-30,160", "S-1,2026-10-15,120", "E-1,2026-11-30,20"]);
    expect(second.summary.meters.imported).toMatchObject({ rejected: 1 });
    expect(second.billing.map((b) => [b.reading_id, b.consumption])).toEqual([["E-1@2026-11-30", "10"]]);
    expect(second.held.map((h) => [h.reading_id, h.reasons]).sort()).toEqual([
      ["S-1@2026-10-15", "unknown_meter_type"], ["S-1@2026-11-30", "unknown_meter_type"],
    ]);
    expect(second.summary.held_reasons).toEqual({ unknown_meter_type: 2 });
    expect(second.summary).toMatchObject({ in: 3, billable: 1, held: 2, balanced: true });

    // A release while the type is still undefined is refused, saying what to do.
    const refused = await OperationSession.open({ db, config: renamed });
    try {
      await expect(releaseHeld(refused, { readingId: "S-1@2026-11-30", reason: "x", actor: "ops" }))
        .rejects.toThrow(/unknown_meter_type: its meter's registered type is one no loaded plugin defines/);
    } finally {
      await refused.close();
    }

    // The type back: the held readings release at the meter's settings (scaling factor 2).
    const back = await OperationSession.open({ db, config: before });
    try {
      expect(await releaseHeld(back, { readingId: "S-1@2026-11-30", reason: "type back", actor: "ops" })).toMatchObject({ billed: 20, correction: 0 });
      expect(await releaseHeld(back, { readingId: "S-1@2026-10-15", reason: "type back", actor: "ops" })).toMatchObject({ billed: 40, correction: -40 });
    } finally {
      await back.close();
    }
    const third = await run(before, ["S-1,2026-12-01,170"]);
    expect(third.billing.map((b) => [b.reading_id, b.consumption])).toEqual([["S-1@2026-12-01", "20"]]);
    expect(third.held).toEqual([]);
  });
});
