// A meter's ledger as a store keeps it: every version of every history entry, in commit order,
// read from its bucket's segments. For operators' queries, exports and tests; the runtime reads
// whole buckets through its history cache instead.
import { decodeRegistry } from "./bucket.js";
import { BUCKETS_PER_PARTITION, meterHash } from "./contract.js";
import type { PartitionedStore } from "./contract.js";
import { createEntries, decodeSegment, entryAt } from "./history.js";
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
