// A meter's ledger as a store keeps it: every version of every history entry, in commit order,
// read from its bucket's segments. For operators' queries, exports and tests; the runtime reads
// whole buckets through its history cache instead. recentBilled reads one meter's latest
// readings from the segments that hold it, newest first, and stops once older ones cannot change
// the answer: its cost follows that meter's recent nights, not the bucket's whole ledger.
import { decodeRegistry } from "./bucket.js";
import { BUCKETS_PER_PARTITION, meterHash } from "./contract.js";
import type { PartitionedStore } from "./contract.js";
import { createEntries, decodeSegment, entryAt, slotEntries } from "./history.js";
import type { HistoryEntry } from "./history.js";

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
 * The `count` latest days of the meter at `slot` of `bucket` whose latest entry is billed (held
 * 0), oldest first: what latestByDay(every entry).filter(billed).slice(-count) gives, from the
 * newest segments that hold the meter until no older segment can hold a later day (a segment's
 * latest end day, where kept, says so).
 */
export async function recentBilled(store: PartitionedStore, bucket: number, slot: number, count: number): Promise<HistoryEntry[]> {
  const list = await store.segmentsOf(bucket, slot);
  // rest[i]: the latest end day segments i.. may hold (Infinity where one does not say).
  const rest = new Float64Array(list.length + 1).fill(Number.NEGATIVE_INFINITY);
  for (let i = list.length - 1; i >= 0; i--) rest[i] = Math.max(list[i].maxEnd ?? Number.POSITIVE_INFINITY, rest[i + 1]);
  const latest = new Map<number, HistoryEntry>();
  const billedDays = () => [...latest.values()].filter((e) => e.held === 0).map((e) => e.end).sort((a, b) => b - a);
  let chunk = 4;
  for (let i = 0; i < list.length;) {
    const days = billedDays();
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
  return [...latest.values()].filter((e) => e.held === 0).sort((a, b) => a.end - b.end).slice(-count);
}
