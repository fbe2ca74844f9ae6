// Raw pulse-event files through `meterflow run --pulse-events`: one reading per meter and UTC
// day, bad rows rejected with their line, debounced consumption billed, faults held, reruns
// duplicates.
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { packageRoot } from "../../../engine/wasm/paths.js";
import { readCsv, runAndRead, write } from "../../helpers/run.js";
import { tempDir } from "../../helpers/tmp.js";

const dir = tempDir();
const meters = write(dir, "meters.csv", ["meter_id,type,unit,pulse_weight,pulse_input", "L-1,water.pulse,l,10,s0a", "L-2,water.pulse,l,1,namur"]);
const at = (day: number, h: number, m: number, s = 0, ms = 0) => new Date(Date.UTC(2026, 10, day, h, m, s, ms)).toISOString();

describe("pulse events in a run", () => {
  it("summarises events per meter and day, bills debounced pulses, holds faults and rejects bad rows", async () => {
    const events = write(dir, "events.csv", [
      "meter_id,time,on_ms,direction,loop_ma,tamper,magnet_mt",
      // day 1 (initial for both meters)
      `L-1,${at(28, 8, 0)},50,,,,`,
      `L-2,${at(28, 8, 0)},,,1.2,,`,
      // day 2, L-1: three clean pulses, one of them split by a 2 ms chatter gap (counts once)
      `L-1,${at(29, 8, 0)},50,,,,`,
      `L-1,${at(29, 9, 0)},20,,,,`,
      `L-1,${at(29, 9, 0, 0, 22)},28,,,,`,
      `L-1,${at(29, 10, 0)},50,,,,`,
      // day 2, L-2: one pulse, and its NAMUR loop seen at 0.2 mA (open line)
      `L-2,${at(29, 7, 0)},45,,1.2,,`,
      `L-2,${at(29, 12, 0)},,,0.2,,`,
      // bad rows
      `L-1,yesterday,50,,,,`,
      `L-2,${at(29, 13, 0)},fast,,,,`,
      // a heartbeat: counts for its day, adds nothing
      `L-2,${at(29, 14, 0)},,,,,`,
    ]);
    const out = await runAndRead({ meters, inputs: [], pulseEvents: [events], db: join(dir, "e.db"), out: join(dir, "out") });
    expect(out.summary).toMatchObject({ in: 6, billable: 0, held: 4, rejected: 2, balanced: true });
    expect(out.summary.inputs).toEqual([expect.objectContaining({ kind: "pulse-events", events: 6, samples: 3, readings: 4, rejected: 2 })]);
    expect(out.rejected.map((r) => [r.source_line, r.meter_id, r.reason])).toEqual([["10", "L-1", "bad_event_time"], ["11", "L-2", "bad_event"]]);
    const held = Object.fromEntries(out.held.map((r) => [r.reading_id, [r.previous, r.current, r.consumption, r.flags, r.reasons]]));
    // L-1: 4 raw pulses, 3 after debouncing -> 30 l; the 20 ms piece is below the S0 minimum: bounce.
    expect(held["L-1@2026-11-29"]).toEqual(["1", "5", "30", "bounce", "temp_bad:bounce"]);
    expect(held["L-2@2026-11-29"]).toEqual(["0", "1", "1", "open_circuit", "temp_bad:open_circuit"]);
    expect(out.summary.pulse_faults).toEqual({ bounce: 1, open_circuit: 1 });

    const again = await runAndRead({ meters, inputs: [], pulseEvents: [events], db: join(dir, "e.db"), out: join(dir, "out2") });
    expect(again.summary).toMatchObject({ in: 6, duplicates: 4, rejected: 2, billable: 0, held: 0, balanced: true });
  });
});

describe("pulse events debounced with the meter's own debounce time", () => {
  // Meters named only by the events file: the run's working set has not loaded their registry
  // rows when the events are summarised (no readings batch named them first).
  const registry = write(dir, "debounce-meters.csv", [
    "meter_id,pulse_weight,pulse_input,debounce_ms",
    "REED,1,reed,", // the reed profile: 10 ms
    "S0DB20,1,s0a,20", // the registry's own 20 ms replaces s0a's 5 ms
    "SPIKE,1,reed,",
  ]);
  const events = write(dir, "debounce-events.csv", [
    "meter_id,time,on_ms",
    `REED,${at(1, 1, 0)},40`,
    `S0DB20,${at(1, 1, 0)},50`,
    `SPIKE,${at(1, 1, 0)},40`,
    // an 8 ms off-time, below reed's 10 ms: one pulse
    `REED,${at(2, 1, 0)},40`,
    `REED,${at(2, 1, 0, 0, 48)},40`,
    // a 15 ms off-time, below the configured 20 ms: one pulse
    `S0DB20,${at(2, 1, 0)},50`,
    `S0DB20,${at(2, 1, 0, 0, 65)},50`,
    // a 7 ms spike on its own, shorter than reed's 10 ms: bounce, no pulse; then a real pulse
    `SPIKE,${at(2, 1, 0)},7`,
    `SPIKE,${at(2, 2, 0)},40`,
  ]);

  it("takes the debounce time from the registry row or the input profile", async () => {
    const out = await runAndRead({ meters: registry, inputs: [], pulseEvents: [events], db: join(dir, "debounce.db"), out: join(dir, "debounce") });
    const billed = Object.fromEntries([...out.billing, ...out.held].filter((r) => r.end === "2026-11-02").map((r) => [r.meter_id, [r.consumption, r.flags]]));
    expect(billed).toEqual({ REED: ["1", ""], S0DB20: ["1", ""], SPIKE: ["1", "bounce"] });
  });

  // The compiled command: an empty readings file beside the events, in each thread mode.
  it.each(["0", "1", "2"])("does so with --threads %s", (threads) => {
    const bin = join(packageRoot(), "dist", "engine", "cli", "main.js");
    const empty = write(dir, "empty.csv", ["meter_id,end,value"]);
    const out = join(dir, `debounce-threads-${threads}`);
    const run = spawnSync(process.execPath, [bin, "run", "--quiet", "--threads", threads, "--meters", registry, "--db", join(dir, `debounce-${threads}.db`),
      "--out", out, "--pulse-events", events, empty], { encoding: "utf8" });
    expect(run.status, run.stderr).toBe(0);
    const rows = [...readCsv(join(out, "billing.csv")), ...readCsv(join(out, "held.csv"))].filter((r) => r.end === "2026-11-02");
    expect(Object.fromEntries(rows.map((r) => [r.meter_id, r.consumption]))).toEqual({ REED: "1", S0DB20: "1", SPIKE: "1" });
  });
});

describe("pulse counts for a register meter", () => {
  // A pulse count is no register reading: billed as one, the register moved by the difference of
  // two days' counts (pulse audit: 4 - 2 billed 2; 2 then 1 held implausible_rollover).
  const registry = write(dir, "register-meters.csv", ["meter_id,type,unit,pulse_weight,pulse_input", "REG-1,electricity.register,kWh,,", "P-1,water.pulse,l,1,s0a"]);

  it("rejects a pulse-events day of a register meter (not_a_pulse_meter), billing nothing", async () => {
    const events = write(dir, "register-events.csv", [
      "meter_id,time,on_ms,direction,loop_ma,tamper,magnet_mt",
      `REG-1,${at(28, 8, 0)},50,,,,`, `REG-1,${at(28, 9, 0)},50,,,,`,
      `REG-1,${at(29, 8, 0)},50,,,,`, `REG-1,${at(29, 9, 0)},50,,,,`, `REG-1,${at(29, 10, 0)},50,,,,`, `REG-1,${at(29, 11, 0)},50,,,,`,
      `P-1,${at(28, 8, 0)},50,,,,`, `P-1,${at(29, 8, 0)},50,,,,`,
    ]);
    const out = await runAndRead({ meters: registry, inputs: [], pulseEvents: [events], db: join(dir, "register-events.db"), out: join(dir, "register-events") });
    expect(out.summary).toMatchObject({ in: 4, billable: 1, held: 1, rejected: 2, balanced: true });
    expect(out.rejected.map((r) => [r.meter_id, r.reason])).toEqual([["REG-1", "not_a_pulse_meter"], ["REG-1", "not_a_pulse_meter"]]);
    expect(out.billing.map((b) => b.reading_id)).toEqual(["P-1@2026-11-29"]);
    // Each rejected day names its first event row's line (it named line 0) and gives the day
    // reading as its raw text, without the columns it has no value for (they were "NaN").
    expect(out.rejected.map((r) => r.source_line)).toEqual(["2", "4"]);
    const raws = out.rejected.map((r) => JSON.parse(r.raw) as Record<string, unknown>);
    expect(raws.map((raw) => [raw.meter_id, raw.end, raw.value, raw.pulse_debounced])).toEqual([["REG-1", "2026-11-28", 2, 2], ["REG-1", "2026-11-29", 4, 4]]);
    for (const raw of raws) expect(Object.values(raw).every((v) => typeof v === "string" ? v !== "NaN" : Number.isFinite(v))).toBe(true);
  });

  it("rejects a readings row with a debounced pulse count for a register meter, as an events day", async () => {
    const readings = write(dir, "register-counts.csv", ["meter_id,end,value,pulse_debounced", "REG-1,2026-11-28,2,2", "REG-1,2026-11-29,4,4", "REG-1,2026-11-30,9,"]);
    const out = await runAndRead({ meters: registry, inputs: [readings], db: join(dir, "register-counts.db"), out: join(dir, "register-counts") });
    expect(out.summary).toMatchObject({ in: 3, billable: 0, held: 1, rejected: 2, balanced: true });
    expect(out.rejected.map((r) => [r.source_line, r.reason])).toEqual([["2", "not_a_pulse_meter"], ["3", "not_a_pulse_meter"]]);
    expect(out.held.map((h) => [h.reading_id, h.reasons])).toEqual([["REG-1@2026-11-30", "initial"]]);
  });
});

describe("a pulse-events day after the tolerance", () => {
  it("is rejected future_date and counted among its file's rejected rows, not its readings (pulse audit)", async () => {
    const events = write(dir, "future-events.csv", [
      "meter_id,time,on_ms,direction,loop_ma,tamper,magnet_mt",
      `L-1,${at(28, 8, 0)},50,,,,`, `L-1,2030-10-01T09:50:00Z,50,,,,`, `L-1,yesterday,50,,,,`,
    ]);
    const out = await runAndRead({ meters, inputs: [], pulseEvents: [events], db: join(dir, "future.db"), out: join(dir, "future") });
    expect(out.summary).toMatchObject({ in: 3, held: 1, rejected: 2, balanced: true });
    expect(out.summary.inputs).toEqual([expect.objectContaining({ kind: "pulse-events", readings: 1, rejected: 2 })]);
    // The rejected day names its first row's line (it named line 0).
    expect(out.rejected.map((r) => [r.source_line, r.reason]).sort()).toEqual([["3", "future_date"], ["4", "bad_event_time"]]);
  });
});

describe("pulse-events rows sent twice", () => {
  it("count once, as an upload that overlaps the one before sends them (pulse audit: a repeated row made a bounce)", async () => {
    const lines = [`L-1,${at(28, 8, 0)},50,,,,`, `L-1,${at(29, 8, 0)},50,,,,`, `L-1,${at(29, 9, 0)},50,,,,`, `L-1,${at(29, 10, 0)},50,,,,`,
      `L-2,${at(28, 8, 0)},50,,1.2,,`, `L-2,${at(29, 8, 0)},50,,1.2,,`];
    const header = "meter_id,time,on_ms,direction,loop_ma,tamper,magnet_mt";
    const once = write(dir, "once-events.csv", [header, ...lines]);
    // Every row twice, the second copies in a block after the first (an overlapping upload), and
    // one row of L-2 with the same time but another loop value: another sample, kept.
    const twice = write(dir, "twice-events.csv", [header, ...lines, ...lines, `L-2,${at(29, 8, 0)},,,1.3,,`]);
    const a = await runAndRead({ meters, inputs: [], pulseEvents: [once], db: join(dir, "once.db"), out: join(dir, "once") });
    const b = await runAndRead({ meters, inputs: [], pulseEvents: [twice], db: join(dir, "twice.db"), out: join(dir, "twice") });
    const rows = (o: typeof a) => [...o.billing, ...o.held].map((r) => [r.reading_id, r.consumption, r.flags]).sort();
    expect(rows(b)).toEqual(rows(a));
    expect(a.billing.map((r) => [r.reading_id, r.consumption, r.flags])).toEqual([["L-1@2026-11-29", "30", ""], ["L-2@2026-11-29", "1", ""]]);
    expect(b.summary.inputs).toEqual([expect.objectContaining({ events: 6, samples: 3, repeated: 6, readings: 4 })]);
  });
});

describe("a day's events split over two files of one run", () => {
  // Uploads cut at another hour than midnight (or in another time zone than the store's): a day's
  // pulses come in two files. They were summarised file by file, so the day was two readings: the
  // second a `duplicate` when its count was the same (its units never billed, nothing held) and a
  // `conflict` otherwise.
  const header = "meter_id,time,on_ms,direction,loop_ma,tamper,magnet_mt";
  const first = [`L-1,${at(28, 8, 0)},50,,,,`, `L-1,${at(29, 1, 0)},50,,,,`, `L-1,${at(29, 2, 0)},50,,,,`];
  const second = [`L-1,${at(29, 13, 0)},50,,,,`, `L-1,${at(29, 14, 0)},50,,,,`, `L-1,${at(30, 1, 0)},50,,,,`];

  it("is one day reading of all its events, billed whole, each file accounted", async () => {
    const a = write(dir, "split-a.csv", [header, ...first]);
    const b = write(dir, "split-b.csv", [header, ...second]);
    const out = await runAndRead({ meters, inputs: [], pulseEvents: [a, b], db: join(dir, "split.db"), out: join(dir, "split") });
    // L-1 weighs 10 l a pulse: 11-29 has 4 pulses (2 in each file), 11-30 one.
    expect(out.billing.map((r) => [r.reading_id, r.consumption])).toEqual([["L-1@2026-11-29", "40"], ["L-1@2026-11-30", "10"]]);
    expect(out.summary).toMatchObject({ in: 3, billable: 2, held: 1, duplicates: 0, rejected: 0, balanced: true });
    // The day reading counts for the file of its first row: the 11-29 in the first file.
    expect(out.summary.inputs).toEqual([
      expect.objectContaining({ kind: "pulse-events", events: 3, readings: 2, rejected: 0 }),
      expect.objectContaining({ kind: "pulse-events", events: 3, readings: 1, rejected: 0 }),
    ]);
  });

  it("bills the same whichever file comes first, and a file given twice counts its rows once", async () => {
    const a = write(dir, "split2-a.csv", [header, ...first]);
    const b = write(dir, "split2-b.csv", [header, ...second]);
    const out = await runAndRead({ meters, inputs: [], pulseEvents: [b, a, b], db: join(dir, "split2.db"), out: join(dir, "split2") });
    expect(out.billing.map((r) => [r.reading_id, r.consumption])).toEqual([["L-1@2026-11-29", "40"], ["L-1@2026-11-30", "10"]]);
    expect(out.summary).toMatchObject({ in: 3, billable: 2, held: 1, duplicates: 0, balanced: true });
    expect(out.summary.inputs.map((i: { repeated?: number }) => i.repeated)).toEqual([0, 0, 3]);
  });
});

describe("an events day above qmax after a gap of days", () => {
  // Pulse audit: qmax was judged over the interval since the meter's previous reading, so a
  // magnet's day 4 days after it (70 m3 in the day, 60 allowed) was billed. The compiled command,
  // in each thread mode (--threads 2: decided in a pool thread).
  const registry = write(dir, "qmax-meters.csv", ["meter_id,type,unit,pulse_weight,pulse_input,qmax", "Q-1,water.pulse,m3,0.01,s0a,2.5"]);
  const night = write(dir, "qmax-night.csv", ["meter_id,end,value", "Q-1,2026-11-01,0"]);
  const start = Date.parse("2026-11-05T06:00:00Z");
  const events = write(dir, "qmax-events.csv", ["meter_id,time,on_ms", ...Array.from({ length: 7000 }, (_, i) => `Q-1,${new Date(start + i * 2000).toISOString()},45`)]);

  it.each(["0", "1", "2"])("is held magnetic with --threads %s", (threads) => {
    const bin = join(packageRoot(), "dist", "engine", "cli", "main.js");
    const db = join(dir, `qmax-${threads}.db`);
    const run = (out: string, ...args: string[]) => spawnSync(process.execPath, [bin, "run", "--quiet", "--threads", threads, "--meters", registry, "--db", db,
      "--out", join(dir, out), ...args], { encoding: "utf8" });
    expect(run(`qmax-night-${threads}`, night).status).toBe(0);
    const second = run(`qmax-${threads}`, "--pulse-events", events);
    expect(second.status, second.stderr).toBe(0);
    expect(readCsv(join(dir, `qmax-${threads}`, "billing.csv"))).toEqual([]);
    expect(readCsv(join(dir, `qmax-${threads}`, "held.csv")).map((r) => [r.reading_id, r.start, r.consumption, r.flags, r.reasons]))
      .toEqual([["Q-1@2026-11-05", "2026-11-02", "70", "magnetic", "temp_bad:magnetic"]]);
  });
});
