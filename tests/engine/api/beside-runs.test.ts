// The control API beside runs, on both stores (issue 16's "Done when"): a temp_bad flag set
// through the API between two batches of a run that is going is seen by the run's next batch and
// is not undone by anything the run commits; a release of a held reading whose successor was
// billed in the meantime bills exactly what the reading adds to the chain (its own consumption,
// and the successor's correction by as much the other way), so the meter's total stays the
// telescoped sum over its chain.
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { latestByDay, readLedger } from "../../../engine/store/ledger.js";
import { runAndRead, write } from "../../helpers/run.js";
import { tempDir } from "../../helpers/tmp.js";
import { apiFixture, STORES } from "./fixture.js";
import type { ApiFixture } from "./fixture.js";

const dir = tempDir("meterflow-beside-runs-");
let n = 0;

describe.each(STORES)("control API beside runs on $kind", ({ db }) => {
  let f: ApiFixture;
  afterEach(async () => {
    expect(f.logged).toEqual([]);
    await f?.close();
  });

  it("a flag set between two batches of a running run is seen by its next batch and not undone by it", async () => {
    f = await apiFixture(db);
    let batches = 0;
    const out = await runAndRead({
      db: f.db, out: join(dir, `out-${n++}`),
      // Two files, each routed alone (`window`: a run routes its files together), so two batches
      // at least: the first is E-2's first reading alone.
      window: 1,
      inputs: [
        write(dir, `night-${n++}.csv`, ["meter_id,end,value", "E-2,2026-11-01,1001"]),
        write(dir, `night-${n++}.csv`, ["meter_id,end,value", "E-2,2026-11-02,1002", "E-1,2026-11-02,1002"]),
      ],
      // After the run's first batch (E-2's first reading, decided unflagged), an operator flags E-2.
      onProgress: async () => {
        if (batches++ !== 0) return;
        const set = await f.request("PUT", "/v1/meters/E-2/temp-bad", { json: { reason: "set during the run" } });
        expect(set.status, JSON.stringify(set.data)).toBe(200);
      },
    });
    expect(batches).toBeGreaterThanOrEqual(2);
    expect(out.billing.map((b) => [b.meter_id, b.end])).toEqual([["E-2", "2026-11-01"], ["E-1", "2026-11-02"]]);
    expect(out.held.map((h) => [h.meter_id, h.end, h.reasons])).toEqual([["E-2", "2026-11-02", "temp_bad"]]);
    const meter = await f.request("GET", "/v1/meters/E-2");
    expect(meter.data.temp_bad).toMatchObject({ reason: "set during the run", by: "operator-anna" });
    expect(meter.data.version).toBeGreaterThan(0);
    // The flag outlives the run: the next night holds E-2 as well.
    expect((await f.run(["E-2,2026-11-20,1020"])).held.map((h) => h.reasons)).toEqual(["temp_bad"]);
  });

  it("a release bills exactly what the held reading adds: its consumption, its successor corrected by as much", async () => {
    f = await apiFixture(db);
    await f.run(["E-1,2026-11-01,1001"]);
    await f.request("PUT", "/v1/meters/E-1/temp-bad", { json: { reason: "suspect" } });
    await f.run(["E-1,2026-11-10,1010"]);
    await f.request("DELETE", "/v1/meters/E-1/temp-bad", { json: { reason: "checked" } });
    // The successor is billed against the latest trusted reading: 1001, 19 units.
    expect((await f.run(["E-1,2026-11-20,1020"])).billing.map((b) => [b.end, b.consumption])).toEqual([["2026-11-20", "19"]]);
    const before = (await readLedger(f.store, ["E-1"])).get("E-1")!.reduce((s, e) => s + e.billed, 0);
    expect(before).toBe(20);

    const released = await f.request("POST", "/v1/held/E-1@2026-11-10/release", { json: { reason: "dial photo shows 1010" } });
    expect(released).toMatchObject({ status: 200, data: { reading_id: "E-1@2026-11-10", billed: 9, correction: -9 } });
    const ledger = (await readLedger(f.store, ["E-1"])).get("E-1")!;
    // Nothing billed twice: the meter's total is still 1020 - 1000, now over four chain readings.
    expect(ledger.reduce((s, e) => s + e.billed, 0)).toBe(20);
    expect(latestByDay(ledger).filter((e) => e.held === 0).map((e) => [e.value, e.consumption])).toEqual([[1001, 1], [1010, 9], [1020, 10]]);
    expect((await f.request("GET", "/v1/held?meter_id=E-1")).data.held).toEqual([]);
  });
});
