// A run's pulse-events files as one batch of readings: each file's events summarised per meter and
// day of the store's time zone (engine/pulses/summarize.ts) become pulse readings (count in
// `value`, the rest in the pulse columns), its bad rows rejected rows with their line and reason.
// So every events file accounts like a readings file: in = its day readings + its rejected rows.
import type { ReadingBatch } from "../ingest/batch.js";
import { BatchBuilder } from "../ingest/builder.js";
import { readPulseEvents } from "../ingest/events.js";
import { createMeterIndex } from "../ingest/meter-index.js";
import { FILE_LINES, fileOfLine } from "../ingest/source-line.js";
import type { PulseEventRows } from "../ingest/events.js";
import { REJECT, SOURCE, VERIFICATION } from "../ingest/reasons.js";
import { profileOf } from "../pulses/profiles.js";
import { summarizeEvents } from "../pulses/summarize.js";
import type { PulseEventKernel } from "../pulses/events/kernel.js";
import { day as dayText } from "../sinks/format.js";
import type { MeterTable } from "../store/meter-table.js";
import { timeZone } from "../time/current.js";

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
 * Reads, validates and summarises pulse-events files into one batch. The files' rows are
 * summarised together, per meter and day: a logger's days in several files, in any order, and a
 * day split over two files (uploads cut at another hour than midnight, or in another time zone)
 * is one day reading of all its events; a row sent in two files counts once (summarize.ts). Each
 * row's line names its file (source-line.ts); a day reading names its first row's, and counts
 * for that file in `stats`.
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
  const files: PulseEventRows[] = [];
  let loaded = 0;
  for (const [f, path] of paths.entries()) {
    const onBytes = options.onBytes;
    options.onFile?.(f);
    files.push(await readPulseEvents(path, { meters: index, ...(onBytes === undefined ? {} : { onBytes: (chunk: Uint8Array) => onBytes(chunk, f) }) }));
    // The registry rows of the meters this file names first seen, before they are debounced.
    if (options.load !== undefined && index.size > loaded) await options.load(Array.from({ length: index.size - loaded }, (_, i) => index.idOf(loaded + i)));
    loaded = index.size;
  }
  const rows = concatRows(files);
  const s = summarizeEvents(rows, { debounceOf, kernel: options.kernel });
  const stats: EventsInput[] = files.map((file) => ({ events: 0, samples: 0, repeated: 0, readings: 0, rejected: file.rejected.length }));
  for (const i of s.pulseRows) stats[fileOfLine(rows.line[i])].events++;
  for (const i of s.sampleRows) stats[fileOfLine(rows.line[i])].samples++;
  for (let i = 0; i < rows.length; i++) stats[fileOfLine(rows.line[i])].repeated += s.repeatedRow[i];

  const b = new BatchBuilder(Math.max(1, s.length + files.reduce((n, file) => n + file.rejected.length, 0)), index, "values");
  const pulse = b.enablePulse();
  const zone = timeZone();
  for (let g = 0; g < s.length; g++) {
    const r = b.rows++;
    const reject = s.day[g] > options.maxEndDay ? REJECT.future_date : 0;
    // A day's reading is the summary of its rows: it names its first row's line (and file), so a
    // day rejected here or later (not_a_pulse_meter, by the registry) says where it comes from.
    const first = Number.isFinite(s.firstLine[g]) ? s.firstLine[g] : 0;
    const file = stats[fileOfLine(first)];
    b.line[r] = first;
    // A day after the tolerance counts rejected, not a reading, so in = readings + rejected.
    if (reject === 0) file.readings++;
    else file.rejected++;
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
    // Its count is its day's, whatever the gap since the meter's previous reading: qmax is
    // judged over the day's minutes (23 or 25 hours across a daylight-saving change).
    pulse.dayMin[r] = (zone.startOf(s.day[g] + 1) - zone.startOf(s.day[g])) / 60_000;
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
    if (reject !== 0) b.rejectedRaw.set(r, JSON.stringify(summary));
  }
  for (const [f, file] of files.entries()) {
    for (const bad of file.rejected) {
      const r = b.rows++;
      b.line[r] = f * FILE_LINES + bad.line;
      b.rejectRow(r, REJECT[bad.reason], bad.raw);
      if (bad.meterId !== "") b.meter[r] = index.intern(bad.meterId);
    }
  }
  return { batch: b.finish(), stats };
}

/** The files' valid rows as one set of columns, each row's line numbering its file too (source-line.ts). */
function concatRows(files: readonly PulseEventRows[]): PulseEventRows {
  if (files.length === 1) return files[0];
  const n = files.reduce((sum, file) => sum + file.length, 0);
  const out: PulseEventRows = {
    length: n, meter: new Int32Array(n), t: new Float64Array(n), onMs: new Float64Array(n), reverse: new Uint8Array(n),
    loopMa: new Float64Array(n), tamper: new Float64Array(n), magnetMt: new Float64Array(n), line: new Float64Array(n), rejected: [],
  };
  let at = 0;
  for (const [f, file] of files.entries()) {
    const k = file.length;
    out.meter.set(file.meter.subarray(0, k), at);
    out.t.set(file.t.subarray(0, k), at);
    out.onMs.set(file.onMs.subarray(0, k), at);
    out.reverse.set(file.reverse.subarray(0, k), at);
    out.loopMa.set(file.loopMa.subarray(0, k), at);
    out.tamper.set(file.tamper.subarray(0, k), at);
    out.magnetMt.set(file.magnetMt.subarray(0, k), at);
    const base = f * FILE_LINES;
    for (let i = 0; i < k; i++) out.line[at + i] = base + file.line[i];
    at += k;
  }
  return out;
}
