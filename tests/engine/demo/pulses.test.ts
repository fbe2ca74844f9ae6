// The demo's pulse meters through a run: every logger channel's signal day raises exactly the
// faults its signal kind must raise (near misses none), every fault planted in the radio
// modules' summaries is held as temp_bad with its name, and the run balances.
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { generateDemoData } from "../../../engine/demo/index.js";
import type { DemoManifest } from "../../../engine/demo/index.js";
import { runAndRead } from "../../helpers/run.js";
import type { Outputs } from "../../helpers/run.js";
import { tempDir } from "../../helpers/tmp.js";

const dir = tempDir();
let m: DemoManifest;
let out: Outputs;

beforeAll(async () => {
  m = await generateDemoData({ dir, meters: 150, days: 14 });
  out = await runAndRead({
    meters: m.files.meters, inputs: [m.files.readings, m.files.pulseReadings], pulseEvents: [m.files.pulseEvents],
    db: join(dir, "state.db"), out: join(dir, "out"), batchSize: 4096, now: new Date("2026-12-31T00:00:00Z"),
  });
});

const FAULTS = new Set(["open_circuit", "short_circuit", "magnetic", "bounce", "leak", "no_consumption", "backflow"]);
const faultsOf = (flags: string) => flags.split("|").filter((f) => FAULTS.has(f)).sort();

describe("demo pulse meters", () => {
  it("balance, with one reading per logger channel and day", () => {
    expect(out.summary.balanced).toBe(true);
    const events = out.summary.inputs.find((i) => i.kind === "pulse-events")!;
    expect(events.readings).toBe(m.pulses.channels.length * 2);
    expect(events.rejected).toBe(0);
  });

  it("raise exactly the expected faults on each logger channel's signal day", () => {
    const rows = new Map([...out.billing, ...out.held].map((r) => [r.reading_id, r]));
    for (const c of m.pulses.channels) {
      const row = rows.get(`${c.meterId}@${c.day}`);
      expect(row, c.meterId).toBeDefined();
      expect(faultsOf(row!.flags), `${c.kind} on ${c.sensor}`).toEqual([...c.expected].sort());
    }
    // Every fault class appears among the channels.
    expect(new Set(m.pulses.channels.flatMap((c) => c.expected))).toEqual(new Set([...FAULTS].filter((f) => f !== "no_consumption")));
  });

  it("hold every fault planted in the radio modules' summaries as temp_bad with its name", () => {
    const held = new Map(out.held.map((r) => [r.reading_id, r]));
    expect(m.pulses.planted.length).toBe(7);
    for (const p of m.pulses.planted) {
      const row = held.get(`${p.meterId}@${p.day}`);
      expect(row?.flags.split("|"), `${p.fault} ${p.meterId}`).toContain(p.fault);
      expect(row?.reasons.split("|")).toContain(`temp_bad:${p.fault}`);
    }
    expect(Object.keys(out.summary.pulse_faults).sort()).toEqual([...FAULTS].sort());
  });
});
