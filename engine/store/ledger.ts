// A meter's ledger as a store keeps it: every version of every history entry, in commit order,
// read from its bucket's segments (readLedger: for operators' queries, exports and tests).
// recentChain reads one meter's latest chain readings from the segments that hold it, newest first,
// and stops once older ones cannot change the answer: its cost follows that meter's recent
// nights, not the bucket's whole ledger. readChains does the same for the late path's meters
// (the runtime's history cache), many at a time.
import { decodeRegistry } from "./bucket.js";
import { BUCKETS_PER_PARTITION, meterHash } from "./contract.js";
import { hasSlot } from "./bucket-fence.js";
import type { PartitionedStore, SegmentIndexRow } from "./contract.js";
import { StoreError } from "./errors.js";
import { appendPicked, createEntries, decodeSegment, entryAt, slotEntries } from "./history.js";
import type { HistoryEntries, HistoryEntry } from "./history.js";

/** Every ledger entry of these meters (all versions, commit order); `meter` is the bucket slot. */
export async function readLedger(store: PartitionedStore, meterIds: readonly string[]): Promise<Map<string, HistoryEntry[]>> {
  const buckets = store.partitions * BUCKETS_PER_PARTITION;
  const wanted = new Map<number, string[]>();
  for (const id of meterIds) {
    const b = meterHash(id) % buckets;
    wanted.set(b, [...(wanted.get(b) ?? []), id]);
  }
  const out = new Map<string, HistoryEntry[]>(meterIds.map((id) => [id, []]));
  const slots = new Map<number, Map<number, string>>();
  for (const row of await store.readBuckets([...wanted.keys()])) {
    const reg = decodeRegistry(row.registry);
    const ids = new Set(wanted.get(row.bucket));
    const bySlot = new Map<number, string>();
    reg.ids.forEach((id, slot) => ids.has(id) && bySlot.set(slot, id));
    slots.set(row.bucket, bySlot);
  }
  for (const segment of await store.readSegments([...slots.keys()])) {
    const entries = createEntries(Math.max(segment.entries, 1));
    decodeSegment(entries, segment.data, segment.entries);
    const bySlot = slots.get(segment.bucket)!;
    for (let i = 0; i < entries.length; i++) {
      const id = bySlot.get(entries.meter[i]);
      if (id !== undefined) out.get(id)!.push(entryAt(entries, i));
    }
  }
  return out;
}

/** The latest version per end day of a meter's entries, ordered by day. */
export function latestByDay(entries: readonly HistoryEntry[]): HistoryEntry[] {
  const byDay = new Map<number, HistoryEntry>();
  for (const e of entries) byDay.set(e.end, e);
  return [...byDay.values()].sort((a, b) => a.end - b.end);
}

/**
 * The `count` latest days of the meter at `slot` of `bucket` whose latest entry is in its chain
 * (`inChain`: billed, or its baseline), oldest first: what latestByDay(every entry).filter(inChain)
 * .slice(-count) gives, from the newest segments that hold the meter until no older segment can
 * hold a later day (a segment's latest end day, where kept, says so).
 */
export async function recentChain(store: PartitionedStore, bucket: number, slot: number, count: number, inChain: ChainTest): Promise<HistoryEntry[]> {
  const list = await store.segmentsOf(bucket, slot);
  // rest[i]: the latest end day segments i.. may hold (Infinity where one does not say).
  const rest = new Float64Array(list.length + 1).fill(Number.NEGATIVE_INFINITY);
  for (let i = list.length - 1; i >= 0; i--) rest[i] = Math.max(list[i].maxEnd ?? Number.POSITIVE_INFINITY, rest[i + 1]);
  const latest = new Map<number, HistoryEntry>();
  const chainDays = () => [...latest.values()].filter(inChain).map((e) => e.end).sort((a, b) => b - a);
  let chunk = 4;
  for (let i = 0; i < list.length;) {
    const days = chainDays();
    if (days.length >= count && rest[i] <= days[count - 1]) break;
    const ids = list.slice(i, i + chunk).map((s) => s.id);
    i += ids.length;
    chunk *= 2;
    for (const segment of await store.readSegmentsById(ids)) {
      // Newest first: within a segment the later entry of a day is its later version.
      const entries = slotEntries(segment.data, segment.entries, slot);
      for (let e = entries.length - 1; e >= 0; e--) if (!latest.has(entries[e].end)) latest.set(entries[e].end, entries[e]);
    }
  }
  return [...latest.values()].filter(inChain).sort((a, b) => a.end - b.end).slice(-count);
}

/**
 * What the late path reads of one meter (readChains): the latest version of each of its days from
 * `from` on, by day, `meter` its bucket slot. `from` is -Infinity when they are its whole ledger.
 */
export interface ChainRead {
  entries: HistoryEntry[];
  from: number;
}

/**
 * One bucket's read: its segments, newest first; rest[j], the latest day segments j.. may hold
 * (Infinity where one does not say); per slot its wanted meter's index (-1: not wanted).
 */
interface BucketRead {
  bucket: number;
  segments: SegmentIndexRow[];
  rest: Float64Array;
  indexOf: Int32Array;
}

/** The entries a chain test looks at. */
export type ChainTest = (e: Pick<HistoryEntry, "held" | "flags">) => boolean;

/**
 * The chains of these meters (per bucket, slot -> the day of its earliest late reading), enough to
 * place readings of that day or later: every day from the latest chain entry (`inChain`) before
 * it on, or the meter's whole ledger when it has none. Read as recentChain reads: from the
 * newest segments that hold each meter, a few at a time (all buckets' in one read), until no older
 * segment that holds it can hold a later day. A late reading's cost follows the nights since its
 * predecessor, not the age of its bucket's ledger. Entries stay columns until the end, where only
 * each day's latest version from the chain entry on becomes an object.
 */
export async function readChains(store: PartitionedStore, wanted: ReadonlyMap<number, ReadonlyMap<number, number>>,
  inChain: ChainTest): Promise<Map<number, Map<number, ChainRead>>> {
  const index = new Map<number, SegmentIndexRow[]>();
  for (const row of await store.segmentIndex([...wanted.keys()])) {
    let list = index.get(row.bucket);
    if (list === undefined) index.set(row.bucket, (list = []));
    list.push(row);
  }
  // Per wanted meter (all buckets'): its bucket's read, slot, earliest late day, best chain day
  // before it so far (-Infinity: none seen), and its segments read (bucket.segments[0 .. next)).
  let n = 0;
  for (const slots of wanted.values()) n += slots.size;
  const bucketOf: BucketRead[] = new Array(n);
  const slotOf = new Int32Array(n);
  const before = new Float64Array(n);
  const best = new Float64Array(n).fill(Number.NEGATIVE_INFINITY);
  const next = new Int32Array(n);
  const upto = new Int32Array(n);
  let w = 0;
  for (const [bucket, slots] of wanted) {
    let max = 0;
    for (const slot of slots.keys()) max = Math.max(max, slot);
    const segments = index.get(bucket) ?? [];
    const rest = new Float64Array(segments.length + 1).fill(Number.NEGATIVE_INFINITY);
    for (let j = segments.length - 1; j >= 0; j--) rest[j] = Math.max(segments[j].maxEnd ?? Number.POSITIVE_INFINITY, rest[j + 1]);
    const r: BucketRead = { bucket, segments, rest, indexOf: new Int32Array(max + 1).fill(-1) };
    for (const [slot, day] of slots) {
      bucketOf[w] = r;
      r.indexOf[slot] = w;
      slotOf[w] = slot;
      before[w] = day;
      w++;
    }
  }
  // What the segments said of the wanted meters, as columns (`meter`: the wanted meter), in the
  // order met: newest segment first, a segment's entries last first (appendPicked), so of two
  // versions of a day the one met first is the later.
  const got = createEntries(1024);
  // `got` grouped by meter and day, as of the last round that read anything.
  let grouped = latestFirst(got, n);
  const probe = { held: 0, flags: 0 };
  for (let chunk = 4; ; chunk *= 2) {
    // The segments to read this round, each with its bucket and place in its bucket's list.
    const readers = new Map<number, { r: BucketRead; at: number }>();
    for (let m = 0; m < n; m++) {
      const r = bucketOf[m];
      upto[m] = next[m];
      if (settled(r, slotOf[m], next[m], best[m])) continue;
      let taken = 0;
      let j = next[m];
      for (; j < r.segments.length && taken < chunk; j++) {
        if (!hasSlot(r.segments[j].slots, slotOf[m])) continue;
        readers.set(r.segments[j].id, { r, at: j });
        taken++;
      }
      upto[m] = j;
    }
    if (readers.size === 0) break;
    // Newest first: each meter meets its segments in the order its bucket lists them.
    const ids = [...readers.keys()].sort((a, b) => b - a);
    const rows = await store.readSegmentsById(ids);
    if (rows.length !== ids.length) throw new StoreError("MF_ERR_STORE_READ", `ledger segments went missing while read (${ids.length - rows.length} of ${ids.length})`);
    for (let s = 0; s < rows.length; s++) {
      const { r, at } = readers.get(ids[s])!;
      appendPicked(got, rows[s].data, rows[s].entries, (slot) => {
        const m = slot < r.indexOf.length ? r.indexOf[slot] : -1;
        // Only a meter that reads this segment in this round (not before, not yet).
        return m < 0 || at < next[m] || at >= upto[m] ? -1 : m;
      });
    }
    // Each meter's best: its latest chain day before its earliest late one, latest versions only.
    grouped = latestFirst(got, n);
    const { start, order } = grouped;
    for (let m = 0; m < n; m++) {
      for (let i = start[m + 1] - 1; i >= start[m]; i--) {
        const e = order[i];
        if (got.end[e] >= before[m] || (i > start[m] && got.end[order[i - 1]] === got.end[e])) continue;
        probe.held = got.held[e];
        probe.flags = got.flags[e];
        if (inChain(probe)) {
          best[m] = got.end[e];
          break;
        }
      }
    }
    next.set(upto);
  }
  const out = new Map<number, Map<number, ChainRead>>();
  const { start, order } = grouped;
  for (let m = 0; m < n; m++) {
    const r = bucketOf[m];
    let chains = out.get(r.bucket);
    if (chains === undefined) out.set(r.bucket, (chains = new Map()));
    // A chain entry before the earliest late day is enough; without one, the whole ledger.
    const from = best[m];
    const entries: HistoryEntry[] = [];
    for (let i = start[m]; i < start[m + 1]; i++) {
      const e = order[i];
      if (got.end[e] < from || (i > start[m] && got.end[order[i - 1]] === got.end[e])) continue;
      const entry = entryAt(got, e);
      entry.meter = slotOf[m];
      entries.push(entry);
    }
    chains.set(slotOf[m], { entries, from });
  }
  return out;
}

/**
 * The entries of `got` grouped by wanted meter (group m is order[start[m] .. start[m + 1])) and
 * within a group by day, each day's latest version (the first met) first.
 */
function latestFirst(got: HistoryEntries, n: number): { start: Int32Array; order: Int32Array } {
  const start = new Int32Array(n + 1);
  for (let i = 0; i < got.length; i++) start[got.meter[i] + 1]++;
  for (let m = 0; m < n; m++) start[m + 1] += start[m];
  const fill = start.slice(0, n);
  const order = new Int32Array(got.length);
  // In the order met, so each group is too.
  for (let i = 0; i < got.length; i++) order[fill[got.meter[i]]++] = i;
  for (let m = 0; m < n; m++) {
    if (start[m + 1] - start[m] > 32) {
      order.subarray(start[m], start[m + 1]).sort((a, b) => got.end[a] - got.end[b] || a - b);
      continue;
    }
    // Insertion sort by day (stable: a day's versions stay in the order met); most groups are short.
    for (let i = start[m] + 1; i < start[m + 1]; i++) {
      const x = order[i];
      const day = got.end[x];
      let k = i - 1;
      while (k >= start[m] && got.end[order[k]] > day) {
        order[k + 1] = order[k];
        k--;
      }
      order[k + 1] = x;
    }
  }
  return { start, order };
}

/**
 * Whether a meter (at `slot`, its bucket's segments read up to `next`) needs no older segment:
 * none left that holds it, or none that holds a later day than its best chain day.
 */
function settled(r: BucketRead, slot: number, next: number, best: number): boolean {
  // Nightly segments: no older segment holds a later day at all (a meter's check, not a scan).
  if (r.rest[next] <= best) return true;
  const { segments } = r;
  for (let j = next; j < segments.length; j++) {
    const s = segments[j];
    if (hasSlot(s.slots, slot) && (s.maxEnd ?? Number.POSITIVE_INFINITY) > best) return false;
  }
  return true;
}
