// Columnar rules decide a meter's later readings of a batch in rounds (decider.ts): round n holds
// every meter's n-th reading, its facts filled after round n-1 changed the meter's state (a round
// of a few readings is evaluated reading by reading, to the same rule bits). The
// same batches decided by row-by-row rules (one rule the columnar compiler cannot take, which
// never fires) must give exactly the same ledger entries, held readings, alerts, audit rows,
// counts and state, in the same order: random fleets whose readings spike, drop, go back, read
// zero under verification (temp_bad, then held as temp_bad), after a held one, on several days.
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { Decider } from "../../../engine/decide/decider.js";
import type { BatchOutput, DecideContext } from "../../../engine/decide/output.js";
import { defaultRuleFiles, RulesDecider } from "../../../engine/decide/rules.js";
import type { ReadingBatch } from "../../../engine/ingest/batch.js";
import { createMeterIndex, readReadings } from "../../../engine/ingest/index.js";
import { createEntries, entryAt } from "../../../engine/store/history.js";
import type { HistoryEntries } from "../../../engine/store/history.js";
import { openStore } from "../../../engine/store/open.js";
import type { PartitionedStore } from "../../../engine/store/contract.js";
import { STATE_FIELDS } from "../../../engine/store/state.js";
import { idsAsList } from "../../../engine/store/meter-table.js";
import type { MeterIdColumn } from "../../../engine/store/meter-table.js";
import { METERS_HEADER, runAndRead, write } from "../../helpers/run.js";
import { tempDir } from "../../helpers/tmp.js";
import { prepareSlice } from "./prepare.js";

const dir = tempDir();
const rule = (name: string, conditions: object, event: object) => ({ name, conditions, event });
const extra = write(dir, "extra.json", [JSON.stringify({ rules: [
  rule("busy", { all: [{ fact: "history_readings", operator: "greaterThanInclusive", value: 6 }, { fact: "daily", operator: "greaterThan", value: 30 }] },
    { type: "alert", params: { severity: "warning", channel: "consumption", message: "busy meter" } }),
  rule("flagged-use", { all: [{ fact: "meter_temp_bad", operator: "equal", value: true }, { fact: "consumption", operator: "greaterThan", value: 0 }] },
    { type: "alert", params: { severity: "info", channel: "consumption", message: "use while flagged" } }),
] })]);
// A rule on a string fact is not columnar: with it, every reading is judged row by row.
const rowwise = write(dir, "rowwise.json", [JSON.stringify({ rules: [
  rule("row-by-row", { all: [{ fact: "meter_id", operator: "equal", value: "none" }] }, { type: "hold", params: { reason: "never" } }),
] })]);

/** A seeded generator (mulberry32). */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const day = (d: number) => new Date(Date.UTC(2026, 9, 1) + d * 86_400_000).toISOString().slice(0, 10);

async function firstBatch(path: string): Promise<ReadingBatch> {
  for await (const batch of readReadings(path, { batchSize: 100_000, maxEndDay: 30_000, meters: createMeterIndex() })) return batch;
  throw new Error("no batch");
}

async function decideWith(store: PartitionedStore, path: string, files: string[]) {
  const batch = await firstBatch(path);
  const { ws, keys, ctx } = await prepareSlice(store, batch, await RulesDecider.load(files));
  const rules = ctx.rules;
  const out: BatchOutput = {
    counts: { rows: batch.length, billable: 0, held: 0, rejected: 0, duplicates: 0, sensor: 0, corrections: 0 },
    history: createEntries(), held: [], heldOut: [], rejected: [], alerts: [], audit: [],
  };
  new Decider(ctx as DecideContext).decide(batch, keys, out);
  return { out, ws, rules };
}

function byId(h: HistoryEntries, ids: MeterIdColumn) {
  return Array.from({ length: h.length }, (_, i) => ({ ...entryAt(h, i), meter: ids.get(h.meter[i]) }));
}

/** A fleet's first night (history for averages) and a second night of 1-9 readings per meter (30-49 for six), shuffled. */
function fleet(seed: number, meters: number) {
  const rnd = random(seed);
  const ids = Array.from({ length: meters }, (_, i) => `M-${String(i).padStart(3, "0")}`);
  const registry = write(dir, `meters-${seed}.csv`, [METERS_HEADER, ...ids.map((id, i) =>
    `${id},water.register,m3,1,,${i % 5 === 0 ? 5 : ""},,,,,,,${i % 3 === 0 ? "" : "1000"},${i % 3 === 0 ? "" : day(0)}`)]);
  const night1: string[] = [];
  const night2: string[] = [];
  for (const id of ids) {
    let value = 1000;
    let d = 0;
    for (let n = 0; n < 6; n++) {
      d += 1 + Math.floor(rnd() * 3);
      value += 10 + Math.floor(rnd() * 40);
      night1.push(`${id},${day(d)},${value},,`);
    }
    // A few meters with many readings: the batch's later rounds hold a handful of readings
    // (judged reading by reading, to the columnar bits), its early ones hundreds (by columns).
    const count = ids.indexOf(id) < 6 ? 30 + Math.floor(rnd() * 20) : 1 + Math.floor(rnd() * 9);
    for (let n = 0; n < count; n++) {
      d += 1 + Math.floor(rnd() * 3);
      const roll = rnd();
      let shown = value;
      let verification = "";
      if (roll < 0.1) shown = value + 5_000; // a spike: held spike_high, never a base
      else if (roll < 0.17) shown = value - 50; // went back: an implausible rollover, held
      else if (roll < 0.22) verification = "true"; // zero under verification: temp_bad
      else if (roll < 0.3) shown = value += 1; // a drop in use
      else shown = value += 10 + Math.floor(rnd() * 60);
      night2.push(`${id},${day(d)},${shown},${rnd() < 0.2 ? "manual" : ""},${verification}`);
    }
  }
  for (let i = night2.length - 1; i > 0; i--) {
    const j = Math.floor(rnd() * (i + 1));
    [night2[i], night2[j]] = [night2[j], night2[i]];
  }
  return { registry, night1, night2 };
}

describe("columnar rules in rounds", () => {
  for (const seed of [11, 20_261_204, Math.floor(Math.random() * 2 ** 31)]) {
    it(`decide a batch of many readings per meter exactly as row-by-row rules do (seed ${seed})`, async () => {
      const { registry, night1, night2 } = fleet(seed, 120);
      const db = join(dir, `state-${seed}.db`);
      const header = "meter_id,end,value,source,verification";
      await runAndRead({ meters: registry, db, out: join(dir, `night-1-${seed}`), inputs: [write(dir, `n1-${seed}.csv`, [header, ...night1])] });
      const path = write(dir, `n2-${seed}.csv`, [header, ...night2]);
      const store = await openStore(db);
      const defaults = defaultRuleFiles();
      const rounds = await decideWith(store, path, [...defaults, extra]);
      const rows = await decideWith(store, path, [...defaults, extra, rowwise]);
      await store.close();
      expect(rounds.rules.columnar).toBeDefined();
      expect(rows.rules.columnar).toBeUndefined();
      const a = rounds.out;
      const b = rows.out;
      // The batch exercises what rounds must get right.
      const reasons = new Set(a.held.flatMap((h) => h.reasons.split("|")));
      expect([...reasons]).toEqual(expect.arrayContaining(["spike_high", "drop_low", "implausible_rollover", "temp_bad:zero_under_verification", "temp_bad"]));
      expect(a.alerts.map((x) => x.rule)).toEqual(expect.arrayContaining(["busy", "flagged-use"]));
      expect(a.counts).toEqual(b.counts);
      expect(byId(a.history, rounds.ws.meters.ids)).toEqual(byId(b.history, rows.ws.meters.ids));
      expect(a.held).toEqual(b.held);
      expect(a.heldOut).toEqual(b.heldOut);
      expect(a.alerts).toEqual(b.alerts);
      expect(a.audit.map((x) => ({ ...x, actor: "" }))).toEqual(b.audit.map((x) => ({ ...x, actor: "" })));
      for (const id of idsAsList(rounds.ws.meters.ids, rounds.ws.size)) {
        const ka = rounds.ws.meters.keyOf.get(id)!;
        const kb = rows.ws.meters.keyOf.get(id)!;
        for (const [name] of STATE_FIELDS) expect(rounds.ws.state[name][ka], `${id} ${name}`).toEqual(rows.ws.state[name][kb]);
      }
    });
  }
});
