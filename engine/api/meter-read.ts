// What GET /v1/meters/:id reads of one meter: the store's snapshot in one round trip where it
// has one (PostgreSQL), else its calls together (registry row, bucket, flag, version, held
// readings, then the ledger segments that hold the meter). Either way the same reads: its
// state's row, and its latest chain readings (billed, or its baseline held `initial`) from its
// ledger segments, newest first.
import { inChain } from "../decide/chain.js";
import { listHeld } from "../operations/index.js";
import { decodeRegistry, decodeState } from "../store/bucket.js";
import { bucketOf } from "../store/contract.js";
import type { FlagRow, MeterSnapshot, PartitionedStore, RegistryRow, SegmentRow, SnapshotSegment } from "../store/contract.js";
import { slotEntries } from "../store/history.js";
import type { HistoryEntry } from "../store/history.js";
import { recentChain } from "../store/ledger.js";

/** Held readings a view reads (oldest first), as before the snapshot. */
const HELD = 1000;
/** Ledger segments a snapshot brings with their rows: about a month of a meter's nightly batches. */
const SEGMENTS = 32;

export interface MeterRead {
  registry: RegistryRow;
  flag: FlagRow | undefined;
  version: number;
  held: MeterSnapshot["held"];
  /** The meter's row of its bucket's state, by field; undefined when its state has none. */
  state: ReturnType<typeof stateRow>;
  /** Its `count` latest days whose latest entry is in its chain (billed, or its baseline), oldest first (ledger.ts recentChain). */
  chain: HistoryEntry[];
}

function stateRow(bucket: MeterSnapshot["bucket"], slot: number) {
  if (bucket === undefined || bucket.state === null || slot < 0) return undefined;
  const s = decodeState(bucket.state, bucket.meters);
  if (slot >= s.size) return undefined;
  return {
    lastEnd: s.lastEnd[slot], lastValue: s.lastValue[slot], readings: s.readings[slot],
    sumConsumption: s.sumConsumption[slot], sumDays: s.sumDays[slot], heldCount: s.heldCount[slot],
  };
}

/** One segment's entries of the meter at `slot`, newest version first, into `latest` (a day's first is kept). */
function addEntries(latest: Map<number, HistoryEntry>, segment: SegmentRow, slot: number): void {
  const entries = slotEntries(segment.data, segment.entries, slot);
  for (let e = entries.length - 1; e >= 0; e--) if (!latest.has(entries[e].end)) latest.set(entries[e].end, entries[e]);
}

const chainOf = (latest: Map<number, HistoryEntry>) => [...latest.values()].filter(inChain).sort((a, b) => a.end - b.end);

/**
 * The `count` latest chain days from a snapshot's segments (recentChain's rule: newest first,
 * until no older segment can hold a later day than the count-th); undefined when the rule wants
 * segments past those the snapshot brought.
 */
export function recentFromSnapshot(segments: readonly SnapshotSegment[], slot: number, count: number): HistoryEntry[] | undefined {
  const latest = new Map<number, HistoryEntry>();
  for (const segment of segments) {
    const chain = chainOf(latest);
    if (chain.length >= count && segment.restEnd <= chain[chain.length - count].end) break;
    if (segment.row === null) return undefined;
    addEntries(latest, segment.row, slot);
  }
  return chainOf(latest).slice(-count);
}

/** The meter as a view reads it, with its `count` latest chain days; undefined when it is not in the registry. */
export async function readMeter(store: PartitionedStore, meterId: string, count: number): Promise<MeterRead | undefined> {
  const bucket = bucketOf(meterId, store.partitions);
  const snap = await store.meterSnapshot?.(meterId, { held: HELD, segments: SEGMENTS });
  if (snap !== undefined) {
    if (snap.registry === undefined) return undefined;
    // A meter with more segments than the snapshot brought: read on from the ledger (rare).
    const chain = snap.slot < 0 ? [] : recentFromSnapshot(snap.segments, snap.slot, count) ?? await recentChain(store, bucket, snap.slot, count, inChain);
    return { registry: snap.registry, flag: snap.flag, version: snap.version, held: snap.held, state: stateRow(snap.bucket, snap.slot), chain };
  }
  // The bucket is read once: its registry gives the meter's slot in the state and in the ledger's segments.
  const [[registry], [stored], flag, version, held] = await Promise.all([
    store.registry([meterId]), store.readBuckets([bucket]), store.readFlag(meterId), store.meterVersion(meterId),
    listHeld(store, { meterId, limit: HELD }),
  ]);
  if (registry === undefined) return undefined;
  const slot = stored === undefined ? -1 : decodeRegistry(stored.registry).ids.indexOf(meterId);
  // Only the segments that hold the meter, newest first, as far back as its `count` latest need.
  const chain = slot < 0 ? [] : await recentChain(store, bucket, slot, count, inChain);
  return { registry, flag, version, held: held.rows, state: stateRow(stored, slot), chain };
}
