// Pulse meters through `meterflow run`: counts billed as debounced count x weight, faults from
// interval summaries reach the rules (temp_bad with the fault as the reason), idle days carry over
// readings and runs, the same data in every input format gives the same outcome, and late pulse
// readings are duplicates, conflicts or held as back-dated.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { pack } from "msgpackr";
import { describe, expect, it } from "vitest";
import { runAndRead, write } from "../../helpers/run.js";
import { tempDir } from "../../helpers/tmp.js";

const dir = tempDir();
let n = 0;
const HEADER = "meter_id,type,unit,pulse_weight,pulse_input,qmax,no_pulse_days,pulse_width_ms";
const meters = write(dir, "meters.csv", [
  HEADER,
  "W-1,water.pulse,m3,0.01,s0a,2.5,,",
  "W-2,water.pulse,m3,0.01,namur,,,",
  "W-3,water.pulse,m3,0.001,reed,,3,",
  "G-1,gas.pulse,m3,0.1,s0b,,,200",
]);
const run = (inputs: string[], db = join(dir, `s-${n}.db`)) => runAndRead({ meters, inputs, db, out: join(dir, `out-${n++}`) });
const PULSE_HEADER = "meter_id,end,value,pulse_debounced,pulse_min_on_ms,pulse_min_gap_ms,pulse_max_closed_ms,loop_min_ma,loop_max_ma,tamper_open,tamper_events,reverse_count,pulse_free_max_min";

describe("pulse meters in a run", () => {
  it("bill count x weight, hold each fault as temp_bad with its name, and account for every reading", async () => {
    const csv = write(dir, "p.csv", [
      PULSE_HEADER,
      "W-1,2026-11-01,0,,,,,,,,,,",
      // clean: 1,200 pulses x 0.01 = 12 m3
      "W-1,2026-11-02,1200,,45,400,60,,,,,,180",
      // bounce: an 8 ms pulse; the module's debounced count is billed were it not held
      "W-1,2026-11-03,1210,1200,8,400,60,,,,,,180",
      // rate above Qmax: 2.5 m3/h x 24 h / 0.01 = 6,000 pulses at most -> magnetic
      "W-1,2026-11-04,6001,,45,70,60,,,,,,180",
      "W-2,2026-11-01,0,,,,,,,,,,",
      // NAMUR: loop 0.3 mA -> open circuit; 6.1 mA on the next day -> short circuit
      "W-2,2026-11-02,10,,,,,0.3,2.1,,,,",
      "W-2,2026-11-03,10,,,,,1.2,6.1,,,,",
      // leak: no pulse-free hour all day; backflow: reversed pulses
      "W-2,2026-11-04,900,,,,,1.2,2.1,,,,20",
      "W-2,2026-11-05,900,,,,,1.2,2.1,,,3,120",
      // reed with a tamper loop: a magnet seen, then the loop cut
      "W-3,2026-11-01,0,,,,,,,,,,",
      "W-3,2026-11-02,5,,,,,,,0,2,,",
      "W-3,2026-11-03,5,,,,,,,1,0,,",
      // S0 class B, nominal width 200 ms: the closed-time limit is max(120, 3 x 200) = 600 ms
      "G-1,2026-11-01,0,,,,,,,,,,",
      "G-1,2026-11-02,40,,210,5000,500,,,,,,",
      "G-1,2026-11-03,40,,210,5000,601,,,,,,",
      // not a whole pulse count: rejected
      "G-1,2026-11-04,2.5,,,,,,,,,,",
      // a bad pulse field: rejected
      "G-1,2026-11-05,3,,-4,,,,,,,,",
    ]);
    const out = await run([csv]);
    expect(out.summary.balanced).toBe(true);
    expect(out.summary.in).toBe(17);
    expect(out.rejected.map((r) => [r.meter_id, r.reason])).toEqual([["G-1", "bad_pulse_count"], ["G-1", "bad_pulse_field"]]);
    const billed = Object.fromEntries(out.billing.map((r) => [r.reading_id, [r.previous, r.current, r.consumption, r.flags]]));
    expect(billed).toEqual({
      "W-1@2026-11-02": ["0", "1200", "12", ""],
      "G-1@2026-11-02": ["0", "40", "4", ""],
    });
    const held = Object.fromEntries(out.held.map((r) => [r.reading_id, [r.consumption, r.flags, r.reasons]]));
    expect(held["W-1@2026-11-03"]).toEqual(["12", "bounce", "temp_bad:bounce"]);
    // The meter stays flagged: its later readings are held as temp_bad whatever they show.
    expect(held["W-1@2026-11-04"][2]).toBe("temp_bad:magnetic|temp_bad");
    expect(held["W-1@2026-11-04"][1]).toBe("magnetic");
    expect(held["W-2@2026-11-02"][1]).toBe("open_circuit");
    expect(held["W-2@2026-11-03"][1]).toBe("short_circuit");
    expect(held["W-2@2026-11-04"][1]).toBe("leak");
    expect(held["W-2@2026-11-05"][1]).toBe("backflow");
    expect(held["W-3@2026-11-02"][1]).toBe("magnetic");
    expect(held["W-3@2026-11-03"][1]).toBe("open_circuit");
    expect(held["G-1@2026-11-03"][1]).toBe("short_circuit");
    expect(held["W-2@2026-11-02"][2]).toBe("temp_bad:open_circuit");
  });

  it("decide a meter's pulse readings alike in runs of one row (a meter's rows are never split)", async () => {
    // A held pulse reading is no base, but its count is: the next reading of the same meter in
    // the batch counts on from it. Decided in runs of one kernel row (each run grown to its
    // meter's rows), every output is the default's.
    const csv = write(dir, "p-runs.csv", [
      PULSE_HEADER,
      "W-1,2026-11-01,0,,,,,,,,,,",
      "W-1,2026-11-02,1200,,45,400,60,,,,,,180",
      "W-1,2026-11-03,1210,1200,8,400,60,,,,,,180",
      "W-1,2026-11-04,1300,,45,400,60,,,,,,180",
      "W-2,2026-11-01,0,,,,,,,,,,",
      "W-2,2026-11-02,10,,,,,0.3,2.1,,,,",
      "W-2,2026-11-03,30,,,,,1.2,2.1,,,,120",
      "G-1,2026-11-01,0,,,,,,,,,,",
      "G-1,2026-11-02,40,,210,5000,500,,,,,,",
    ]);
    const whole = await run([csv]);
    const runs = await runAndRead({ meters, inputs: [csv], db: join(dir, `s-runs-${n}.db`), out: join(dir, `out-${n++}`), decideRunRows: 1 });
    expect(whole.held.length).toBeGreaterThan(0);
    expect(runs.billing).toEqual(whole.billing);
    expect(runs.held).toEqual(whole.held);
    expect(runs.summary).toMatchObject({ in: whole.summary.in, billable: whole.summary.billable, held: whole.summary.held, balanced: true });
  });

  it("raise no_consumption once the idle days reach the meter's limit, across runs", async () => {
    const db = join(dir, "idle.db");
    const first = write(dir, "idle-1.csv", ["meter_id,end,value", "W-3,2026-11-01,4", "W-3,2026-11-02,0", "W-3,2026-11-03,0"]);
    const second = write(dir, "idle-2.csv", ["meter_id,end,value", "W-3,2026-11-04,0", "W-3,2026-11-05,7", "W-3,2026-11-06,0"]);
    const a = await run([first], db);
    expect(a.billing.map((r) => [r.reading_id, r.flags])).toEqual([["W-3@2026-11-02", "zero"], ["W-3@2026-11-03", "zero"]]);
    const b = await run([second], db);
    // Three days without a pulse on 11-04 (since 11-01); the pulses of 11-05 end the stretch.
    // The meter is temp_bad from then on (until an operator clears it), so 11-05 and 11-06 are held too.
    expect(b.held.map((r) => [r.reading_id, r.flags, r.reasons])).toEqual([
      ["W-3@2026-11-04", "zero|no_consumption", "temp_bad:no_consumption"],
      ["W-3@2026-11-05", "", "temp_bad"],
      ["W-3@2026-11-06", "zero", "temp_bad"],
    ]);
  });

  it("decode pulse columns alike from CSV, NDJSON and msgpack", async () => {
    const rows = [
      { meter_id: "W-2", end: "2026-11-01", value: 0 },
      { meter_id: "W-2", end: "2026-11-02", value: 300, loop_min_ma: 1.1, loop_max_ma: 2.2, pulse_free_max_min: 300 },
      { meter_id: "W-2", end: "2026-11-03", value: 310, loop_min_ma: 0.2, pulse_free_max_min: 300 },
      { meter_id: "W-1", end: "2026-11-03", value: 310, tamper_open: true },
    ];
    const keys = ["meter_id", "end", "value", "loop_min_ma", "loop_max_ma", "pulse_free_max_min", "tamper_open"] as const;
    const csv = write(dir, "f.csv", [keys.join(","), ...rows.map((r) => keys.map((k) => String((r as Record<string, unknown>)[k] ?? "")).join(","))]);
    const ndjson = write(dir, "f.ndjson", rows.map((r) => JSON.stringify(r)));
    const records = join(dir, "f.msgpack");
    writeFileSync(records, Buffer.concat(rows.map((r) => pack(r))));
    const columnar = join(dir, "fc.msgpack");
    writeFileSync(columnar, pack(Object.fromEntries(keys.map((k) => [k, rows.map((r) => (r as Record<string, unknown>)[k] ?? null)]))));
    const outcome = async (file: string) => {
      const out = await run([file]);
      return { billing: out.billing.map((r) => [r.reading_id, r.consumption, r.flags]), held: out.held.map((r) => [r.reading_id, r.flags, r.reasons]) };
    };
    const expected = await outcome(csv);
    expect(expected.billing).toEqual([["W-2@2026-11-02", "3", ""]]);
    // The baseline held initial first, then the others in reading-id order (store/held-order.ts).
    expect(expected.held.map((h) => h[0])).toEqual(["W-2@2026-11-01", "W-1@2026-11-03", "W-2@2026-11-03"]);
    expect(expected.held[2][1]).toBe("open_circuit");
    for (const file of [ndjson, records, columnar]) expect(await outcome(file), file).toEqual(expected);
  });

  it("count a repeated pulse reading as a duplicate, hold a different count and a back-dated one", async () => {
    const db = join(dir, "late.db");
    const a = write(dir, "late-1.csv", ["meter_id,end,value", "W-1,2026-11-01,0", "W-1,2026-11-02,100", "W-1,2026-11-04,50"]);
    const b = write(dir, "late-2.csv", ["meter_id,end,value", "W-1,2026-11-02,100", "W-1,2026-11-04,51", "W-1,2026-11-03,20", "W-1,2026-11-05,10"]);
    await run([a], db);
    const out = await run([b], db);
    expect(out.summary).toMatchObject({ in: 4, billable: 1, held: 2, duplicates: 1, balanced: true });
    expect(out.held.map((r) => [r.reading_id, r.reasons]).sort()).toEqual([["W-1@2026-11-03", "back_dated_pulses"], ["W-1@2026-11-04", "conflict"]]);
    expect(out.billing.map((r) => [r.reading_id, r.previous, r.current, r.consumption])).toEqual([["W-1@2026-11-05", "150", "160", "0.1"]]);
  });
  it("reject a debounced count that is not whole or is above the count, in CSV and NDJSON", async () => {
    const rows = [
      ["G-1", "2026-11-01", "0", ""],
      ["G-1", "2026-11-02", "10", "8"],
      // not a whole debounced count
      ["G-1", "2026-11-03", "10", "12.5"],
      // more pulses after debouncing than counted: debouncing never adds one
      ["G-1", "2026-11-04", "10", "20"],
      ["G-1", "2026-11-05", "0", "5"],
      // as many as counted is fine
      ["G-1", "2026-11-06", "10", "10"],
    ];
    const csv = write(dir, "debounced.csv", ["meter_id,end,value,pulse_debounced", ...rows.map((r) => r.join(","))]);
    const ndjson = write(dir, "debounced.ndjson", rows.map(([meter_id, end, value, d]) => JSON.stringify({ meter_id, end, value: Number(value), ...(d === "" ? {} : { pulse_debounced: Number(d) }) })));
    for (const input of [csv, ndjson]) {
      const out = await run([input]);
      expect(out.summary).toMatchObject({ in: 6, rejected: 3, balanced: true });
      expect(out.rejected.map((r) => [r.meter_id, r.reason])).toEqual([["G-1", "bad_pulse_count"], ["G-1", "bad_pulse_field"], ["G-1", "bad_pulse_field"]]);
      // 8 and 10 debounced pulses x 0.1 m3
      expect(out.billing.map((r) => [r.end, r.consumption])).toEqual([["2026-11-02", "0.8"], ["2026-11-06", "1"]]);
    }
  });
});
