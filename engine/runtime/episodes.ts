// Sensor threshold episodes (open excursions, last times) kept in the store a meter at a time:
// read when a batch first names a meter with sensor values, committed with every batch for the
// meters whose values it judged. A run never writes the whole tracker, so the cost follows the
// sensor values, not the fleet.
import { sensorMeterIds } from "../decide/sensors.js";
import type { ReadingBatch } from "../ingest/batch.js";
import type { PartitionedStore } from "../store/contract.js";
import type { ThresholdTracker } from "../../sdk/thresholds.js";
import type { ThresholdSnapshot, ThresholdSnapshotEntry } from "../../sdk/threshold-snapshot.js";

/** The episodes key of a meter in the store's episodes table. */
export const episodeKey = (meterId: string) => `thresholds:${meterId}`;

/** The key under which earlier versions kept the whole tracker (read once, for a store that has it). */
export const LEGACY_EPISODES = "sensor_thresholds";

export class EpisodeSync {
  readonly #store: PartitionedStore;
  readonly #tracker: ThresholdTracker;
  readonly #loaded = new Set<string>();

  constructor(store: PartitionedStore, tracker: ThresholdTracker) {
    this.#store = store;
    this.#tracker = tracker;
  }

  /** Restores the whole-tracker snapshot an earlier version kept, if the store has one; whether it had. */
  async start(): Promise<boolean> {
    // Both places an earlier version used, read together.
    const [episodes, meta] = await Promise.all([this.#store.readEpisodes([LEGACY_EPISODES]), this.#store.meta(LEGACY_EPISODES)]);
    const legacy = episodes.get(LEGACY_EPISODES) ?? meta;
    if (legacy !== undefined) this.#tracker.restore(JSON.parse(legacy));
    return legacy !== undefined;
  }

  /** Loads the stored episodes of the batch's sensor meters not loaded yet. */
  async load(batch: ReadingBatch): Promise<void> {
    const wanted = sensorMeterIds(batch).filter((id) => !this.#loaded.has(id));
    if (wanted.length === 0) return;
    const stored = await this.#store.readEpisodes(wanted.map(episodeKey));
    const states: ThresholdSnapshotEntry[] = [];
    for (const id of wanted) {
      this.#loaded.add(id);
      const data = stored.get(episodeKey(id));
      if (data !== undefined) states.push(...(JSON.parse(data) as ThresholdSnapshotEntry[]));
    }
    if (states.length > 0) this.#tracker.merge({ version: 1, states } satisfies ThresholdSnapshot);
  }

  /** The episodes of the batch's sensor meters, for a decision in another thread. */
  snapshot(batch: ReadingBatch): ThresholdSnapshot {
    return this.#tracker.snapshotOf(sensorMeterIds(batch));
  }

  /** Takes back the episodes a decision in another thread left. */
  merge(snapshot: ThresholdSnapshot): void {
    this.#tracker.merge(snapshot);
  }

  /** The episodes rows the batch commits: each sensor meter's entries after the batch (null: none). */
  entries(batch: ReadingBatch): Array<{ key: string; data: string | null }> {
    return sensorMeterIds(batch).map((id) => {
      const { states } = this.#tracker.snapshotOf([id]);
      return { key: episodeKey(id), data: states.length === 0 ? null : JSON.stringify(states) };
    });
  }
}
