// The batch decision as a function (DESIGN.md "The batch is the unit, and its decision is
// pure"): decide(input) -> output. In: the batch, and the registry columns, state, history,
// held readings and threshold episodes of exactly its meters (the slice, by slice key), flags
// applied to the state. Out: ledger entries, the new state, held readings (with the reading as
// it arrived), alerts, audit rows, the flags the rules set, episodes and counts. No I/O; one
// BatchDecider per thread holds what is compiled once (kernel, rules, plugin facts, thresholds).
import type { ConsumptionKernel } from "../consumption/index.js";
import type { ReadingBatch } from "../ingest/batch.js";
import type { ReadingFacts } from "../rules/facts.js";
import type { HistoryEntries } from "../store/history.js";
import { createEntries } from "../store/history.js";
import type { MeterTable } from "../store/meter-table.js";
import type { MeterState } from "../store/state.js";
import { createState } from "../store/state.js";
import type { ThresholdTracker } from "../../sdk/thresholds.js";
import type { ThresholdSnapshot } from "../../sdk/threshold-snapshot.js";
import { Decider } from "./decider.js";
import type { BatchOutput, DecideContext } from "./output.js";
import type { PluginFacts } from "./plugin-facts.js";
import type { RulesDecider } from "./rules.js";
import type { SensorStage, SensorStats } from "./sensors.js";
import { sensorMeterIds } from "./sensors.js";
import { FlagList, noHeld, SliceHeld, SliceHistory } from "./slice.js";
import type { HeldColumns } from "./slice.js";

/**
 * One batch and its slice. `keys[row]` is the slice key of the row's meter (-1: not registered).
 * Rows the decoder or the registry checks rejected (`batch.reject`) are skipped: the caller
 * accounts for them.
 */
export interface DecideInput {
  batch: ReadingBatch;
  keys: Int32Array;
  meters: MeterTable;
  /** The slice's state (flags applied); decided in place and returned as the output's state. */
  state: MeterState;
  /** Ledger entries (latest version per day) of the slice's meters with late readings; `meter` is the slice key. */
  history: HistoryEntries;
  held: HeldColumns;
  /** Threshold episodes of the batch's meters with sensor values. */
  episodes?: ThresholdSnapshot;
  /** Held readings of the batch's unknown meters as "meter_id:end:value" (the decision adds those it holds). */
  unknownHeld?: Set<string>;
}

/** What the decision produced; keys are slice keys. */
export interface DecideOutput extends BatchOutput {
  state: MeterState;
  /** Readings held while deciding (slice key, end, value): a re-send of one is a duplicate. */
  heldNow: Array<{ meter: number; end: number; value: number; override: number }>;
  /** Meters the rules flagged temp_bad. */
  flagged: number[];
  /** The batch's sensor meters' episodes after it. */
  episodes?: ThresholdSnapshot;
  /** What this decision added to the decider's running tallies (for a run's summary when it decides in threads). */
  tallies: DecisionTallies;
}

/** A decision's additions to the summary's pulse faults and sensor figures. */
export interface DecisionTallies {
  /** Pulse readings per fault name. */
  pulseFaults: Array<[string, number]>;
  sensors?: SensorStats;
}

/** What a thread compiles once. */
export interface DecideEnv {
  kernel: ConsumptionKernel;
  rules: RulesDecider;
  facts: ReadingFacts;
  pluginFacts?: PluginFacts;
  /** Sensor channels with their threshold tracker (absent: no channels). */
  sensors?: { stage: SensorStage; tracker: ThresholdTracker };
}

export class BatchDecider {
  readonly #env: DecideEnv;
  readonly #ctx: DecideContext;
  readonly #decider: Decider;

  constructor(env: DecideEnv) {
    this.#env = env;
    this.#ctx = {
      meters: undefined as unknown as MeterTable, state: createState(0), kernel: env.kernel, rules: env.rules, facts: env.facts,
      pluginFacts: env.pluginFacts, sensors: env.sensors?.stage,
      history: new SliceHistory(createEntries(1)), heldIndex: new SliceHeld(noHeld()),
      flags: new FlagList(),
    };
    this.#decider = new Decider(this.#ctx);
  }

  /** Pulse readings per fault name so far. */
  get pulseFaults(): Map<string, number> {
    return this.#decider.pulseFaults;
  }

  /** Decides one batch on its slice. */
  decide(input: DecideInput): DecideOutput {
    const ctx = this.#ctx;
    const held = new SliceHeld(input.held, input.state);
    const flags = new FlagList();
    ctx.meters = input.meters;
    ctx.state = input.state;
    ctx.history = new SliceHistory(input.history);
    ctx.heldIndex = held;
    ctx.flags = flags;
    ctx.unknownHeld = input.unknownHeld;
    const tracker = this.#env.sensors?.tracker;
    if (tracker !== undefined && input.episodes !== undefined) tracker.merge(input.episodes);
    const out: BatchOutput = {
      counts: { rows: input.batch.length, billable: 0, held: 0, rejected: 0, duplicates: 0, sensor: 0, corrections: 0 },
      // Room for a reading each (and a few corrections) without growing.
      history: createEntries(Math.max(1024, input.batch.length + (input.batch.length >> 3))), held: [], heldOut: [], rejected: [], alerts: [], audit: [],
    };
    const faultsBefore = new Map(this.#decider.pulseFaults);
    const stats = this.#env.sensors?.stage.stats;
    const statsBefore = stats === undefined ? undefined : { ...stats };
    this.#decider.decide(input.batch, input.keys, out);
    const tallies: DecisionTallies = {
      pulseFaults: [...this.#decider.pulseFaults].map(([name, n]): [string, number] => [name, n - (faultsBefore.get(name) ?? 0)]).filter(([, n]) => n !== 0),
      ...(stats === undefined ? {} : {
        sensors: Object.fromEntries(Object.entries(stats).map(([k, v]) => [k, v - statsBefore![k as keyof SensorStats]])) as unknown as SensorStats,
      }),
    };
    const sensorMeters = tracker === undefined ? [] : sensorMeterIds(input.batch);
    return {
      ...out, state: input.state, heldNow: held.added, flagged: flags.meters, tallies,
      ...(tracker === undefined ? {} : { episodes: tracker.snapshotOf(sensorMeters) }),
    };
  }
}
