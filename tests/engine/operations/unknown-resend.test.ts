// A reading held `unknown_meter` stays held once its meter is imported: an exact re-send of it
// after the import is a duplicate (README "What happens to each reading": an exact re-send of a
// held reading, an unknown meter's too, changes nothing), and it is the operator's release that
// bills it (README "Operators"). It was decided again instead, billed or held `initial`, while its
// held record stayed open, listed and refused by a release (store audit, both stores).
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { listHeld, OperationSession, releaseHeld } from "../../../engine/operations/index.js";
import { readLedger } from "../../../engine/store/ledger.js";
import { bucketOf, DEFAULT_PARTITIONS } from "../../../engine/store/contract.js";
import { openStore } from "../../../engine/store/open.js";
import { METERS_HEADER, runAndRead, write } from "../../helpers/run.js";
import { tempDir } from "../../helpers/tmp.js";
import { runPostgresTests, testStoreUrl } from "../store/postgres-env.js";

const dir = tempDir("meterflow-unknown-resend-");
let n = 0;
const E = (id: string, baseline: string) => `${id},electricity.register,kWh,1,,,,,,,,,${baseline}`;

const STORES = [
  { kind: "sqlite", db: () => join(dir, `u-${n++}.db`) },
  ...(runPostgresTests ? [{ kind: "postgres", db: testStoreUrl }] : []),
];

describe.each(STORES)("an unknown meter's held reading after its meter is imported, on $kind", ({ db: newDb }) => {
  async function nights(db: string) {
    let night = 0;
    return (registry: string[], lines: string[]) => runAndRead({
      db, meters: write(dir, `m-${n}-${night}.csv`, [METERS_HEADER, ...registry]),
      inputs: [write(dir, `r-${n}-${night}.csv`, ["meter_id,end,value", ...lines])], out: join(dir, `out-${n}-${night++}`),
    });
  }

  async function billedOf(db: string, meterId: string): Promise<Map<number, number>> {
    const store = await openStore(db);
    try {
      const byEnd = new Map<number, number>();
      for (const e of (await readLedger(store, [meterId])).get(meterId) ?? []) byEnd.set(e.end, (byEnd.get(e.end) ?? 0) + e.billed);
      return byEnd;
    } finally {
      await store.close();
    }
  }

  it("is a duplicate when re-sent, stays listed, and its release bills it against the new baseline", async () => {
    const db = newDb();
    const run = await nights(db);
    const first = await run([E("K-1", "100,2026-11-20")], ["U-1,2026-11-21,100", "K-1,2026-11-21,110"]);
    expect(first.held.map((h) => [h.reading_id, h.reasons])).toEqual([["U-1@2026-11-21", "unknown_meter"]]);

    // U-1 registered with a baseline; the same reading re-sent with the next day's.
    const second = await run([E("K-1", "100,2026-11-20"), E("U-1", "90,2026-11-20")], ["U-1,2026-11-21,100", "U-1,2026-11-22,120"]);
    expect(second.summary).toMatchObject({ in: 2, billable: 1, held: 0, duplicates: 1 });
    expect(second.billing.map((b) => [b.reading_id, b.consumption])).toEqual([["U-1@2026-11-22", "30"]]);

    const session = await OperationSession.open({ db });
    try {
      expect((await listHeld(session.store, { meterId: "U-1" })).rows.map((h) => [h.readingId, h.reasons])).toEqual([["U-1@2026-11-21", "unknown_meter"]]);
      const released = await releaseHeld(session, { readingId: "U-1@2026-11-21", reason: "meter registered", actor: "ops" });
      expect(released).toMatchObject({ meterId: "U-1", billed: 10, correction: -10 });
      expect((await listHeld(session.store, { meterId: "U-1" })).rows).toEqual([]);
    } finally {
      await session.close();
    }
    // Billed over all: the register moved 30 from its baseline, each reading its own interval.
    const billed = await billedOf(db, "U-1");
    expect([...billed.values()].reduce((s, x) => s + x, 0)).toBe(30);
    expect(billed.get(Date.UTC(2026, 10, 21) / 86_400_000)).toBe(10);
    expect(billed.get(Date.UTC(2026, 10, 22) / 86_400_000)).toBe(20);
  });

  it("is a duplicate when re-sent to a meter imported without a baseline, not held again as initial", async () => {
    const db = newDb();
    const run = await nights(db);
    await run([E("K-1", "100,2026-11-20")], ["U-9,2026-11-21,100", "U-9,2026-11-22,104"]);
    const second = await run([E("K-1", "100,2026-11-20"), E("U-9", ",")], ["U-9,2026-11-21,100", "U-9,2026-11-23,130"]);
    expect(second.summary).toMatchObject({ in: 2, held: 1, duplicates: 1 });
    expect(second.held.map((h) => [h.reading_id, h.reasons])).toEqual([["U-9@2026-11-23", "initial"]]);
    const store = await openStore(db);
    try {
      const open = (await listHeld(store, { meterId: "U-9" })).rows.map((h) => [h.readingId, h.reasons]);
      // (An initial reading begins the chain: it is no open held record.)
      expect(open).toEqual([["U-9@2026-11-21", "unknown_meter"], ["U-9@2026-11-22", "unknown_meter"]]);
    } finally {
      await store.close();
    }
  });

  it("stays counted when a night of another meter of its bucket writes the bucket's state before the re-send", async () => {
    const db = newDb();
    const run = await nights(db);
    // A meter in U-2's bucket: its night writes that bucket's state, U-2's slot in it.
    let other = 0;
    while (bucketOf(`N-${other}`, DEFAULT_PARTITIONS) !== bucketOf("U-2", DEFAULT_PARTITIONS)) other++;
    const N = `N-${other}`;
    await run([E(N, "100,2026-11-20")], ["U-2,2026-11-21,100"]);
    const registry = [E(N, "100,2026-11-20"), E("U-2", "90,2026-11-20")];
    expect((await run(registry, [`${N},2026-11-21,105`])).summary).toMatchObject({ billable: 1 });
    // (With a reading of another day: a file whose batch was committed before is a duplicate whole.)
    const resent = await run(registry, ["U-2,2026-11-21,100", `${N},2026-11-22,107`]);
    expect(resent.summary).toMatchObject({ in: 2, billable: 1, duplicates: 1 });
    const store = await openStore(db);
    try {
      expect((await listHeld(store, { meterId: "U-2" })).rows.map((h) => [h.readingId, h.reasons])).toEqual([["U-2@2026-11-21", "unknown_meter"]]);
    } finally {
      await store.close();
    }
  });

  it("keeps an override it arrived with: its release bills the override, its exact re-send is a duplicate (ledger fuzzer)", async () => {
    const db = newDb();
    let night = 0;
    const run = (registry: string[], lines: string[]) => runAndRead({
      db, meters: write(dir, `om-${n}-${night}.csv`, [METERS_HEADER, ...registry]),
      inputs: [write(dir, `or-${n}-${night}.csv`, ["meter_id,end,value,override", ...lines])], out: join(dir, `oout-${n}-${night++}`),
    });
    const first = await run([E("K-1", ",")], ["L-1,2026-11-03,900,", "L-1,2026-11-07,920,7"]);
    expect(first.held.map((h) => [h.reading_id, h.reasons])).toEqual([["L-1@2026-11-03", "unknown_meter"], ["L-1@2026-11-07", "unknown_meter"]]);
    const registry = [E("K-1", ","), E("L-1", ",")];
    // An exact re-send (with its override) after the import is a duplicate; another override is not.
    const resent = await run(registry, ["L-1,2026-11-07,920,7", "K-1,2026-11-08,1,"]);
    expect(resent.summary).toMatchObject({ in: 2, duplicates: 1 });
    const session = await OperationSession.open({ db });
    try {
      expect(await releaseHeld(session, { readingId: "L-1@2026-11-03", reason: "registered", actor: "ops" })).toMatchObject({ billed: 0 });
      expect(await releaseHeld(session, { readingId: "L-1@2026-11-07", reason: "registered", actor: "ops" })).toMatchObject({ billed: 7 });
    } finally {
      await session.close();
    }
    expect([...(await billedOf(db, "L-1")).values()].reduce((s, x) => s + x, 0)).toBe(7);
  });
});
