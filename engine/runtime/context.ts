// What a run's batch steps share: the decision's context (engine/decide) plus the store, the
// working set, the writer, and the run's counters and formats.
import type { HeldIndex } from "../decide/held-index.js";
import type { DecideContext } from "../decide/output.js";
import type { DecisionPool } from "../pool/pool.js";
import type { ReadingBatch } from "../ingest/batch.js";
import type { MeterState } from "../store/state.js";
import type { ChannelRanges } from "../ingest/ranges.js";
import type { RowFormatter } from "../sinks/formatter.js";
import type { PartitionedStore } from "../store/contract.js";
import type { CommitBuilder } from "./commit.js";
import type { Tally } from "./emit.js";
import type { EpisodeSync } from "./episodes.js";
import type { FlagSync } from "./flags.js";
import type { HistoryCache } from "./history-cache.js";
import type { WorkingSet } from "./working-set.js";
import type { WriterClient } from "./writer-client.js";

/** What the runtime's batch steps need; one per run. Its decision part is the DecideContext. */
export interface ProcessorContext extends DecideContext {
  store: PartitionedStore;
  /** The meters the run touched: registry and state columns by dense key (`meters` and `state` are its columns). */
  ws: WorkingSet;
  /** Where committed batches go (writer.ts): in this thread or in a writer thread. */
  writer: WriterClient;
  /** Builds each batch's commit (engine/runtime/commit.ts). */
  commits: CommitBuilder;
  /** Operators' flags, read with each batch. */
  flags: FlagSync;
  /** Sensor threshold episodes, read and committed a meter at a time (absent: no thresholds). */
  episodes?: EpisodeSync;
  /** Formats the output lines of each batch. */
  format: RowFormatter;
  /** Counts for the summary. */
  tally: Tally;
  /** Meters' history for the late path. */
  history: HistoryCache;
  /** Held readings of the meters touched, to tell exact re-sends. */
  heldIndex: HeldIndex;
  /** Decision threads: when set, each batch's slice is decided there (engine/pool), else in this thread. */
  pool?: DecisionPool;
  /** Physical ranges of the channels, for sensor rows decoded in this thread. */
  ranges?: ChannelRanges;
  runId: number;
  /**
   * Called once a batch's slice is loaded (flags applied, `keys` resolved: -1 for a meter not in
   * the registry) and before it is decided; it may refuse the batch by throwing, before anything
   * is written. Not called for a batch committed before (a duplicate).
   */
  inspect?: (batch: ReadingBatch, keys: Int32Array, state: MeterState) => void;
  /** Readings of the largest batch expected (default 65536, a run's): its buffers start this big and grow. */
  batchCapacity?: number;
  /**
   * Batches whose buffers (ledger entries, output lines) the runner keeps at once. Default: SLOTS
   * (one being decided while the one before is written), plus one per extra pool thread. A
   * worker's partition session needs 1: it decides, commits and publishes a batch before its next.
   */
  batchesAtOnce?: number;
}
