// An operator's batch of one (DESIGN.md "Control goes through the same path"): a reading decided
// and committed on its meter's partition like a run's batch (engine/runtime/session.ts), with the
// rows it produced returned to the caller. A release is such a batch, marked as the operator's.
import { createHash } from "node:crypto";
import type { BatchCounts } from "../decide/output.js";
import type { ReadingBatch } from "../ingest/batch.js";
import { createMeterIndex } from "../ingest/meter-index.js";
import { createPulseColumns, pulseColumnOf } from "../ingest/pulse-fields.js";
import type { PulseReadingColumns } from "../ingest/pulse-fields.js";
import { loadDecisionSetup } from "../runtime/decision-setup.js";
import type { DecisionSetupOptions } from "../runtime/decision-setup.js";
import { DecisionSession, parseLines } from "../runtime/session.js";
import type { CommitGuard } from "../runtime/session.js";
import type { HeldPulse, HeldRecord, PartitionedStore, PhotoRecord } from "../store/contract.js";
import { openStore } from "../store/open.js";
import { useStoreTimeZone } from "../store/time-zone.js";
import { formatDay } from "../time/index.js";
import { OperationError } from "./errors.js";
import { heldAgain, unreleasable } from "./refusals.js";

/** One reading for a batch of one: as it arrived (codes as in engine/ingest/reasons.ts). */
export type SingleReading = Pick<HeldRecord, "meterId" | "endDay" | "value" | "override" | "source" | "verification" | "pulse"> & {
  /** A photo of the meter came with it (the has_photo fact). */
  photo?: boolean;
};

/** What a batch of one decided: its counts and its output rows (billing, held, alerts) as objects. */
export interface SingleDecision {
  batchId: string;
  /** "duplicate" when the same batch was committed before (nothing changed). */
  commit: "committed" | "duplicate";
  counts: BatchCounts;
  billing: Array<Record<string, unknown>>;
  held: Array<Record<string, unknown>>;
  alerts: Array<Record<string, unknown>>;
}

export interface OperationsOptions extends DecisionSetupOptions {
  /** The store: an open one (kept open by `close`), or an SQLite path / postgres:// URL to open. */
  db: string | PartitionedStore;
}

export class OperationSession {
  readonly store: PartitionedStore;
  readonly #session: DecisionSession;
  readonly #ownsStore: boolean;

  private constructor(session: DecisionSession, ownsStore: boolean) {
    this.store = session.store;
    this.#session = session;
    this.#ownsStore = ownsStore;
  }

  /** Loads plugins and rules (errors before the store is touched), then opens the store. */
  static async open(options: OperationsOptions): Promise<OperationSession> {
    const setup = await loadDecisionSetup(options);
    await setup.plugins.setup();
    const store = typeof options.db === "string" ? await openStore(options.db) : options.db;
    // A manual reading's "today" and the sensor days of its decision are the store's.
    useStoreTimeZone(store);
    return new OperationSession(new DecisionSession(store, setup), typeof options.db === "string");
  }

  /** The rules deciding (version and files). */
  get rules(): { version: string; files: readonly string[] } {
    const { rules } = this.#session.setup;
    return { version: rules.version, files: rules.files };
  }

  /**
   * Decides `reading` as a batch of one and commits it. `release` marks it as an operator's
   * release of the held reading it repeats: a release the decision does not bill is refused
   * before anything is committed, but for one that lifts nothing (`rejudge`, decide/rejudge.ts)
   * held again for what a release lifts (its rules, faults, implausible values): that is committed,
   * its new held record in place of the old one. `photo` is stored with the commit. `label` names
   * the batch (its id is a hash of it).
   */
  async decideOne(reading: SingleReading, label: string, options: {
    release?: Release; photo?: PhotoRecord;
    /** May refuse the decided batch (throw) before anything is committed (a release has its own). */
    guard?: CommitGuard;
    /** Sees the reading's meter as loaded (registered; temp_bad) before it is decided, and may refuse it by throwing. */
    inspect?: (meter: { registered: boolean; tempBad: boolean }) => void;
  } = {}): Promise<SingleDecision> {
    const { release, photo, inspect } = options;
    const batch = batchOfOne(reading, label, release);
    const guard = release === undefined ? options.guard : refuseUnreleased(reading);
    try {
      const d = await this.#session.decide(batch, label, {
        ...(guard === undefined ? {} : { guard }),
        ...(photo === undefined ? {} : { photos: [photo] }),
        ...(inspect === undefined ? {} : { inspect: (_, keys, state) => inspect({ registered: keys[0] >= 0, tempBad: keys[0] >= 0 && state.tempBad[keys[0]] === 1 }) }),
      });
      return {
        batchId: batch.batchId!, commit: d.commit, counts: d.counts,
        billing: parseLines(d.lines.billing), held: parseLines(d.lines.held), alerts: parseLines(d.lines.alerts),
      };
    } catch (error) {
      if ((error as { code?: string }).code !== "MF_ERR_STORE_FENCED") throw error;
      throw new OperationError("MF_ERR_OPERATION_CONTENDED",
        `meter ${reading.meterId}: other writers kept committing to its partition while this was decided; try again`, { cause: error });
    }
  }

  async close(): Promise<void> {
    if (this.#ownsStore) await this.store.close();
    await this.#session.setup.plugins.teardown();
  }
}

/** An operator's release, as ReadingBatch.release has it (without its rows). */
type Release = Omit<NonNullable<ReadingBatch["release"]>, "rows">;

/** A ReadingBatch of one row, its id a hash of `label` (so the same operation is one batch). */
function batchOfOne(r: SingleReading, label: string, release?: Release): ReadingBatch {
  const meters = createMeterIndex();
  const meter = meters.intern(r.meterId);
  const raw = JSON.stringify({ meter_id: r.meterId, end: formatDay(r.endDay), value: r.value });
  return {
    length: 1,
    line: Float64Array.of(1),
    meter: Int32Array.of(meter),
    end: Int32Array.of(r.endDay),
    value: Float64Array.of(r.value),
    override: Float64Array.of(r.override),
    source: Uint8Array.of(r.source),
    verification: Uint8Array.of(r.verification),
    ...(r.photo === true ? { photo: Uint8Array.of(1) } : {}),
    ...(r.pulse === undefined ? {} : { pulse: pulseColumnsOf(r.pulse) }),
    reject: new Uint8Array(1),
    rejectedRaw: new Map(),
    rawOf: () => raw,
    meters,
    batchId: createHash("sha256").update(label).digest("hex").slice(0, 32),
    ...(release === undefined ? {} : { release: { rows: Uint8Array.of(1), ...release } }),
  };
}

/** A held reading's pulse columns as the batch's (one row; a column it did not give is NaN). */
function pulseColumnsOf(pulse: HeldPulse): PulseReadingColumns {
  const columns = createPulseColumns(1);
  for (const [field, value] of Object.entries(pulse)) {
    const column = pulseColumnOf(field);
    if (column !== undefined) columns[column][0] = value ?? Number.NaN;
  }
  return columns;
}

/** The reason of a rejected row's JSON (contract.ts Commit.rejected); "rejected" when it has none. */
function rejectedReason(line: string | undefined): string {
  try {
    const reason = (JSON.parse(line ?? "") as { reason?: unknown }).reason;
    return typeof reason === "string" ? reason : "rejected";
  } catch {
    return "rejected";
  }
}

/**
 * A release that the decision did not bill is refused before anything is committed; so is one it
 * held again (a release that lifts nothing, decide/rejudge.ts) for what no release lifts yet (an
 * unknown meter, a conflict, ...: refusals.ts). Held again for anything else, it is committed.
 */
function refuseUnreleased(reading: SingleReading): CommitGuard {
  return (job) => {
    if (job.kind !== "commit") return;
    const held = parseLines(job.lines.held)[0];
    const again = held === undefined ? "" : Array.isArray(held.reasons) ? held.reasons.join("|") : String(held.reasons);
    if ((job.commit.released?.length ?? 0) > 0 && !unreleasable(again)) return;
    const id = `${reading.meterId}@${formatDay(reading.endDay)}`;
    // Rejected by the registry as it is now (digits lowered since: a value its register cannot show).
    if (job.commit.counts.rejected > 0) {
      const reason = rejectedReason(job.commit.rejected?.[0]);
      throw new OperationError("MF_ERR_RELEASE_REFUSED", `cannot release ${id}: the meter's registry row now rejects it (${reason}); fix the registry, then release it`);
    }
    // Nothing held again: the reading is in the chain already (another release of it committed
    // meanwhile, or the same value arrived since), so there is no held reading left to release.
    if (held === undefined) throw new OperationError("MF_ERR_HELD_NOT_FOUND", `no held reading ${id} any more: it is in the chain (released meanwhile?)`);
    throw new OperationError("MF_ERR_RELEASE_REFUSED", `cannot release ${id}: ${heldAgain(again)}`);
  };
}
