// The demo's sensor channels through a run: exactly the alerts planted (a module's low battery,
// a frozen shaft, one truck's cooling failure, and no cold-chain alert on anything but the
// trucks), the broken probe's sample rejected, every other logger sample a sensor row.
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { generateDemoData } from "../../../engine/demo/index.js";
import type { DemoManifest } from "../../../engine/demo/index.js";
import { readCsv, runAndRead } from "../../helpers/run.js";
import type { Outputs } from "../../helpers/run.js";
import { tempDir } from "../../helpers/tmp.js";

const dir = tempDir();
let m: DemoManifest;
let out: Outputs;

beforeAll(async () => {
  m = await generateDemoData({ dir, meters: 150, days: 14 });
  out = await runAndRead({
    meters: m.files.meters, inputs: [m.files.readings, m.files.pulseReadings, m.files.coldChain], pulseEvents: [m.files.pulseEvents],
    config: m.files.config, db: join(dir, "state.db"), out: join(dir, "out"), batchSize: 4096, now: new Date("2026-12-31T00:00:00Z"),
  });
});

describe("demo sensor channels", () => {
  it("raise exactly the planted alerts", () => {
    const alerts = readCsv(join(dir, "out", "alerts.csv")).map((a) => ({ meterId: a.meter_id, day: a.end, rule: a.rule }));
    const key = (a: { meterId: string; day: string; rule: string }) => `${a.rule} ${a.meterId} ${a.day}`;
    expect(alerts.map(key).sort()).toEqual(m.sensors.alerts.map(key).sort());
    expect(m.sensors.alerts.map((a) => a.rule).sort()).toEqual(["meterflow-cold-chain/too-warm", "meterflow-environment/frost-risk", "meterflow-power/battery-low"]);
  });

  it("reject the broken probe's sample and count the others as sensor rows", () => {
    const file = out.rejected.filter((r) => r.reason === "out_of_range");
    expect(file.map((r) => Number(r.source_line))).toEqual(m.sensors.outOfRange);
    expect(out.summary.sensor).toBe(m.sensors.loggerRows - m.sensors.outOfRange.length);
    expect(out.summary.balanced).toBe(true);
  });
});
