// Large clean CSV files for the end-to-end benchmark: `readings` rows in day-major order (every
// meter once per day, then the next day) with increasing registers, and the matching registry.
// Rows are formatted byte by byte into 4 MiB chunks and streamed out with backpressure.
import { InvalidOptionError } from "../errors.js";
import { formatDay, parseDay } from "../time/index.js";
import { ChunkedFile } from "./chunks.js";
import { hash32 } from "./random.js";
import { METERS_HEADER, READINGS_HEADER } from "./headers.js";

/** Options of writeBenchReadings. */
export interface BenchReadingsOptions {
  path: string;
  /** Meters read every day. */
  meters: number;
  /** Rows to write; the last day is partial when not a multiple of `meters`. */
  readings: number;
  /** Default 1. */
  seed?: number;
  /** First day, default 2026-09-01. */
  startDay?: string;
  /**
   * Add the sensor channels of the built-in environment and power plugins as wide columns
   * (temperature, humidity, supply_voltage, backup_battery), for the plugins benchmark.
   */
  channels?: boolean;
}

/** Options of writeBenchMeters: the same `meters`, `seed` and `startDay` as the readings. */
export interface BenchMetersOptions {
  path: string;
  meters: number;
  seed?: number;
  startDay?: string;
  /** Write `last_reading`/`last_end` (the register the day before startDay); default true. */
  baselines?: boolean;
}

/** A written file. */
export interface BenchFile {
  path: string;
  bytes: number;
  rows: number;
}

const PREFIXES = "EGWH";
const TYPES = [
  "electricity.register,kWh,1,,,,,0.3200,0.45,", "gas.register,m3,1,,,,,1.2500,0.55,",
  "water.register,m3,1,,,,,4.1000,0.35,", "heat.register,kWh,1,,,,,0.1500,1.10,",
];
const GL = ["6110", "6120", "6130", "6140"];
const TAIL = Buffer.from(",,auto,\n", "latin1");
/** Wide channel columns written with `channels`. */
export const BENCH_CHANNELS = ["temperature", "humidity", "supply_voltage", "backup_battery"] as const;
/** Per channel: lowest value and spread of the whole numbers written. */
const CHANNEL_VALUES: ReadonlyArray<readonly [number, number]> = [[5, 26], [30, 61], [220, 21], [50, 51]];

/** Width of the number in bench meter ids (at least 6 digits). */
export function benchIdWidth(meters: number): number {
  return Math.max(6, String(meters).length);
}

/** The id of bench meter `index` (0-based): E, G, W, H in turn, numbered from 1. */
export function benchMeterId(index: number, meters: number): string {
  return `${PREFIXES[index & 3]}-${String(index + 1).padStart(benchIdWidth(meters), "0")}`;
}

/** The register of bench meter `index` the day before the first day. */
export function benchBaseline(seed: number, index: number): number {
  return 1000 + (hash32(seed, index) % 400_000);
}

function check(o: { path: string; meters: number; seed?: number; startDay?: string }): { seed: number; first: number } {
  if (typeof o.path !== "string" || o.path === "") throw new InvalidOptionError("path", "a file path", o.path);
  if (!Number.isSafeInteger(o.meters) || o.meters < 1) throw new InvalidOptionError("meters", "a positive integer", o.meters);
  const seed = o.seed ?? 1;
  if (!Number.isInteger(seed)) throw new InvalidOptionError("seed", "an integer", seed);
  const first = parseDay(o.startDay ?? "2026-09-01");
  if (Number.isNaN(first)) throw new InvalidOptionError("startDay", "a YYYY-MM-DD date", o.startDay);
  return { seed, first };
}

/** Writes `readings` clean rows to `path`; the same options give the same bytes. */
export async function writeBenchReadings(options: BenchReadingsOptions): Promise<BenchFile> {
  const { seed, first } = check(options);
  const { meters, readings } = options;
  if (!Number.isSafeInteger(readings) || readings < 0) throw new InvalidOptionError("readings", "a non-negative integer", readings);
  const values = new Uint32Array(meters);
  const rates = new Uint8Array(meters);
  for (let m = 0; m < meters; m++) {
    values[m] = benchBaseline(seed, m);
    rates[m] = 1 + (hash32(seed ^ 0x5bd1e995, m) % 40);
  }
  const width = benchIdWidth(meters);
  const id = new Uint8Array(width);
  let date = Buffer.alloc(0);
  let rng = (hash32(seed, -1) | 1) >>> 0;
  let row = 0;
  let m = meters; // forces a new day on the first row
  let day = -1;
  const channels = options.channels === true;
  const maxRow = 2 + width + 1 + 10 + 1 + 10 + TAIL.length + (channels ? 4 * 4 : 0);

  /** Formats rows into `buf` from `pos` until it is nearly full or all rows are written. */
  const fill = (buf: Buffer, pos: number): number => {
    const limit = buf.length - maxRow;
    while (row < readings && pos <= limit) {
      if (m === meters) {
        m = 0;
        day++;
        id.fill(48);
        date = Buffer.from(formatDay(first + day), "latin1");
      }
      // The id: an ASCII counter incremented in place.
      let k = width - 1;
      while (id[k] === 57) id[k--] = 48;
      id[k]++;
      buf[pos] = PREFIXES.charCodeAt(m & 3);
      buf[pos + 1] = 45;
      for (let j = 0; j < width; j++) buf[pos + 2 + j] = id[j];
      pos += 2 + width;
      buf[pos++] = 44;
      for (let j = 0; j < 10; j++) buf[pos + j] = date[j];
      pos += 10;
      buf[pos++] = 44;
      // Increasing register: about `rate` units a day, varying day to day.
      rng ^= rng << 13;
      rng ^= rng >>> 17;
      rng ^= rng << 5;
      let v = (values[m] + ((rates[m] * ((rng >>> 7) & 63)) >>> 5)) >>> 0;
      values[m] = v;
      let len = 1;
      for (let t = v; t >= 10; t = (t / 10) >>> 0) len++;
      let q = pos + len;
      pos = q;
      do {
        const next = (v / 10) >>> 0;
        buf[--q] = 48 + v - next * 10;
        v = next;
      } while (v !== 0);
      for (let j = 0; j < TAIL.length; j++) buf[pos + j] = TAIL[j];
      pos += TAIL.length;
      if (channels) {
        pos--; // before the newline
        for (const [lo, spread] of CHANNEL_VALUES) {
          rng ^= rng << 13;
          rng ^= rng >>> 17;
          rng ^= rng << 5;
          let c = lo + ((rng >>> 8) % spread);
          buf[pos++] = 44;
          const digits = c >= 100 ? 3 : c >= 10 ? 2 : 1;
          let q = pos + digits;
          pos = q;
          do {
            const next = (c / 10) >>> 0;
            buf[--q] = 48 + c - next * 10;
            c = next;
          } while (c !== 0);
        }
        buf[pos++] = 10;
      }
      m++;
      row++;
    }
    return pos;
  };

  const file = new ChunkedFile(options.path);
  try {
    await file.text(`${READINGS_HEADER}${channels ? `,${BENCH_CHANNELS.join(",")}` : ""}\n`);
    while (row < readings) {
      file.pos = fill(file.buf, file.pos);
      if (row < readings) await file.flush();
    }
    return { path: options.path, bytes: await file.close(), rows: readings };
  } catch (err) {
    file.destroy();
    throw err;
  }
}

/** Writes the registry of the bench meters (the ids writeBenchReadings uses). */
export async function writeBenchMeters(options: BenchMetersOptions): Promise<BenchFile> {
  const { seed, first } = check(options);
  const lastEnd = formatDay(first - 1);
  const baselines = options.baselines ?? true;
  const file = new ChunkedFile(options.path);
  try {
    await file.text(`${METERS_HEADER}\n`);
    for (let i = 0; i < options.meters; i++) {
      const baseline = baselines ? `${benchBaseline(seed, i)},${lastEnd}` : ",";
      const line = `${benchMeterId(i, options.meters)},${TYPES[i & 3]}CC-${1000 + (i % 250)},${GL[i & 3]},${baseline}\n`;
      if (line.length > file.room) await file.flush();
      file.pos += file.buf.write(line, file.pos, "latin1");
    }
    return { path: options.path, bytes: await file.close(), rows: options.meters };
  } catch (err) {
    file.destroy();
    throw err;
  }
}
