// The decoding thread's registry slots (runtime/registry-slots.ts): each row's slot in its
// bucket's registry equals the slot of its id in the registry as decoded to strings; unknown
// meters are SLOT_UNKNOWN; buckets whose ids are not ASCII are left to the main thread
// (SLOT_BY_ID). A threaded run with such ids and unknown meters gives the single-thread outputs.
import { spawnSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { SLOT_BY_ID, SLOT_UNKNOWN } from "../../../engine/ingest/batch.js";
import { createMeterIndex } from "../../../engine/ingest/index.js";
import { readReadings } from "../../../engine/ingest/open.js";
import { MeterBuckets, routeByBucket } from "../../../engine/runtime/bucket-window.js";
import { RegistrySlots } from "../../../engine/runtime/registry-slots.js";
import type { RegistrySource } from "../../../engine/runtime/registry-slots.js";
import { decodeRegistry, encodeRegistry } from "../../../engine/store/bucket.js";
import { BUCKETS_PER_PARTITION, DEFAULT_PARTITIONS, meterHash } from "../../../engine/store/contract.js";
import { openStore } from "../../../engine/store/open.js";
import { registryIds } from "../../../engine/store/registry-ids.js";
import { packageRoot } from "../../../engine/wasm/paths.js";
import { METERS_HEADER, runAndRead, write } from "../../helpers/run.js";
import { runPostgresTests, testStoreUrl } from "../store/postgres-env.js";
import { tempDir } from "../../helpers/tmp.js";

const dir = tempDir();
const BIN = join(packageRoot(), "dist", "engine", "cli", "main.js");
const sorted = (path: string) => readFileSync(path, "utf8").trim().split("\n").sort();

/** 600 registered meters, ids of varied length, some not ASCII; readings of them and of 50 unknown meters. */
const registered = Array.from({ length: 600 }, (_, i) => (i % 97 === 5 ? `Zähler-${i}` : i % 3 === 0 ? `E-${i}` : `ELEC-LONG-${i}`));
const unknown = Array.from({ length: 50 }, (_, i) => (i % 10 === 0 ? `Ünbekannt-${i}` : `X-${i}`));

describe("registryIds", () => {
  it("reads a registry BLOB's ids as bytes: constant and varied lengths; not ASCII gives undefined", () => {
    const meter = (meterId: string) => ({ meterId, type: "electricity.register", unit: "kWh" });
    for (const ids of [["E-1", "E-2", "E-3"], ["A", "BB", "CCCC", "D"], []]) {
      const blob = encodeRegistry(ids.map(meter) as never);
      const read = registryIds(blob)!;
      expect(read.size).toBe(ids.length);
      const text = Buffer.from(read.bytes).toString("latin1");
      expect(Array.from(read.ends, (end, i) => text.slice(i === 0 ? 0 : read.ends[i - 1], end))).toEqual(decodeRegistry(blob).ids);
    }
    expect(registryIds(encodeRegistry([meter("Zähler-1"), meter("E-2")] as never))).toBeUndefined();
  });
});

/** The stores the slots are read from: SQLite, and PostgreSQL where it runs. */
const stores: Array<[string, () => string]> = [["SQLite", () => join(dir, `s-${Math.random().toString(36).slice(2)}.db`)]];
if (runPostgresTests) stores.push(["PostgreSQL", testStoreUrl]);

/** The store at `db` with `ids` registered (register meters, no readings), open. */
async function registeredStore(db: string, name: string, ids: readonly string[]): Promise<Awaited<ReturnType<typeof openStore>>> {
  await runAndRead({ meters: write(dir, `${name}.csv`, [METERS_HEADER, ...ids.map((id) => `${id},electricity.register,kWh,1,,,,,,,,,,`)]),
    inputs: [write(dir, `${name}-readings.csv`, ["meter_id,end,value"])], db, out: join(dir, `${name}-out-${Math.random().toString(36).slice(2)}`) });
  return openStore(db);
}

describe.each(stores)("RegistrySlots on %s", (_name, newDb) => {
  it("finds each reading's slot in its bucket's registry, as the strings say", async () => {
    const meters = write(dir, "meters.csv", [METERS_HEADER, ...registered.map((id) => `${id},electricity.register,kWh,1,,,,,,,,,,`)]);
    const readings = write(dir, "r.csv", ["meter_id,end,value", ...[...registered, ...unknown].map((id, i) => `${id},2026-11-01,${100 + i}`)]);
    const db = newDb();
    await runAndRead({ meters, inputs: [readings], db, out: join(dir, `slots-out-${Math.random().toString(36).slice(2)}`) });
    const store = await openStore(db);
    try {
      const index = createMeterIndex();
      const ids = [...unknown, ...registered].reverse();
      const batch = { length: ids.length + 1, meter: Int32Array.from([...ids.map((id) => index.intern(id)), -1]) };
      const buckets = new MeterBuckets(store.partitions, index);
      const { slot: slots, bucket } = await new RegistrySlots(store as unknown as RegistrySource, buckets, index).of(batch);
      expect([...bucket]).toEqual([...batch.meter].map((m) => (m < 0 ? -1 : buckets.of(m))));
      const registries = new Map((await (store as unknown as RegistrySource).readRegistries([...Array(buckets.bucketCount).keys()]))
        .map((r) => [r.bucket, decodeRegistry(r.registry)]));
      let byId = 0;
      ids.forEach((id, row) => {
        const reg = registries.get(buckets.of(batch.meter[row]));
        const ascii = reg === undefined || reg.ids.every((x) => /^[\x00-\x7f]*$/.test(x));
        if (!ascii) {
          byId++;
          expect(slots[row], id).toBe(SLOT_BY_ID);
        } else {
          const slot = reg === undefined ? -1 : reg.ids.indexOf(id);
          expect(slots[row], id).toBe(slot < 0 ? SLOT_UNKNOWN : slot);
        }
      });
      expect(slots[ids.length]).toBe(SLOT_UNKNOWN);
      expect(byId).toBeGreaterThan(0);
      expect([...slots].filter((s) => s >= 0).length).toBeGreaterThan(500);
    } finally {
      await store.close();
    }
  });

  it("routed batches bring their rows' buckets and id bytes: ids and slots from them equal those from the meter index", async () => {
    const meters = write(dir, "meters3.csv", [METERS_HEADER, ...registered.map((id) => `${id},electricity.register,kWh,1,,,,,,,,,,`)]);
    const db = newDb();
    await runAndRead({ meters, inputs: [write(dir, "r3.csv", ["meter_id,end,value"])], db, out: join(dir, `routed-out-${Math.random().toString(36).slice(2)}`) });
    // Three days of every meter, shuffled, with rows without a meter and ids that are not valid UTF-8.
    const ids = [...registered, ...unknown];
    const lines: Buffer[] = [Buffer.from("meter_id,end,value\n")];
    let seed = 7;
    const next = () => (seed = (Math.imul(seed, 48271) >>> 0) % 2147483647);
    for (let day = 1; day <= 3; day++) {
      const order = ids.map((_id, i) => i).sort(() => (next() % 3) - 1);
      for (const i of order) lines.push(Buffer.from(`${ids[i]},2026-11-0${day},${100 + i + day}\n`));
      lines.push(Buffer.from(`,2026-11-0${day},5\n`));
      lines.push(Buffer.concat([Buffer.from("BAD-"), Buffer.from([0xff, 0xfe]), Buffer.from(`-${day % 2},2026-11-0${day},9\n`)]));
    }
    const path = join(dir, `routed-${Math.random().toString(36).slice(2)}.csv`);
    writeFileSync(path, Buffer.concat(lines));
    const store = await openStore(db);
    try {
      const index = createMeterIndex();
      // One instance per way of finding slots: each remembers the slots it found (a meter's slot is
      // looked up once per run), so neither may answer from what the other found.
      const newSlots = () => new RegistrySlots(store as unknown as RegistrySource, new MeterBuckets(store.partitions, index), index);
      const [slots, byIndex] = [newSlots(), newSlots()];
      let routed = 0;
      for await (const batch of routeByBucket(readReadings(path, { meters: index, batchSize: 97 }), { partitions: store.partitions, batchSize: 200, meters: index, raw: false })) {
        if (batch.rowIds === undefined) continue;
        routed++;
        const plain = { ...batch, bucket: undefined, rowIds: undefined };
        for (let row = 0; row < batch.length; row++) {
          const m = batch.meter[row];
          const bytes = Buffer.from(batch.rowIds.bytes.subarray(batch.rowIds.at[row], batch.rowIds.at[row + 1]));
          if (m >= 0 && /^[\x00-\x7f]*$/.test(index.idOf(m))) expect(bytes.toString("latin1")).toBe(index.idOf(m));
          if (m < 0) expect(bytes.length).toBe(0);
        }
        const fromRows = await slots.of(batch);
        const fromIndex = await byIndex.of(plain);
        expect([...fromRows.slot]).toEqual([...fromIndex.slot]);
        expect([...fromRows.bucket]).toEqual([...fromIndex.bucket]);
      }
      expect(routed).toBeGreaterThan(5);
    } finally {
      await store.close();
    }
  });

  it("looks a meter up once per run: later batches take its slot as found, and a meter unknown at first is found once imported", async () => {
    const first = registered.filter((id) => /^[\x00-\x7f]*$/.test(id)).slice(0, 300);
    const late = ["LATE-1", "LATE-2"];
    const db = newDb();
    const store = await registeredStore(db, "meters4", first);
    try {
      const source = store as unknown as RegistrySource;
      let reads = 0;
      const counting: RegistrySource = { readRegistries: (buckets) => (reads++, source.readRegistries(buckets)) };
      const index = createMeterIndex();
      const buckets = new MeterBuckets(store.partitions, index);
      const slots = new RegistrySlots(counting, buckets, index);
      const batchOf = (ids: string[]) => ({ length: ids.length, meter: Int32Array.from(ids.map((id) => index.intern(id))) });
      const expected = async (ids: string[]) => {
        const registries = new Map((await source.readRegistries([...new Set(ids.map((id) => buckets.of(index.intern(id))))]))
          .map((r) => [r.bucket, decodeRegistry(r.registry).ids]));
        return ids.map((id) => registries.get(buckets.of(index.intern(id)))?.indexOf(id) ?? -1).map((k) => (k < 0 ? SLOT_UNKNOWN : k));
      };
      const day1 = [...first, ...late];
      expect([...(await slots.of(batchOf(day1))).slot]).toEqual(await expected(day1));
      expect(reads).toBe(1);
      // The next day's batch names the same registered meters: found without a read of the registry.
      const day2 = [...first].reverse();
      expect([...(await slots.of(batchOf(day2))).slot]).toEqual(await expected(day2));
      expect(reads).toBe(1);
      // Meters unknown on day 1 are looked up again; once imported, they are found.
      await runAndRead({ meters: write(dir, "meters5.csv", [METERS_HEADER, ...[...first, ...late].map((id) => `${id},electricity.register,kWh,1,,,,,,,,,,`)]),
        inputs: [write(dir, "r5.csv", ["meter_id,end,value"])], db, out: join(dir, `once-out-${Math.random().toString(36).slice(2)}`) });
      const day3 = [...late, first[0]];
      const found = [...(await slots.of(batchOf(day3))).slot];
      expect(found).toEqual(await expected(day3));
      expect(found.slice(0, 2).every((k) => k >= 0)).toBe(true);
      expect(reads).toBe(2);
    } finally {
      await store.close();
    }
  });

  it("gives a meter's rows that lie apart in one batch its slot each time, in buckets new to the run or not, ranked or not", async () => {
    const ids = registered.filter((id) => /^[\x00-\x7f]*$/.test(id)).slice(0, 200);
    const store = await registeredStore(newDb(), "meters6", ids);
    try {
      const source = store as unknown as RegistrySource;
      const index = createMeterIndex();
      const buckets = new MeterBuckets(store.partitions, index);
      // Every meter three times, its rows apart (the others between them), plus an unknown meter twice.
      const rows = [...ids, "NOT-REGISTERED", ...ids, ...ids.slice().reverse(), "NOT-REGISTERED"];
      const registries = new Map((await source.readRegistries([...new Set(rows.map((id) => buckets.of(index.intern(id))))]))
        .map((r) => [r.bucket, decodeRegistry(r.registry).ids]));
      const expected = rows.map((id) => registries.get(buckets.of(index.intern(id)))?.indexOf(id) ?? -1).map((k) => (k < 0 ? SLOT_UNKNOWN : k));
      expect(expected.filter((k) => k >= 0).length).toBe(ids.length * 3);
      for (const ranked of [false, true]) {
        const slots = new RegistrySlots(source, buckets, index);
        const batch = { length: rows.length, meter: Int32Array.from(rows.map((id) => index.intern(id))), ranked };
        // First in buckets the run has not named, then again in named ones.
        expect([...(await slots.of(batch)).slot], `ranked ${ranked}, first`).toEqual(expected);
        expect([...(await slots.of(batch)).slot], `ranked ${ranked}, again`).toEqual(expected);
      }
    } finally {
      await store.close();
    }
  });

  it("takes the slot after the last one found only for the same id: rows in registry order, a row whose id is a prefix of that slot's", async () => {
    // Per bucket, the slot after the last one found is tried first. Here each bucket's registry
    // is [P + "-…", P + "-…" + …] (found by trying suffixes until the bucket is P's), and
    // the readings name P (unknown) before each of them: a guess that compared only P's bytes
    // would take the longer id's slot.
    const count = DEFAULT_PARTITIONS * BUCKETS_PER_PARTITION;
    const bucketOf = (id: string) => meterHash(id) % count;
    const groups: Array<{ prefix: string; ids: string[] }> = [];
    const used = new Set<number>();
    for (let i = 0; groups.length < 12; i++) {
      const prefix = `P-${i}`;
      const b = bucketOf(prefix);
      if (used.has(b)) continue;
      used.add(b);
      const ids: string[] = [];
      for (let n = 0; ids.length < 3; n++) if (bucketOf(`${prefix}-${n}`) === b) ids.push(`${prefix}-${n}`);
      groups.push({ prefix, ids });
    }
    const registeredIds = groups.flatMap((g) => g.ids);
    const store = await registeredStore(newDb(), "meters7", registeredIds);
    try {
      expect(store.partitions).toBe(DEFAULT_PARTITIONS);
      const source = store as unknown as RegistrySource;
      const index = createMeterIndex();
      const buckets = new MeterBuckets(store.partitions, index);
      const registries = new Map((await source.readRegistries([...used])).map((r) => [r.bucket, decodeRegistry(r.registry).ids]));
      // The registry keeps each bucket's ids in the order imported: the readings below meet them in slot order.
      for (const g of groups) expect(registries.get(bucketOf(g.prefix))).toEqual(g.ids);
      const rows = groups.flatMap((g) => g.ids.flatMap((id) => [g.prefix, id]));
      const expected = rows.map((id) => registries.get(bucketOf(id))!.indexOf(id)).map((k) => (k < 0 ? SLOT_UNKNOWN : k));
      expect(expected.filter((k) => k === SLOT_UNKNOWN).length).toBe(groups.length * 3);
      const plain = { length: rows.length, meter: Int32Array.from(rows.map((id) => index.intern(id))) };
      expect([...(await new RegistrySlots(source, buckets, index).of(plain)).slot]).toEqual(expected);
      // Routed as a decoding thread routes them: by bucket, with each row's id bytes.
      const routed = { ...plain, bucket: Int32Array.from(rows.map(bucketOf)), rowIds: rowIdsOf(rows) };
      expect([...(await new RegistrySlots(source, buckets, index).of(routed)).slot]).toEqual(expected);
    } finally {
      await store.close();
    }
  });

  it("a threaded run with non-ASCII ids, unknown meters and register limits writes what the single-thread run writes", async () => {
    // Every 7th meter has 4 digits: its readings from 10,000 on are rejected (value_exceeds_register)
    // by the decoding thread's limit check, which finds the meter by its slot (by its id where
    // its bucket's ids are not ASCII).
    const limited = (i: number) => i % 7 === 0;
    const meters = write(dir, "meters2.csv", [METERS_HEADER, ...registered.map((id, i) =>
      `${id},electricity.register,kWh,1,,${limited(i) ? 4 : ""},,,,,,,${limited(i) ? 1000 : 1000 + i},2026-10-31`)]);
    const lines = ["meter_id,end,value"];
    for (let day = 1; day <= 3; day++) {
      for (const [i, id] of [...registered, ...unknown].entries()) lines.push(`${id},2026-11-0${day},${limited(i) && day === 2 ? 10_000 + i : 1000 + i + day * 3}`);
    }
    const readings = write(dir, "r2.csv", lines);
    const tag = Math.random().toString(36).slice(2);
    const inline = await runAndRead({ meters, inputs: [readings], db: newDb(), out: join(dir, `inline-${tag}`), batchSize: 500 });
    const threaded = spawnSync(process.execPath, [BIN, "run", "--quiet", "--threads", "2", "--batch-size", "500", "--meters", meters,
      "--db", newDb(), "--out", join(dir, `threaded-${tag}`), readings], { encoding: "utf8" });
    expect(threaded.status, threaded.stderr).toBe(0);
    for (const file of ["billing.csv", "held.csv", "rejected.csv"]) {
      expect(sorted(join(dir, `threaded-${tag}`, file)), file).toEqual(sorted(join(dir, `inline-${tag}`, file)));
    }
    const over = registered.filter((_id, i) => limited(i));
    expect(over.some((id) => !/^[\x00-\x7f]*$/.test(id))).toBe(true);
    expect(inline.rejected.map((r) => [r.meter_id, r.reason]).sort()).toEqual(over.map((id) => [id, "value_exceeds_register"]).sort());
    expect(inline.summary.billable).toBe(registered.length * 3 - over.length);
    expect(inline.summary.held).toBe(unknown.length * 3);
  });
});

/** Rows' ids as a routed batch carries them (ReadingBatch.rowIds). */
function rowIdsOf(ids: readonly string[]): { bytes: Uint8Array; at: Int32Array } {
  const parts = ids.map((id) => Buffer.from(id));
  const at = new Int32Array(ids.length + 1);
  parts.forEach((p, i) => (at[i + 1] = at[i] + p.length));
  return { bytes: new Uint8Array(Buffer.concat(parts)), at };
}
