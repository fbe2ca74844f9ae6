// Operators act on single meters (issue 14 item 9): temp_bad set, cleared and listed, held
// readings listed and released, on SQLite and on PostgreSQL. A release bills exactly what the
// held reading adds to the chain (DESIGN.md's ledger law), a late release corrects its successor,
// and what no release can bill is refused with nothing changed.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { clearTempBad, enterManualReading, listHeld, listTempBad, OperationSession, releaseHeld, setTempBad } from "../../../engine/operations/index.js";
import { latestByDay, readLedger } from "../../../engine/store/ledger.js";
import { openStore } from "../../../engine/store/open.js";
import { packageRoot } from "../../../engine/wasm/paths.js";
import { METERS_HEADER, runAndRead, write } from "../../helpers/run.js";
import { tempDir } from "../../helpers/tmp.js";
import { runPostgresTests, testStoreUrl } from "../store/postgres-env.js";

const dir = tempDir();
const DAY = Date.UTC(2026, 10, 1) / 86_400_000;
let n = 0;
const E = (id: string, baseline: string) => `${id},electricity.register,kWh,1,,,,,,,,,${baseline}`;

const STORES = [
  { kind: "sqlite", db: () => join(dir, `ops-${n++}.db`) },
  ...(runPostgresTests ? [{ kind: "postgres", db: testStoreUrl }] : []),
];

describe.each(STORES)("operator operations on $kind", ({ db: newDb }) => {
  /** A fresh state with meters E-1..E-3 at baseline 1000 on 2026-10-31, and a night runner. */
  async function fixture() {
    const db = newDb();
    const name = `f-${n++}`;
    const meters = write(dir, `${name}-meters.csv`, [METERS_HEADER, E("E-1", "1000,2026-10-31"), E("E-2", "1000,2026-10-31"), E("E-3", "1000,2026-10-31")]);
    let night = 0;
    const run = (lines: string[]) => runAndRead({
      meters, db, inputs: [write(dir, `${name}-${night}.csv`, ["meter_id,end,value", ...lines])], out: join(dir, `${name}-out-${night++}`),
    });
    await run([]);
    return { db, run };
  }

  /** A meter's billed total and per-reading billed sums from the store's ledger. */
  async function ledgerOf(db: string, meterId: string) {
    const store = await openStore(db);
    try {
      const entries = (await readLedger(store, [meterId])).get(meterId) ?? [];
      const byReading = new Map<number, number>();
      for (const e of entries) byReading.set(e.end, (byReading.get(e.end) ?? 0) + e.billed);
      const chain = latestByDay(entries).filter((e) => e.held === 0);
      return { total: entries.reduce((s, e) => s + e.billed, 0), chain: chain.map((e) => [e.end, e.value, e.consumption]), byReading };
    } finally {
      await store.close();
    }
  }

  it("sets, lists and clears temp_bad, audited, and a run holds the flagged meter's readings", async () => {
    const { db, run } = await fixture();
    await run(["E-1,2026-11-01,1001"]);
    const store = await openStore(db);
    try {
      await setTempBad(store, { meterId: "E-2", reason: "meter under verification", note: "ticket 42", actor: "ops-anna" });
      expect((await listTempBad(store)).map((f) => [f.meterId, f.reason, f.note, f.actor])).toEqual([["E-2", "meter under verification", "ticket 42", "ops-anna"]]);
      await expect(setTempBad(store, { meterId: "NOPE", reason: "x", actor: "a" })).rejects.toMatchObject({ code: "MF_ERR_UNKNOWN_METER" });
      await expect(setTempBad(store, { meterId: "E-1", reason: " ", actor: "a" })).rejects.toMatchObject({ code: "MF_ERR_REASON_REQUIRED" });
    } finally {
      await store.close();
    }
    const night = await run(["E-2,2026-11-10,1010", "E-3,2026-11-10,1010"]);
    expect(night.held.map((h) => [h.reading_id, h.reasons])).toEqual([["E-2@2026-11-10", "temp_bad"]]);
    const again = await openStore(db);
    try {
      await clearTempBad(again, { meterId: "E-2", reason: "verified", actor: "ops-ben" });
      await expect(clearTempBad(again, { meterId: "E-2", reason: "verified", actor: "ops-ben" })).rejects.toMatchObject({ code: "MF_ERR_FLAG_NOT_SET" });
      // A mistyped id is an unknown meter, as `set` says, not "no flag" (README audit).
      await expect(clearTempBad(again, { meterId: "E-02", reason: "verified", actor: "ops-ben" })).rejects.toMatchObject({ code: "MF_ERR_UNKNOWN_METER" });
      expect(await listTempBad(again)).toEqual([]);
      expect((await again.audit("E-2")).map((a) => [a.action, a.reason, a.actor])).toEqual([
        ["set", "meter under verification", "ops-anna"], ["clear", "verified", "ops-ben"],
      ]);
    } finally {
      await again.close();
    }
  });

  it("releases a held reading: billed against its predecessor, the next reading against it", async () => {
    const { db, run } = await fixture();
    const store = await openStore(db);
    await setTempBad(store, { meterId: "E-1", reason: "suspect", actor: "ops" }).finally(() => store.close());
    await run(["E-1,2026-11-10,1010.3"]);
    const session = await OperationSession.open({ db });
    try {
      const page = await listHeld(session.store, { meterId: "E-1" });
      expect(page.rows.map((h) => [h.readingId, h.reasons, h.value])).toEqual([["E-1@2026-11-10", "temp_bad", 1010.3]]);
      await clearTempBad(session.store, { meterId: "E-1", reason: "checked on site", actor: "ops" });
      const released = await releaseHeld(session, { readingId: "E-1@2026-11-10", reason: "photo shows 1010.3", actor: "ops-anna" });
      // 1010.3 - 1000 is 10.299999999999955 in floating point: the answer says what the files say.
      expect(released).toMatchObject({ meterId: "E-1", billed: 10.3, correction: 0 });
      expect((await listHeld(session.store, {})).rows).toEqual([]);
      await expect(releaseHeld(session, { readingId: "E-1@2026-11-10", reason: "again", actor: "ops" })).rejects.toMatchObject({ code: "MF_ERR_HELD_NOT_FOUND" });
      expect((await session.store.audit("E-1")).map((a) => a.action)).toEqual(["set", "clear", "release"]);
    } finally {
      await session.close();
    }
    const next = await run(["E-1,2026-11-20,1030", "E-1,2026-11-10,1010.3"]);
    expect(next.billing.map((b) => [b.reading_id, b.consumption])).toEqual([["E-1@2026-11-20", "19.7"]]);
    expect(next.summary).toMatchObject({ duplicates: 1, billable: 1, held: 0 });
    const ledger = await ledgerOf(db, "E-1");
    expect(ledger.total).toBeCloseTo(30, 9);
  });

  it("releases a back-dated held reading: its successor is corrected, the total is the register's move", async () => {
    const { db, run } = await fixture();
    const store = await openStore(db);
    await setTempBad(store, { meterId: "E-1", reason: "suspect", actor: "ops" });
    await run(["E-1,2026-11-10,1010"]);
    await clearTempBad(store, { meterId: "E-1", reason: "ok", actor: "ops" }).finally(() => store.close());
    const later = await run(["E-1,2026-11-30,1030"]);
    expect(later.billing.map((b) => b.consumption)).toEqual(["30"]);
    const session = await OperationSession.open({ db });
    try {
      const released = await releaseHeld(session, { readingId: "E-1@2026-11-10", reason: "confirmed", actor: "ops" });
      expect(released).toMatchObject({ billed: 10, correction: -10 });
    } finally {
      await session.close();
    }
    const ledger = await ledgerOf(db, "E-1");
    expect(ledger.total).toBe(30);
    const day = (iso: string) => Date.parse(iso) / 86_400_000;
    expect(ledger.byReading.get(day("2026-11-10"))).toBe(10);
    expect(ledger.byReading.get(day("2026-11-30"))).toBe(20);
  });

  it("releases a manual reading with the photo it came with: re-judged with has_photo", async () => {
    const { db } = await fixture();
    // Every manual reading held for review; an alert for each reading judged with a photo.
    const rules = write(dir, `photo-rules-${n++}.json`, [JSON.stringify({ rules: [
      { name: "review-manual", priority: 10, conditions: { all: [{ fact: "source", operator: "equal", value: "manual" }] },
        event: { type: "hold", params: { reason: "awaiting_review" } } },
      { name: "photo-seen", priority: 5, conditions: { all: [{ fact: "has_photo", operator: "equal", value: true }] },
        event: { type: "alert", params: { severity: "info", channel: "register", message: "judged with a photo" } } },
    ] })]);
    const session = await OperationSession.open({ db, rules: [rules] });
    try {
      const photo = { sha256: "ab".repeat(32), mediaType: "image/png" };
      const entered = await enterManualReading(session, { meterId: "E-1", endDay: DAY + 9, value: 1010, photo, actor: "ops-anna" });
      expect(entered).toMatchObject({ decision: "held", reasons: "awaiting_review" });
      expect(entered.alerts.map((a) => a.rule)).toEqual(["photo-seen"]);
      const kept = (await listHeld(session.store, { meterId: "E-1" })).rows;
      expect(kept.map((h) => [h.readingId, h.photo])).toEqual([["E-1@2026-11-10", true]]);
      // The same without a photo: kept without one.
      await enterManualReading(session, { meterId: "E-2", endDay: DAY + 9, value: 1010, actor: "ops-anna" });
      expect((await listHeld(session.store, { meterId: "E-2" })).rows.map((h) => h.photo)).toEqual([undefined]);
      const released = await releaseHeld(session, { readingId: "E-1@2026-11-10", reason: "photo checked", actor: "ops-ben" });
      expect(released).toMatchObject({ billed: 10, correction: 0 });
      const [last] = await session.store.listBatches({ afterSeq: 0, limit: 1000 }).then((b) => b.slice(-1));
      expect((await session.store.batchOutputs(last.batchId)).alerts.map((a) => [a.meterId, a.rule])).toEqual([["E-1", "photo-seen"]]);
    } finally {
      await session.close();
    }
  });

  it("releases a held pulse reading with the pulse data it was held with: bills its debounced count", async () => {
    const db = newDb();
    const name = `pulse-${n++}`;
    const meters = write(dir, `${name}-meters.csv`, ["meter_id,pulse_weight", "P,0.5"]);
    // 10 raw pulses, 8 after the module's debouncing; a 5 ms on-time (bounce) holds it.
    const readings = write(dir, `${name}.csv`, [
      "meter_id,end,value,pulse_min_on_ms,pulse_debounced,pulse_free_max_min", "P,2026-11-01,0,,,", "P,2026-11-02,10,5,8,90"]);
    const night = await runAndRead({ meters, db, inputs: [readings], out: join(dir, `${name}-out`) });
    expect(night.held.filter((h) => h.end === "2026-11-02").map((h) => [h.consumption, h.reasons])).toEqual([["4", "temp_bad:bounce"]]);
    const session = await OperationSession.open({ db });
    try {
      expect((await listHeld(session.store, { meterId: "P" })).rows.filter((h) => h.endDay === DAY + 1).map((h) => h.pulse))
        .toEqual([{ pulse_min_on_ms: 5, pulse_debounced: 8, pulse_free_max_min: 90 }]);
      const released = await releaseHeld(session, { readingId: "P@2026-11-02", reason: "checked", actor: "ops" });
      // Re-judged on the same facts: 8 x 0.5, still flagged bounce.
      expect(released).toMatchObject({ billed: 4, correction: 0, flags: "bounce" });
    } finally {
      await session.close();
    }
    expect((await ledgerOf(db, "P")).total).toBe(4);
    // The night again: its readings are duplicates of what is in the chain now.
    const again = await runAndRead({ meters, db, inputs: [readings], out: join(dir, `${name}-again`) });
    expect(again.summary).toMatchObject({ duplicates: 2, billable: 0, held: 0 });
  });

  it("releases a reading held unknown_meter or before_baseline once the registry is fixed, refusing it with what to do until then", async () => {
    const { db, run } = await fixture();
    const name = `fix-${n++}`;
    const registry = (rows: string[]) => runAndRead({ meters: write(dir, `${name}-m${rows.length}-${n++}.csv`, [METERS_HEADER, ...rows]), db, inputs: [], out: join(dir, `${name}-imp-${n++}`) });
    await registry([E("B", "1000,2026-11-10")]);
    await run(["Y,2026-11-05,100", "Y,2026-11-10,150", "B,2026-11-05,990"]);
    const session = await OperationSession.open({ db });
    try {
      await expect(releaseHeld(session, { readingId: "Y@2026-11-05", reason: "x", actor: "ops" })).rejects.toThrow(/unknown_meter: its meter is not in the registry \(import it, then release\)/);
      await expect(releaseHeld(session, { readingId: "B@2026-11-05", reason: "x", actor: "ops" })).rejects.toThrow(/before_baseline: it lies before the baseline/);
      expect((await listHeld(session.store, {})).rows.map((h) => h.readingId).sort()).toEqual(["B@2026-11-05", "Y@2026-11-05", "Y@2026-11-10"]);
    } finally {
      await session.close();
    }
    // The meter imported, the baseline moved before the reading (B has no readings of its own yet).
    await registry([E("Y", ","), E("B", "980,2026-11-01")]);
    const fixed = await OperationSession.open({ db });
    try {
      expect(await releaseHeld(fixed, { readingId: "Y@2026-11-05", reason: "imported", actor: "ops" })).toMatchObject({ billed: 0 });
      expect(await releaseHeld(fixed, { readingId: "Y@2026-11-10", reason: "imported", actor: "ops" })).toMatchObject({ billed: 50, correction: 0 });
      expect(await releaseHeld(fixed, { readingId: "B@2026-11-05", reason: "baseline fixed", actor: "ops" })).toMatchObject({ billed: 10 });
      expect((await listHeld(fixed.store, {})).rows).toEqual([]);
    } finally {
      await fixed.close();
    }
    expect((await ledgerOf(db, "Y")).total).toBe(50);
    expect((await ledgerOf(db, "B")).total).toBe(10);
  });

  it("refuses a release the registry now rejects (digits lowered since) with the rejection's reason, changing nothing (ledger fuzzer)", async () => {
    const { db } = await fixture();
    const registry = (lines: string[]) => runAndRead({ meters: write(dir, `digits-${n++}.csv`, lines), db, inputs: [], out: join(dir, `digits-out-${n++}`) });
    await registry([METERS_HEADER, E("E-9", "100,2026-10-31")]);
    const store = await openStore(db);
    await setTempBad(store, { meterId: "E-9", reason: "suspect", actor: "ops" }).finally(() => store.close());
    await runAndRead({ meters: write(dir, `digits-m-${n++}.csv`, [METERS_HEADER, E("E-9", "100,2026-10-31")]), db,
      inputs: [write(dir, `digits-r-${n++}.csv`, ["meter_id,end,value", "E-9,2026-11-10,1500"])], out: join(dir, `digits-run-${n++}`) });
    // Three dials: 1500 is beyond what the register can show.
    await registry(["meter_id,digits", "E-9,3"]);
    const session = await OperationSession.open({ db });
    try {
      await clearTempBad(session.store, { meterId: "E-9", reason: "checked", actor: "ops" });
      await expect(releaseHeld(session, { readingId: "E-9@2026-11-10", reason: "x", actor: "ops" }))
        .rejects.toMatchObject({ code: "MF_ERR_RELEASE_REFUSED", message: expect.stringContaining("value_exceeds_register") });
      expect((await listHeld(session.store, {})).rows.map((h) => h.readingId)).toEqual(["E-9@2026-11-10"]);
    } finally {
      await session.close();
    }
    expect((await ledgerOf(db, "E-9")).total).toBe(0);
  });

  it("releases a flagged meter's held readings in any order: the rules' holds on the successor are lifted too", async () => {
    const { db, run } = await fixture();
    const store = await openStore(db);
    await setTempBad(store, { meterId: "E-1", reason: "suspect", actor: "ops" });
    await setTempBad(store, { meterId: "E-2", reason: "suspect", actor: "ops" }).finally(() => store.close());
    await run(["E-1,2026-11-05,1050", "E-1,2026-11-10,1100", "E-2,2026-11-05,1050", "E-2,2026-11-10,1100"]);
    const session = await OperationSession.open({ db });
    try {
      // The later one first: billed against the baseline, then the earlier one corrects it.
      expect(await releaseHeld(session, { readingId: "E-1@2026-11-10", reason: "ok", actor: "ops" })).toMatchObject({ billed: 100, correction: 0 });
      expect(await releaseHeld(session, { readingId: "E-1@2026-11-05", reason: "ok", actor: "ops" })).toMatchObject({ billed: 50, correction: -50 });
      expect(await releaseHeld(session, { readingId: "E-2@2026-11-05", reason: "ok", actor: "ops" })).toMatchObject({ billed: 50, correction: 0 });
      expect(await releaseHeld(session, { readingId: "E-2@2026-11-10", reason: "ok", actor: "ops" })).toMatchObject({ billed: 50, correction: 0 });
    } finally {
      await session.close();
    }
    for (const meter of ["E-1", "E-2"]) expect((await ledgerOf(db, meter)).total).toBe(100);
  });

  it("keeps a chain on the baseline it started from: a baseline imported or changed later moves nothing", async () => {
    const { db, run } = await fixture();
    const name = `rebase-${n++}`;
    const registry = (rows: string[]) => runAndRead({ meters: write(dir, `${name}-m-${n++}.csv`, [METERS_HEADER, ...rows]), db, inputs: [], out: join(dir, `${name}-imp-${n++}`) });
    await registry([E("W", ",")]);
    await run(["E-1,2026-11-05,1010", "W,2026-11-10,500"]);
    // E-1's baseline moved back, W given one: E-1's chain starts at 1000 on 10-31, W's at its first reading.
    await registry([E("E-1", "900,2026-10-20"), E("W", "400,2026-11-01")]);
    const late = await run(["E-1,2026-10-25,950", "W,2026-11-05,450"]);
    expect(late.held.map((h) => [h.reading_id, h.reasons]).sort()).toEqual([["E-1@2026-10-25", "before_baseline"], ["W@2026-11-05", "initial"]]);
    expect(late.billing.map((b) => [b.reading_id, b.consumption, b.flags])).toEqual([["W@2026-11-10", "50", "correction"]]);
    expect((await ledgerOf(db, "E-1")).total).toBe(10);
    expect((await ledgerOf(db, "W")).total).toBe(50);
  });

  it("releases a reading once when operators release it at the same time: the others are told it is released already", async () => {
    const { db, run } = await fixture();
    const store = await openStore(db);
    await setTempBad(store, { meterId: "E-1", reason: "suspect", actor: "ops" }).finally(() => store.close());
    await run(["E-1,2026-11-10,1010"]);
    const sessions = await Promise.all([1, 2, 3].map(() => OperationSession.open({ db })));
    try {
      const tries = await Promise.allSettled(sessions.map((s, i) => releaseHeld(s, { readingId: "E-1@2026-11-10", reason: "ok", actor: `op${i}` })));
      const won = tries.filter((t) => t.status === "fulfilled");
      expect(won).toHaveLength(1);
      for (const t of tries.filter((x) => x.status === "rejected")) expect((t as PromiseRejectedResult).reason).toMatchObject({ code: "MF_ERR_HELD_NOT_FOUND" });
      expect((won[0] as PromiseFulfilledResult<{ billed: number }>).value.billed).toBe(10);
      expect((await sessions[0].store.audit("E-1")).filter((a) => a.action === "release")).toHaveLength(1);
    } finally {
      for (const s of sessions) await s.close();
    }
    expect((await ledgerOf(db, "E-1")).total).toBe(10);
  });

  it("refuses what no release can bill, and changes nothing", async () => {
    const { db, run } = await fixture();
    await run(["E-1,2026-11-15,1100", "E-1,2026-11-30,1300"]);
    // A conflict: another value for a day in the chain.
    await run(["E-1,2026-11-15,1105"]);
    // Above its billed successor: inserting it would make 11-30 negative.
    await run(["E-1,2026-11-20,1400"]);
    const session = await OperationSession.open({ db });
    try {
      const before = await ledgerOf(db, "E-1");
      await expect(releaseHeld(session, { readingId: "E-1@2026-11-15", reason: "x", actor: "ops" })).rejects.toMatchObject({ code: "MF_ERR_RELEASE_REFUSED" });
      const refused = releaseHeld(session, { readingId: "E-1@2026-11-20", reason: "x", actor: "ops" });
      await expect(refused).rejects.toMatchObject({ code: "MF_ERR_RELEASE_REFUSED" });
      await expect(refused).rejects.toThrow(/held again/);
      expect((await listHeld(session.store, { meterId: "E-1" })).rows.map((h) => h.readingId)).toEqual(["E-1@2026-11-15", "E-1@2026-11-20"]);
      expect(await ledgerOf(db, "E-1")).toEqual(before);
      expect((await session.store.audit("E-1")).filter((a) => a.action === "release")).toEqual([]);
    } finally {
      await session.close();
    }
  });

  it("pages held readings and filters them by reason", async () => {
    const { db, run } = await fixture();
    const store = await openStore(db);
    try {
      for (const id of ["E-1", "E-2", "E-3"]) await setTempBad(store, { meterId: id, reason: "suspect", actor: "ops" });
    } finally {
      await store.close();
    }
    await run(["E-1,2026-11-10,1010", "E-2,2026-11-10,1010", "E-3,2026-11-10,1010", "E-1,2026-11-01,1001"]);
    const session = await OperationSession.open({ db });
    try {
      const first = await listHeld(session.store, { limit: 2 });
      expect(first.rows).toHaveLength(2);
      const second = await listHeld(session.store, { limit: 2, after: first.next });
      expect(second.next).toBeUndefined();
      const ids = [...first.rows, ...second.rows].map((h) => h.readingId).sort();
      expect(ids).toEqual(["E-1@2026-11-01", "E-1@2026-11-10", "E-2@2026-11-10", "E-3@2026-11-10"]);
      expect((await listHeld(session.store, { reason: "temp_bad", meterId: "E-3" })).rows.map((h) => h.readingId)).toEqual(["E-3@2026-11-10"]);
      expect((await listHeld(session.store, { reason: "temp" })).rows).toEqual([]);
    } finally {
      await session.close();
    }
  });

  it("lists the readings a rule held temp_bad with its cause (temp_bad:<cause>) under temp_bad too", async () => {
    const { db } = await fixture();
    const name = `cause-${n++}`;
    const readings = write(dir, `${name}.csv`, ["meter_id,end,value,verification", "E-1,2026-11-10,1000,true", "E-2,2026-11-10,1010,"]);
    await runAndRead({ db, inputs: [readings], out: join(dir, `${name}-out`) });
    const session = await OperationSession.open({ db });
    try {
      const held = (reason: string) => listHeld(session.store, { reason }).then((p) => p.rows.map((h) => [h.readingId, h.reasons]));
      expect(await held("temp_bad")).toEqual([["E-1@2026-11-10", "temp_bad:zero_under_verification"]]);
      expect(await held("temp_bad:zero_under_verification")).toEqual([["E-1@2026-11-10", "temp_bad:zero_under_verification"]]);
      expect(await held("zero_under_verification")).toEqual([]);
      // Exactly as written, on both stores: no other case, no LIKE wildcards.
      for (const other of ["TEMP_BAD", "Temp_Bad:zero_under_verification", "temp%", "temp_ba_", "temp_bad:zero%", "_emp_bad"]) expect(await held(other), other).toEqual([]);
    } finally {
      await session.close();
    }
  });

  it("does not flag the meter again on a release: a rule's temp_bad on the released reading is lifted with its hold", async () => {
    // Operations audit: cleared, then released, the meter was flagged again by "rules" and the
    // next night's reading held temp_bad.
    const { db, run } = await fixture();
    const verified = write(dir, `verified-${n++}.csv`, ["meter_id,end,value,verification", "E-1,2026-11-05,1000,true"]);
    const night = await runAndRead({ db, inputs: [verified], out: join(dir, `verified-out-${n++}`) });
    expect(night.held.map((h) => [h.reading_id, h.reasons])).toEqual([["E-1@2026-11-05", "temp_bad:zero_under_verification"]]);
    const session = await OperationSession.open({ db });
    try {
      await clearTempBad(session.store, { meterId: "E-1", reason: "verification over", actor: "ops" });
      expect(await releaseHeld(session, { readingId: "E-1@2026-11-05", reason: "zero is right", actor: "ops" })).toMatchObject({ billed: 0 });
      expect(await listTempBad(session.store)).toEqual([]);
      expect((await session.store.audit("E-1")).map((a) => [a.action, a.actor])).toEqual([["set", expect.stringMatching(/^rules /)], ["clear", "ops"], ["release", "ops"]]);
    } finally {
      await session.close();
    }
    expect((await run(["E-1,2026-11-06,1010"])).billing.map((r) => [r.reading_id, r.consumption])).toEqual([["E-1@2026-11-06", "10"]]);
  });

  it("refuses a release that would bill an implausible wrap the reading was not held for (a reading placed before it since)", async () => {
    const { db, run } = await fixture();
    await run(["E-1,2026-11-02,1010"]);
    const store = await openStore(db);
    await setTempBad(store, { meterId: "E-1", reason: "check", actor: "ops" });
    await run(["E-1,2026-11-04,1040"]);
    await clearTempBad(store, { meterId: "E-1", reason: "ok", actor: "ops" }).finally(() => store.close());
    // 1045 on the 3rd, after the held 1040 of the 4th: the 1040 would now wrap the register.
    expect((await run(["E-1,2026-11-03,1045"])).billing.map((r) => [r.reading_id, r.consumption])).toEqual([["E-1@2026-11-03", "35"]]);
    const session = await OperationSession.open({ db });
    try {
      const before = await ledgerOf(db, "E-1");
      const refused = releaseHeld(session, { readingId: "E-1@2026-11-04", reason: "confirmed", actor: "ops" });
      await expect(refused).rejects.toMatchObject({ code: "MF_ERR_RELEASE_REFUSED" });
      await expect(refused).rejects.toThrow(/held again: implausible_rollover/);
      expect(await ledgerOf(db, "E-1")).toEqual(before);
    } finally {
      await session.close();
    }
    // A reading held for an implausible wrap is the operator's to release: lifted as it was seen,
    // whatever the rules called the hold (review: a rule file of its own named it otherwise, and the
    // release was refused for good).
    const defaults = join(packageRoot(), "engine", "rules", "default");
    const renamed = write(dir, `renamed-${n++}.json`, [readFileSync(join(defaults, "eligibility.json"), "utf8").replace('"reason": "implausible_rollover"', '"reason": "register_wrap_check"')]);
    const rules = [join(defaults, "temp-bad.json"), renamed];
    const wrapped = await runAndRead({ db, rules, inputs: [write(dir, `wrap-${n++}.csv`, ["meter_id,end,value", "E-2,2026-11-02,1010", "E-2,2026-11-03,5"])], out: join(dir, `wrap-out-${n++}`) });
    expect(wrapped.held.map((h) => [h.reading_id, h.reasons])).toEqual([["E-2@2026-11-03", "register_wrap_check"]]);
    const again = await OperationSession.open({ db, rules });
    try {
      expect(await releaseHeld(again, { readingId: "E-2@2026-11-03", reason: "meter wrapped", actor: "ops" })).toMatchObject({ billed: 8994, flags: expect.stringContaining("implausible_rollover") });
    } finally {
      await again.close();
    }
  });
});
