// Progress on standard error. On a terminal: a bar with the percent of input bytes read, the
// rate and the time left, redrawn at most four times a second and cleared at the end. Not on a
// terminal (a log, a pipe): one summary line per input file, as each is done.
import { basename } from "node:path";
import type { InputDone, InputProgress } from "../runtime/run-progress.js";
import { count } from "./count.js";

/** Returns a callback that redraws "N readings, R/s" at most ten times a second, and a finisher. */
export function progress(label: string, stream: NodeJS.WriteStream = process.stderr): { update(n: number): void; done(): void } {
  if (!stream.isTTY) return { update() {}, done() {} };
  const started = performance.now();
  let last = 0;
  return {
    update(n) {
      const now = performance.now();
      if (now - last < 100) return;
      last = now;
      const rate = n / ((now - started) / 1000);
      stream.write(`\r${label}: ${count(n)} readings, ${(rate / 1e6).toFixed(2)}M/s `);
    },
    done() {
      if (last > 0) stream.write("\r\x1b[K");
    },
  };
}

/** Milliseconds between two redraws of the bar. */
const REDRAW_MS = 250;

/** A run's progress display on `stream`: the bar on a terminal, else a line per file. */
export function inputProgress(stream: NodeJS.WritableStream & { isTTY?: boolean; columns?: number } = process.stderr,
  clock: () => number = () => performance.now()): InputProgress {
  return stream.isTTY ? bar(stream, clock) : fileLines(stream);
}

function fileLines(stream: NodeJS.WritableStream): InputProgress {
  return {
    begin() {},
    advance() {},
    fileDone(path, done) {
      stream.write(`meterflow: ${fileLine(path, done)}\n`);
    },
    end() {},
  };
}

/**
 * `readings.csv: 1,200,000 rows, 45.2 MiB in 3.1 s, 0.39M rows/s`; a pulse-events file's
 * `pulse-events.csv: 25,993 rows -> 20 day readings, 1.2 MiB in 0.3 s, 0.09M rows/s` (its rows
 * as written: pulses, line samples and rejected rows, as summary.json's `inputs[]` counts them
 * apart as `events`, `samples` and `rejected`; what they gave are day readings).
 */
export function fileLine(path: string, done: InputDone): string {
  const plural = (n: number, one: string) => `${count(n)} ${one}${n === 1 ? "" : "s"}`;
  const events = done.events;
  const what = events === undefined ? plural(done.rows, "row") : `${plural(events, "row")} -> ${plural(done.rows, "day reading")}`;
  const per = events === undefined ? done.rows : events;
  const rate = done.seconds > 0 ? `, ${(per / done.seconds / 1e6).toFixed(2)}M rows/s` : "";
  return `${path}: ${what}, ${mib(done.bytes)} in ${done.seconds.toFixed(1)} s${rate}`;
}

function bar(stream: NodeJS.WritableStream & { columns?: number }, clock: () => number): InputProgress {
  let total = 0;
  let doneBytes = 0;
  const sizes = new Map<string, number>();
  let started = 0;
  let last = -Infinity;
  let drawn = false;
  const draw = (current: string, bytes: number, rows: number) => {
    const now = clock();
    if (now - last < REDRAW_MS) return;
    last = now;
    const read = Math.min(total, doneBytes + bytes);
    const fraction = total === 0 ? 1 : read / total;
    const seconds = (now - started) / 1000;
    const left = fraction > 0 && seconds > 0 ? (seconds / fraction) * (1 - fraction) : undefined;
    const rate = seconds > 0 ? `${(rows / seconds / 1e6).toFixed(2)}M rows/s` : "";
    const text = ` ${String(Math.floor(fraction * 100)).padStart(3)}%  ${mib(read)} of ${mib(total)}  ${rate}  ${left === undefined ? "" : `${clockTime(left)} left`}  ${basename(current)}`;
    const width = Math.max(10, Math.min(40, (stream.columns ?? 80) - text.length - 3));
    const filled = Math.round(fraction * width);
    stream.write(`\r[${"#".repeat(filled)}${"-".repeat(width - filled)}]${text}\x1b[K`);
    drawn = true;
  };
  return {
    begin(files) {
      for (const f of files) sizes.set(f.path, f.bytes);
      total = files.reduce((sum, f) => sum + f.bytes, 0);
      doneBytes = 0;
      started = clock();
    },
    advance(path, bytes, rows) {
      draw(path, Math.min(bytes, sizes.get(path) ?? bytes), rows);
    },
    fileDone(path, done) {
      doneBytes += sizes.get(path) ?? done.bytes;
    },
    end() {
      if (drawn) stream.write("\r\x1b[K");
      drawn = false;
    },
  };
}

function mib(bytes: number): string {
  return bytes >= 1 << 30 ? `${(bytes / (1 << 30)).toFixed(2)} GiB` : `${(bytes / (1 << 20)).toFixed(1)} MiB`;
}

function clockTime(seconds: number): string {
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const two = (n: number) => String(n).padStart(2, "0");
  return h > 0 ? `${h}:${two(m)}:${two(s % 60)}` : `${m}:${two(s % 60)}`;
}
