// A run's pulse-events files as one batch of readings: each file's events summarised per meter and
// day of the store's time zone (engine/pulses/summarize.ts) become pulse readings (count in
// `value`, the rest in the pulse columns), its bad rows rejected rows with their line and reason.
// So every events file accounts like a readings file: in = its day readings + its rejected rows.
import type { ReadingBatch } from "../ingest/batch.js";
import { BatchBuilder } from "../ingest/builder.js";
import { readPulseEvents } from "../ingest/events.js";
import { createMeterIndex } from "../ingest/meter-index.js";
import { FILE_LINES } from "../ingest/source-line.js";
import { REJECT, SOURCE, VERIFICATION } from "../ingest/reasons.js";
import { profileOf } from "../pulses/profiles.js";
import { summarizeEvents } from "../pulses/summarize.js";
import type { PulseEventKernel } from "../pulses/events/kernel.js";
import { day as dayText } from "../sinks/format.js";
import type { MeterTable } from "../store/meter-table.js";

/** What reading an events file produced, for the run summary. */
export interface EventsInput {
  events: number;
  samples: number;
  /** Rows that repeat an earlier row exactly (counted once; summarize.ts). */
  repeated: number;
  readings: number;
  rejected: number;
}

/** Options of readEventsBatch. */
export interface EventsBatchOptions {
  /** Days since the epoch after which an end date is `future_date`. */
  maxEndDay: number;
  /** Each chunk of the files as read, with the index of its file in `paths`. */
  onBytes?: (chunk: Uint8Array, file: number) => void;
  /** File `file` of `paths` is about to be read (an error from here on is that file's). */
  onFile?: (file: number) => void;
  kernel?: PulseEventKernel;
  /**
   * Makes the registry rows of these meters present in `meters` before their events are
   * debounced: a run's working set loads a meter's bucket only when a batch names it, and the
   * debounce time (`debounce_ms`, else the `pulse_input` profile's) is read from that row.
   */
  load?: (meterIds: string[]) => Promise<void>;
}

/**
 * Reads, validates and summarises pulse-events files into one batch: each file is reduced on its
 * own (per meter and day), and the files' day readings are then decided together, as a run's
 * readings files are (a logger's days in several files, in any order). Each row's line names its
 * file (source-line.ts); `stats` are per file.
 */
export async function readEventsBatch(
  paths: readonly string[],
  meters: MeterTable,
  options: EventsBatchOptions,
): Promise<{ batch: ReadingBatch; stats: EventsInput[] }> {
  const index = createMeterIndex();
  const debounceOf = (m: number): number => {
    const k = meters.keyOf.get(index.idOf(m));
    if (k === undefined) return profileOf(0).debounceMs;
    const own = meters.debounceMs[k];
    return own === own ? own : profileOf(meters.pulseInput[k]).debounceMs;
  };
  const files: Array<{ rows: Awaited<ReturnType<typeof readPulseEvents>>; s: ReturnType<typeof summarizeEvents> }> = [];
  let loaded = 0;
  for (const [f, path] of paths.entries()) {
    const onBytes = options.onBytes;
    options.onFile?.(f);
    const rows = await readPulseEvents(path, { meters: index, ...(onBytes === undefined ? {} : { onBytes: (chunk: Uint8Array) => onBytes(chunk, f) }) });
    // The registry rows of the meters this file names first seen, before they are debounced.
    if (options.load !== undefined && index.size > loaded) await options.load(Array.from({ length: index.size - loaded }, (_, i) => index.idOf(loaded + i)));
    loaded = index.size;
    files.push({ rows, s: summarizeEvents(rows, { debounceOf, kernel: options.kernel }) });
  }
  const b = new BatchBuilder(Math.max(1, files.reduce((n, { rows, s }) => n + s.length + rows.rejected.length, 0)), index, "values");
  const pulse = b.enablePulse();
  /** Per file: its day readings rejected (a day after the tolerance): counted rejected, not readings, so in = readings + rejected. */
  const rejectedDays = files.map(() => 0);
  for (const [f, { rows, s }] of files.entries()) {
    const base = f * FILE_LINES;
    for (let g = 0; g < s.length; g++) {
      const r = b.rows++;
      const reject = s.day[g] > options.maxEndDay ? REJECT.future_date : 0;
      // A day's reading is the summary of its rows: it names its first row's line, so a day
      // rejected here or later (not_a_pulse_meter, by the registry) says where it comes from.
      b.line[r] = base + (Number.isFinite(s.firstLine[g]) ? s.firstLine[g] : 0);
      b.setRow(r, s.meter[g], s.day[g], s.count[g], Number.NaN, SOURCE.auto, VERIFICATION.unset, reject);
      pulse.debouncedIn[r] = s.debounced[g];
      pulse.minOnMs[r] = s.minOnMs[g];
      pulse.minGapMs[r] = s.minGapMs[g];
      pulse.maxClosedMs[r] = s.maxClosedMs[g];
      pulse.loopMinMa[r] = s.loopMinMa[g];
      pulse.loopMaxMa[r] = s.loopMaxMa[g];
      pulse.tamperOpen[r] = s.tamperOpen[g];
      pulse.tamperEvents[r] = s.tamperEvents[g];
      pulse.reverseCount[r] = s.reverseCount[g];
      pulse.pulseFreeMaxMin[r] = s.pulseFreeMaxMin[g];
      // Its raw text: the day reading as a readings record would give it, the columns the day has
      // (NaN: none, say no loop samples) left out, as an empty CSV cell is.
      const summary: Record<string, string | number> = { meter_id: index.idOf(s.meter[g]), end: dayText(s.day[g]) };
      const columns: Array<[string, number]> = [
        ["value", s.count[g]], ["pulse_debounced", s.debounced[g]], ["pulse_min_on_ms", s.minOnMs[g]], ["pulse_min_gap_ms", s.minGapMs[g]],
        ["pulse_max_closed_ms", s.maxClosedMs[g]], ["loop_min_ma", s.loopMinMa[g]], ["loop_max_ma", s.loopMaxMa[g]], ["tamper_open", s.tamperOpen[g]],
        ["tamper_events", s.tamperEvents[g]], ["reverse_count", s.reverseCount[g]], ["pulse_free_max_min", s.pulseFreeMaxMin[g]],
      ];
      for (const [key, value] of columns) if (value === value) summary[key] = value;
      b.rawValue[r] = summary;
      b.rawIndex[r] = -1;
      if (reject !== 0) {
        b.rejectedRaw.set(r, JSON.stringify(summary));
        rejectedDays[f]++;
      }
    }
    for (const bad of rows.rejected) {
      const r = b.rows++;
      b.line[r] = base + bad.line;
      b.rejectRow(r, REJECT[bad.reason], bad.raw);
      if (bad.meterId !== "") b.meter[r] = index.intern(bad.meterId);
    }
  }
  const stats = files.map(({ rows, s }, f) => ({
    events: s.events, samples: s.samples, repeated: s.repeated, readings: s.length - rejectedDays[f], rejected: rows.rejected.length + rejectedDays[f],
  }));
  return { batch: b.finish(), stats };
}
