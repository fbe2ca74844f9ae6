// Operators' temp_bad flags ("temporary incorrectness"): set with a reason (and a note), cleared
// with a reason, listed. A flag lives in the store's flags table, read with every batch's slice,
// so a run or worker deciding the meter afterwards holds its readings and nothing a run does
// overwrites it. Every set and clear is audited with who, when and why in the same transaction.
import { partitionOf } from "../store/contract.js";
import type { FlagRow, PartitionedStore } from "../store/contract.js";
import { OperationError, unknownMeter } from "./errors.js";

export interface FlagChange {
  meterId: string;
  reason: string;
  /** Free text kept with the flag (set only). */
  note?: string;
  actor: string;
  /** Only while the meter is at this version (store.meterVersion): else MF_ERR_STORE_VERSION, nothing changed. */
  ifVersion?: number;
}

async function registered(store: PartitionedStore, meterId: string): Promise<void> {
  if ((await store.registry([meterId])).length === 0) {
    throw unknownMeter(meterId);
  }
}

function reasonOf(change: FlagChange): string {
  const reason = change.reason.trim();
  if (reason === "") throw new OperationError("MF_ERR_REASON_REQUIRED", "a temp_bad change needs a reason");
  return reason;
}

/** A flag as set. */
export interface FlagSet extends FlagRow {
  /** The meter's version after the set, where the store said it (else: store.meterVersion). */
  version?: number;
}

/** Sets (or replaces) a meter's temp_bad flag. */
export async function setTempBad(store: PartitionedStore, change: FlagChange): Promise<FlagSet> {
  const reason = reasonOf(change);
  await registered(store, change.meterId);
  const flag: FlagRow = { meterId: change.meterId, reason, note: change.note ?? "", actor: change.actor, at: new Date().toISOString() };
  const version = await store.setFlag(partitionOf(change.meterId, store.partitions), flag, change.ifVersion);
  return typeof version === "number" ? { ...flag, version } : flag;
}

/**
 * Clears a meter's temp_bad flag; MF_ERR_UNKNOWN_METER when the meter has none and is not in the
 * registry (a mistyped id: "no flag" would send the operator away while the real meter stays
 * held), MF_ERR_FLAG_NOT_SET when a registered meter has none.
 */
export async function clearTempBad(store: PartitionedStore, change: FlagChange): Promise<void> {
  const reason = reasonOf(change);
  if (!(await store.clearFlag(partitionOf(change.meterId, store.partitions), change.meterId, reason, change.actor, change.ifVersion))) {
    await registered(store, change.meterId);
    throw new OperationError("MF_ERR_FLAG_NOT_SET", `meter ${change.meterId} has no temp_bad flag`);
  }
}

/** Every meter's temp_bad flag (set by operators or by the rules), by meter id; or one meter's. */
export async function listTempBad(store: PartitionedStore, meterId?: string): Promise<FlagRow[]> {
  if (meterId !== undefined) {
    // One meter's flag by its key, not its partition's every flag (the API asks on each request).
    const flag = await store.readFlag(meterId);
    return flag === undefined ? [] : [flag];
  }
  const flags = await store.readFlags(Array.from({ length: store.partitions }, (_, p) => p));
  return flags.sort((a, b) => (a.meterId < b.meterId ? -1 : a.meterId > b.meterId ? 1 : 0));
}
