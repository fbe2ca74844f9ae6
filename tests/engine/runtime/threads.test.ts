// The threaded run (the compiled command: an ingest worker, the pipeline, a writer thread)
// produces exactly what the single-threaded run of the sources produces, on the demo data set
// with every kind of row in it; with decision threads (--threads 2) too, line for line, also when
// the batches being decided at once share meters. Also: an output directory that cannot be written stops the run
// with one line.
import { spawnSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { generateDemoData } from "../../../engine/demo/index.js";
import { packageRoot } from "../../../engine/wasm/paths.js";
import { runFiles } from "../../../engine/runtime/run.js";
import { METERS_HEADER, runAndRead } from "../../helpers/run.js";
import { tempDir } from "../../helpers/tmp.js";

const dir = tempDir();
const BIN = join(packageRoot(), "dist", "engine", "cli", "main.js");
const sorted = (path: string) => readFileSync(path, "utf8").trim().split("\n").sort();

describe("threads", () => {
  it("give the same outputs as one thread", async () => {
    const data = await generateDemoData({ dir: join(dir, "data"), meters: 300, days: 30 });
    // Every input of the demo: registers, pulse summaries, pulse events, sensor rows with a profile,
    // over two runs. The register readings come in two files, the later days first (run 1), then
    // the earlier ones with the rest (run 2): they arrive back-dated. (One run routes all its files
    // together: a meter's readings of both would be decided in date order.)
    const [header, ...rows] = readFileSync(data.files.readings, "utf8").trimEnd().split("\n");
    const half = rows.length >> 1;
    const later = join(dir, "later.csv");
    const earlier = join(dir, "earlier.csv");
    writeFileSync(later, [header, ...rows.slice(half)].join("\n") + "\n");
    writeFileSync(earlier, [header, ...rows.slice(0, half)].join("\n") + "\n");
    const runs = [[later], [earlier, data.files.pulseReadings, data.files.coldChain]];
    const common = { meters: data.files.meters, config: data.files.config, db: join(dir, "inline.db"), batchSize: 2000 };
    await runAndRead({ ...common, inputs: runs[0], out: join(dir, "inline-1") });
    const inline = await runAndRead({ ...common, inputs: runs[1], pulseEvents: [data.files.pulseEvents], out: join(dir, "inline") });
    // --threads 1: decoding and writing in threads; 2: besides, two threads deciding batches at once.
    for (const threads of ["1", "2"]) {
      const out = join(dir, `threads-${threads}`);
      const run = (inputs: string[], to: string, more: string[] = []) => spawnSync(process.execPath, [BIN, "run", "--quiet", "--threads", threads,
        "--batch-size", "2000", "--meters", data.files.meters, "--config", data.files.config, ...more,
        "--db", join(dir, `threads-${threads}.db`), "--out", to, ...inputs], { encoding: "utf8" });
      const first = run(runs[0], `${out}-1`);
      expect(first.status, first.stderr).toBe(0);
      expect(sorted(join(`${out}-1`, "billing.csv")), `run 1, --threads ${threads}`).toEqual(sorted(join(dir, "inline-1", "billing.csv")));
      const threaded = run(runs[1], out, ["--pulse-events", data.files.pulseEvents]);
      expect(threaded.status, threaded.stderr).toBe(0);
      for (const file of ["billing.csv", "held.csv", "rejected.csv", "alerts.csv"]) {
        expect(sorted(join(out, file)), `${file}, --threads ${threads}`).toEqual(sorted(join(dir, "inline", file)));
      }
      const summary = JSON.parse(readFileSync(join(out, "summary.json"), "utf8"));
      for (const key of ["in", "billable", "held", "rejected", "duplicates", "sensor", "corrections", "alerts", "pulse_faults", "sensors", "held_reasons"]) {
        expect(summary[key], `${key}, --threads ${threads}`).toEqual(inline.summary[key as keyof typeof inline.summary]);
      }
    }
    // Decision threads finish batches in their order: the same lines in the same order.
    for (const file of ["billing.csv", "held.csv", "rejected.csv", "alerts.csv"]) {
      expect(readFileSync(join(dir, "threads-2", file), "utf8"), file).toBe(readFileSync(join(dir, "threads-1", file), "utf8"));
    }
    expect(inline.summary.corrections).toBeGreaterThan(0);
    expect(inline.summary.rejected).toBeGreaterThanOrEqual(12);
    expect(inline.summary.sensor).toBeGreaterThan(0);
    expect(inline.summary.alerts).toBeGreaterThan(0);
    expect(Object.keys(inline.summary.pulse_faults).length).toBeGreaterThan(0);
  });

  it("decide each meter's readings in order when batches in the decision threads share meters", async () => {
    // 40 meters x 20 days in a random order (back-dated readings, corrections), typos (held), exact
    // re-sends, and meters missing from the registry sent twice, then all again in a second file;
    // batches of 7, so that most batches name a meter of a batch still being decided.
    let seed = 42;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
    const meters = Array.from({ length: 40 }, (_, i) => `E-${i + 1},electricity.register,kWh,1,,,,,,,,,1000,2026-10-31`);
    const rows: string[] = [];
    for (let m = 1; m <= 40; m++) {
      let value = 1000;
      for (let day = 1; day <= 20; day++) {
        value += Math.floor(random() * 30);
        const typo = random() < 0.04;
        rows.push(`E-${m},2026-11-${String(day).padStart(2, "0")},${typo ? value * 10 : value},,auto,`);
        if (random() < 0.05) rows.push(rows[rows.length - 1]);
      }
    }
    for (let u = 1; u <= 3; u++) rows.push(`X-${u},2026-11-05,${u * 100},,auto,`, `X-${u},2026-11-05,${u * 100},,auto,`);
    for (let i = rows.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [rows[i], rows[j]] = [rows[j], rows[i]];
    }
    const registry = join(dir, "order-meters.csv");
    const readings = join(dir, "order.csv");
    // A second file sends the missing meters' readings again, and a few of the others.
    const again = join(dir, "order-again.csv");
    const header = "meter_id,end,value,override,source,verification";
    writeFileSync(registry, [METERS_HEADER, ...meters].join("\n") + "\n");
    writeFileSync(readings, [header, ...rows].join("\n") + "\n");
    writeFileSync(again, [header, ...rows.filter((r) => r.startsWith("X-") || r.startsWith("E-7,"))].join("\n") + "\n");
    const inputs = [readings, again];
    const inline = await runAndRead({ meters: registry, inputs, db: join(dir, "order-inline.db"), out: join(dir, "order-inline"), batchSize: 7 });
    const out = join(dir, "order-threads");
    const threaded = spawnSync(process.execPath, [BIN, "run", "--quiet", "--threads", "2", "--batch-size", "7", "--meters", registry,
      "--db", join(dir, "order-threads.db"), "--out", out, ...inputs], { encoding: "utf8" });
    expect(threaded.status, threaded.stderr).toBe(0);
    for (const file of ["billing.csv", "held.csv", "rejected.csv"]) {
      expect(readFileSync(join(out, file), "utf8"), file).toBe(readFileSync(join(dir, "order-inline", file), "utf8"));
    }
    const summary = JSON.parse(readFileSync(join(out, "summary.json"), "utf8"));
    for (const key of ["in", "billable", "held", "rejected", "duplicates", "corrections", "held_reasons"]) {
      expect(summary[key], key).toEqual(inline.summary[key as keyof typeof inline.summary]);
    }
    // What the input holds, so that the comparison covers it.
    expect(inline.summary.corrections).toBeGreaterThan(0);
    expect(inline.summary.held_reasons).toMatchObject({ unknown_meter: 3 });
    expect(inline.summary.duplicates).toBeGreaterThanOrEqual(26);
  });

  it("write the lines the writer thread and the decision pool make as the one-thread run writes them, awkward ids and NDJSON too", async () => {
    // The writer thread encodes billing rows from ids staged as UTF-8 bytes, and a pooled slice
    // carries its ids as UTF-8 bytes (held rows name their meters from them): ids that CSV must
    // quote or JSON must escape, and ids of more than one byte per character, in both formats.
    const ids = ["E-1", "Zähler-7", "a,b", 'q"uote', "back\\slash", "ключ-3", "日本-1", "E-2"];
    const meters = ids.map((id) => `${id.includes(",") || id.includes('"') ? `"${id.replaceAll('"', '""')}"` : id},electricity.register,kWh,1,,,,,,,,,1000,2026-10-31`);
    const rows: string[] = [];
    for (let day = 1; day <= 20; day++) {
      // Day 15 of every other meter goes back: held, the meter named in held.csv.
      ids.forEach((id, m) => rows.push(`${meters[m].split(",electricity")[0]},2026-11-${String(day).padStart(2, "0")},${day === 15 && m % 2 === 1 ? 5 : 1000 + day * (m + 1) + (day === 9 ? 0.25 : 0)},,auto,`));
    }
    const registry = join(dir, "awkward-meters.csv");
    const readings = join(dir, "awkward.csv");
    writeFileSync(registry, [METERS_HEADER, ...meters].join("\n") + "\n");
    writeFileSync(readings, ["meter_id,end,value,override,source,verification", ...rows].join("\n") + "\n");
    for (const format of ["csv", "ndjson"] as const) {
      const file = `billing.${format}`;
      const inline = await runFiles({ meters: registry, inputs: [readings], db: join(dir, `awkward-${format}.db`), out: join(dir, `awkward-${format}`), batchSize: 50, format });
      expect(inline.billable).toBe(ids.length * 20 - ids.length / 2);
      expect(inline.held).toBe(ids.length / 2);
      for (const threads of ["1", "2"]) {
        const out = join(dir, `awkward-${format}-threads-${threads}`);
        const threaded = spawnSync(process.execPath, [BIN, "run", "--quiet", "--threads", threads, "--batch-size", "50", "--format", format, "--meters", registry,
          "--db", join(dir, `awkward-${format}-threads-${threads}.db`), "--out", out, readings], { encoding: "utf8" });
        expect(threaded.status, threaded.stderr).toBe(0);
        const lines = readFileSync(join(out, file), "utf8");
        expect(lines, `${file}, --threads ${threads}`).toBe(readFileSync(join(dir, `awkward-${format}`, file), "utf8"));
        for (const id of ids) expect(lines, id).toContain(format === "csv" ? id.replaceAll('"', '""') : JSON.stringify(id).slice(1, -1));
        const held = readFileSync(join(out, `held.${format}`), "utf8");
        expect(held, `held.${format}, --threads ${threads}`).toBe(readFileSync(join(dir, `awkward-${format}`, `held.${format}`), "utf8"));
        for (const id of ids.filter((_, m) => m % 2 === 1)) expect(held, id).toContain(format === "csv" ? id.replaceAll('"', '""') : JSON.stringify(id).slice(1, -1));
      }
    }
  });

  it("stop with one line when the output directory cannot be written", () => {
    const notADir = join(dir, "file");
    // A readings file (its header is checked first), and a file in the output directory's way.
    writeFileSync(notADir, "meter_id,end,value\n");
    const r = spawnSync(process.execPath, [BIN, "run", "--db", join(dir, "x.db"), "--out", join(notADir, "out"), "--input-format", "csv", notADir], { encoding: "utf8" });
    expect(r.status).toBe(1);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.stderr).toMatch(/^meterflow: cannot write to /);
  });
});
