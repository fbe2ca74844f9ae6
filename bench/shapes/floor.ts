// The floor of doing the job at all, run as its own child process beside meterflow: reads the
// seed files (the previous night's readings, or a registry's baselines) into a Map of the
// previous value per meter, then reads the input files, splits their CSV lines naively on commas,
// and writes one line per row (meter, end, previous, value, difference) to OUT. No validation,
// no state kept, no rules: the memory and I/O a whole-process run cannot avoid.
//   node dist/bench/shapes/floor.js OUT [--seed FILE]... INPUT...
// Columns by header name: meter_id, and value/end (readings) or last_reading/last_end (registry).
import { closeSync, openSync, readSync, writeSync } from "node:fs";

const CHUNK = 1 << 22;

/** Calls `row(id, value, end)` for each data line of a CSV file. */
function eachRow(path: string, row: (id: string, value: string, end: string) => void): void {
  const fd = openSync(path, "r");
  const buf = Buffer.allocUnsafe(CHUNK);
  let rest = "";
  let cols: number[] | undefined;
  const line = (text: string) => {
    if (text === "") return;
    const f = text.split(",");
    if (cols === undefined) {
      const at = (...names: string[]) => Math.max(...names.map((n) => f.indexOf(n)));
      cols = [at("meter_id"), at("value", "last_reading"), at("end", "last_end")];
      if (cols.some((c) => c < 0)) throw new Error(`${path}: no meter_id, value/last_reading, end/last_end columns`);
    } else {
      row(f[cols[0]], f[cols[1]], f[cols[2]]);
    }
  };
  try {
    for (;;) {
      const n = readSync(fd, buf, 0, CHUNK, null);
      if (n === 0) break;
      const lines = (rest + buf.toString("latin1", 0, n)).split("\n");
      rest = lines.pop() ?? "";
      for (const text of lines) line(text);
    }
    line(rest);
  } finally {
    closeSync(fd);
  }
}

const [out, ...args] = process.argv.slice(2);
const seeds: string[] = [];
const inputs: string[] = [];
for (let i = 0; i < args.length; i++) (args[i] === "--seed" ? seeds.push(args[++i]) : inputs.push(args[i]));
if (out === undefined || inputs.length === 0) {
  console.error("usage: floor.js OUT [--seed FILE]... INPUT...");
  process.exit(2);
}

const previous = new Map<string, number>();
for (const seed of seeds) eachRow(seed, (id, value) => previous.set(id, value === "" ? NaN : Number(value)));

const fd = openSync(out, "w");
let parts: string[] = [];
let size = 0;
for (const input of inputs) {
  eachRow(input, (id, value, end) => {
    const v = Number(value);
    const p = previous.get(id);
    const text = p === undefined || Number.isNaN(p) ? `${id},${end},,${value},\n` : `${id},${end},${p},${value},${v - p}\n`;
    previous.set(id, v);
    parts.push(text);
    size += text.length;
    if (size >= 1 << 20) {
      writeSync(fd, parts.join(""));
      parts = [];
      size = 0;
    }
  });
}
writeSync(fd, parts.join(""));
closeSync(fd);
