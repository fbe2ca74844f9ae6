// The ledger law (DESIGN.md "Decisions") as a property over random inputs: random fleets
// (registry baselines or none, scaling factors, documented and modulus wraps, digits), typos,
// overrides, exact and conflicting re-sends, delivered over several runs in random order, random
// batch sizes, one to three files a run (routed together in random windows) and mixed formats
// (CSV, NDJSON, msgpack). Whatever the arrival, per reading what
// billing.csv billed over all runs (records plus corrections) equals its consumption against its
// predecessor in the final chain, a reading not in the chain billed nothing, and every run
// balances. One fixed seed, and a fresh one printed with the test so a failure can be replayed.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { pack } from "msgpackr";
import { describe, expect, it } from "vitest";
import { computeConsumptionReference, createConsumptionKernel, DEFAULT_MAX_WRAP_SHARE } from "../../../engine/consumption/index.js";
import { FLAG } from "../../../engine/flags/flags.js";
import { listHeld, OperationSession, releaseHeld } from "../../../engine/operations/index.js";
import { latestByDay, readLedger } from "../../../engine/store/ledger.js";
import { openStore } from "../../../engine/store/open.js";
import { METERS_HEADER, runAndRead, write } from "../../helpers/run.js";
import type { Outputs } from "../../helpers/run.js";
import { random } from "../../helpers/random.js";
import { tempDir } from "../../helpers/tmp.js";
import { runPostgresTests, testStoreUrl } from "../store/postgres-env.js";

const dir = tempDir();


interface Meter { id: string; scale: number; digits: number | null; mode: "documented" | "modulus"; base: { value: number; end: number } | null }
interface Row { meter_id: string; end: string; value: number; override?: number }

const DAY = 86_400_000;
const iso = (day: number) => new Date(day * DAY).toISOString().slice(0, 10);
const START = Date.UTC(2026, 7, 1) / DAY;

function fleet(rnd: ReturnType<typeof random>, size: number): { meters: Meter[]; rows: Row[] } {
  const meters: Meter[] = [];
  const rows: Row[] = [];
  for (let m = 0; m < size; m++) {
    const digits = rnd.next() < 0.5 ? 5 : null;
    const meter: Meter = { id: `E-${m}`, scale: rnd.pick([1, 1, 2, 0.5]), digits, mode: rnd.pick(["documented", "modulus"] as const), base: null };
    let truth = digits !== null && rnd.next() < 0.5 ? 99_000 + rnd.int(900) : rnd.int(5000);
    const wrap = (v: number) => (digits === null ? v : v % 10 ** digits);
    let day = START;
    if (rnd.next() < 0.5) meter.base = { value: wrap(truth), end: day };
    meters.push(meter);
    for (let k = 0; k < 12; k++) {
      day += 1 + rnd.int(5);
      truth += rnd.int(300);
      const row: Row = { meter_id: meter.id, end: iso(day), value: wrap(truth) };
      const roll = rnd.next();
      if (roll < 0.04) row.value = rnd.int(99_999); // a typo
      else if (roll < 0.07) row.override = rnd.next() < 0.2 ? -5 : rnd.int(50);
      rows.push(row);
      if (rnd.next() < 0.1) rows.push({ ...row }); // an exact re-send
      if (rnd.next() < 0.05) rows.push({ ...row, value: row.value + 1 + rnd.int(9) }); // a conflicting one
    }
  }
  return { meters, rows };
}

function writeInput(rnd: ReturnType<typeof random>, name: string, rows: Row[]): string {
  const format = rnd.pick(["csv", "ndjson", "msgpack"] as const);
  const path = join(dir, `${name}.${format}`);
  if (format === "csv") {
    write(dir, `${name}.csv`, ["meter_id,end,value,override", ...rows.map((r) => `${r.meter_id},${r.end},${r.value},${r.override ?? ""}`)]);
  } else if (format === "ndjson") {
    write(dir, `${name}.ndjson`, rows.map((r) => JSON.stringify(r)));
  } else {
    writeFileSync(path, Buffer.concat(rows.map((r) => pack(r))));
  }
  return path;
}

/** Consumption of `cur` against `prev` by the reference implementation of the domain rules. */
function consumption(meter: Meter, prev: number, cur: number, override: number): number {
  const c = createConsumptionKernel({ implementation: "reference" }).allocate(1).columns;
  c.scale[0] = meter.scale; c.reset[0] = Number.NaN; c.digits[0] = meter.digits ?? 0; c.mode[0] = meter.mode === "modulus" ? 1 : 0;
  c.prev[0] = prev; c.prevEnd[0] = 0; c.cur[0] = cur; c.end[0] = 1; c.override[0] = override;
  computeConsumptionReference(c, 1, DEFAULT_MAX_WRAP_SHARE);
  return c.consumption[0];
}

/** The store of a check: an SQLite file, or a PostgreSQL schema of its own (dropped after). */
type StoreKind = "sqlite" | "postgres";

let checks = 0;

function storeFor(kind: StoreKind, seed: number): string {
  return kind === "sqlite" ? join(dir, `${seed}-${checks}.db`) : testStoreUrl();
}

/**
 * An operator releases a random share of the held readings (DESIGN.md: releasing one bills
 * exactly what it adds); refusals (conflicts, readings that would make their successor
 * implausible) change nothing. Returns the billing rows the releases wrote.
 */
async function releaseSome(db: string, rnd: ReturnType<typeof random>): Promise<{ rows: Array<Record<string, unknown>>; released: number }> {
  const session = await OperationSession.open({ db });
  const rows: Array<Record<string, unknown>> = [];
  let released = 0;
  try {
    for (const h of (await listHeld(session.store, { limit: 10_000 })).rows) {
      if (rnd.next() >= 0.5) continue;
      try {
        const r = await releaseHeld(session, { readingId: h.readingId, value: h.value, reason: "property test", actor: "law" });
        rows.push(...r.billing);
        released++;
      } catch (error) {
        const code = (error as { code?: string }).code;
        if (code !== "MF_ERR_RELEASE_REFUSED" && code !== "MF_ERR_HELD_NOT_FOUND") throw error;
      }
    }
  } finally {
    await session.close();
  }
  return { rows, released };
}

async function checkLaw(seed: number, kind: StoreKind = "sqlite", releases = false): Promise<{ chained: number; held: number; corrections: number; released: number }> {
  const rnd = random(seed);
  const { meters, rows } = fleet(rnd, 30);
  const registry = write(dir, `${seed}-meters.csv`, [METERS_HEADER, ...meters.map((m) =>
    `${m.id},electricity.register,kWh,${m.scale},,${m.digits ?? ""},${m.mode},,,,,,${m.base?.value ?? ""},${m.base === null ? "" : iso(m.base.end)}`)]);
  // Deliver in four runs: each a random share of what is left, shuffled, in random batches.
  const left = [...rows];
  for (let i = left.length - 1; i > 0; i--) {
    const j = rnd.int(i + 1);
    [left[i], left[j]] = [left[j], left[i]];
  }
  checks++;
  const db = storeFor(kind, seed);
  const outs: Outputs[] = [];
  const releasedRows: Array<Record<string, unknown>> = [];
  let released = 0;
  for (let run = 0; run < 4; run++) {
    const take = run === 3 ? left.length : Math.ceil(left.length * (0.2 + rnd.next() * 0.3));
    // A run's share in one to three files (a run routes its files' rows together, in windows of
    // `window` rows that span files: a meter's readings may be split between windows and files).
    const share = left.splice(0, take);
    const files = 1 + rnd.int(3);
    const inputs = Array.from({ length: files }, (_, f) =>
      writeInput(rnd, `${seed}-${checks}-run-${run}-${f}`, share.slice(Math.floor((f * share.length) / files), Math.floor(((f + 1) * share.length) / files))));
    const window = rnd.pick([3, 17, 100, 1 << 20]);
    // The decision in runs of 1, 2, 3 kernel rows, then its default (4,096): a meter's rows are
    // never split between runs, and the law holds whatever the runs.
    const out = await runAndRead({ meters: registry, inputs, window, db, out: join(dir, `${seed}-${checks}-out-${run}`), batchSize: rnd.pick([1, 2, 5, 7, 64, 1000]),
      decideRunRows: [1, 2, 3, 4096][run] });
    expect(out.summary.balanced, `run ${run} balances`).toBe(true);
    outs.push(out);
    if (releases && run < 3) {
      const r = await releaseSome(db, rnd);
      releasedRows.push(...r.rows);
      released += r.released;
    }
  }
  const billed = new Map<string, number>();
  for (const o of outs) for (const r of o.billing) billed.set(r.reading_id, (billed.get(r.reading_id) ?? 0) + Number(r.consumption));
  for (const r of releasedRows) billed.set(String(r.reading_id), (billed.get(String(r.reading_id)) ?? 0) + Number(r.consumption));
  if (process.env.MF_LAW_DEBUG) {
    for (const [run, o] of outs.entries()) {
      for (const r of [...o.billing, ...o.held]) if (r.meter_id === process.env.MF_LAW_DEBUG) console.log(run, JSON.stringify(r));
    }
    console.log(JSON.stringify(rows.filter((r) => r.meter_id === process.env.MF_LAW_DEBUG)), JSON.stringify(meters.find((m) => m.id === process.env.MF_LAW_DEBUG)));
  }
  const overrides = new Map(rows.filter((r) => r.override !== undefined).map((r) => [`${r.meter_id}@${r.end}:${r.value}`, r.override!]));
  const store = await openStore(db);
  const ledger = await readLedger(store, meters.map((m) => m.id));
  let chained = 0;
  const inChain = new Set<string>();
  for (const meter of meters) {
    const chain = latestByDay(ledger.get(meter.id)!);
    let prev = meter.base?.value ?? Number.NaN;
    let total = 0;
    let expectedTotal = 0;
    for (const e of chain) {
      if (e.held !== 0 && (e.flags & FLAG.initial) === 0) continue;
      const id = `${meter.id}@${iso(e.end)}`;
      inChain.add(id);
      chained++;
      expect(Object.is(e.prev, prev) || e.prev === prev, `${id}: its predecessor in the chain`).toBe(true);
      const expected = prev === prev ? consumption(meter, prev, e.value, overrides.get(`${id}:${e.value}`) ?? Number.NaN) : 0;
      const got = billed.get(id) ?? 0;
      expect(got, `${id} billed ${got}, consumption against its predecessor ${expected} (seed ${seed})`).toBeCloseTo(expected, 6);
      total += got;
      expectedTotal += expected;
      prev = e.value;
    }
    expect(total, `${meter.id}: total billed = the telescoped sum over its chain`).toBeCloseTo(expectedTotal, 6);
  }
  await store.close();
  for (const [id, sum] of billed) if (!inChain.has(id)) expect(sum, `${id} is not in the chain and billed nothing (seed ${seed})`).toBe(0);
  const held = outs.reduce((n, o) => n + o.summary.held, 0);
  return { chained, held, corrections: outs.reduce((n, o) => n + o.summary.corrections, 0), released };
}

describe("the ledger law", () => {
  it("holds on a fixed seed, with late readings, holds and corrections in play", async () => {
    const r = await checkLaw(20261204);
    expect(r.chained).toBeGreaterThan(200);
    expect(r.held).toBeGreaterThan(10);
    expect(r.corrections).toBeGreaterThan(5);
  });

  it.runIf(runPostgresTests)("holds on PostgreSQL as on SQLite (fixed and fresh seeds)", async () => {
    const fresh = Number(process.env.MF_LAW_SEED ?? (Date.now() + 17) % 1_000_000_007);
    console.log(`ledger law seed on PostgreSQL: ${fresh}`);
    const r = await checkLaw(20261204, "postgres");
    expect(r).toEqual(await checkLaw(20261204, "sqlite"));
    await checkLaw(fresh, "postgres");
  }, 120_000);

  it("holds when an operator releases held readings between runs (fixed and fresh seeds, both stores)", async () => {
    const fresh = Number(process.env.MF_LAW_SEED ?? (Date.now() + 29) % 1_000_000_007);
    console.log(`ledger law seed with releases: ${fresh}`);
    const r = await checkLaw(20261204, "sqlite", true);
    expect(r.released).toBeGreaterThanOrEqual(5);
    await checkLaw(fresh, "sqlite", true);
    if (runPostgresTests) await checkLaw(fresh, "postgres", true);
  }, 180_000);

  // MF_LAW_SEED replays a printed seed.
  for (const seed of [Number(process.env.MF_LAW_SEED ?? Date.now() % 1_000_000_007), 7, 1234]) {
    it(`holds on seed ${seed}`, async () => {
      console.log(`ledger law seed: ${seed}`);
      await checkLaw(seed);
    });
  }
});
