// The time zone a store counts days in (DESIGN.md: "UTC unless configured"), fixed when the store
// is created, as its partition count is: day numbers in its state, ledger and held readings are
// that zone's days, so a store never mixes two zones. Kept in its meta table.
import { useTimeZone } from "../time/current.js";
import { parseTimeZone } from "../time/zone.js";
import type { TimeZone } from "../time/zone.js";
import type { PartitionedStore } from "./contract.js";
import { StoreError } from "./errors.js";

/** The meta key of a store's time zone. */
export const TIME_ZONE_KEY = "time_zone";

/**
 * The zone a store counts days in: `stored` is its meta value (absent on a store created now, and
 * on one made before zones were kept, which counted in UTC), `requested` the zone asked for (any
 * name parseTimeZone takes). Returns its canonical name, and whether to record it. Throws
 * MF_ERR_STORE_TIME_ZONE when the store has another zone than the one asked for, and
 * MF_ERR_TIME_ZONE when `requested` names no zone.
 */
export function settleTimeZone(where: string, stored: string | undefined, created: boolean, requested: string | undefined): { name: string; record: boolean } {
  const asked = requested === undefined ? undefined : parseTimeZone(requested).name;
  if (stored === undefined && created) return { name: asked ?? "UTC", record: true };
  const name = stored ?? "UTC";
  if (asked !== undefined && asked !== name) {
    throw new StoreError("MF_ERR_STORE_TIME_ZONE", `${where} counts days in ${name} (fixed when it was created), not ${asked}: `
      + "a store keeps one zone; drop --time-zone to use the store's, or create a new store");
  }
  return { name, record: stored === undefined };
}

/** Counts days in `store`'s zone from now on, in this thread (engine/time/current.ts); returns it. */
export function useStoreTimeZone(store: Pick<PartitionedStore, "timeZone">): TimeZone {
  const zone = parseTimeZone(store.timeZone);
  useTimeZone(zone);
  return zone;
}
