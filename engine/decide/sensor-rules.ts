// Rules on sensor rows (README "Rules", "Which rows a rule sees"): the rules of rule files with
// `"rows": "sensor"` or `"both"` are evaluated on every valid sensor row (channel values, no
// register value). A sensor row's facts are its meter's (meter_id, end, meter_type, unit,
// scaling_factor, digits, meter_temp_bad when the meter is registered), its channel values and the
// plugins' derived facts computed on them; every other reading fact is null. Only alerts act:
// there is no reading to hold. Alerts go to alerts.csv named like the reading rules' alerts.
import type { ReadingBatch } from "../ingest/batch.js";
import { FACTS } from "../rules/facts.js";
import type { ReadingFacts } from "../rules/facts.js";
import { day } from "../sinks/format.js";
import { stringAt } from "../store/meter-table.js";
import type { BatchOutput, DecideContext } from "./output.js";

/** Evaluates the sensor-row rules of a batch's valid sensor rows and collects their alerts. */
export function applySensorRules(ctx: DecideContext, batch: ReadingBatch, keys: Int32Array, out: BatchOutput): void {
  const sensorRow = batch.sensorRow;
  if (sensorRow === undefined || !ctx.rules.hasSensorRules) return;
  const rows: number[] = [];
  for (let row = 0; row < batch.length; row++) if (sensorRow[row] === 1 && batch.reject[row] === 0) rows.push(row);
  if (rows.length === 0) return;
  const facts: ReadingFacts = {};
  for (const name of Object.keys(FACTS)) facts[name] = null;
  const plugin = ctx.pluginFacts;
  const columns = plugin?.buildSensorRows(batch, rows);
  const { meters, state } = ctx;
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i];
    const k = keys[row];
    const meterId = batch.meters.idOf(batch.meter[row]);
    const end = batch.end[row];
    facts.meter_id = meterId;
    facts.end = day(end);
    facts.meter_type = k >= 0 ? stringAt(meters.type, k) : null;
    facts.unit = k >= 0 ? stringAt(meters.unit, k) : null;
    facts.scaling_factor = k >= 0 ? meters.scale[k] : null;
    facts.digits = k >= 0 && meters.digits[k] !== 0 ? meters.digits[k] : null;
    facts.meter_temp_bad = k >= 0 ? state.tempBad[k] !== 0 : null;
    if (plugin !== undefined && columns !== undefined) plugin.assignFrom(facts as Record<string, unknown>, columns, i);
    for (const alert of ctx.rules.decideSensor(facts).alerts) out.alerts.push({ meterId, end, ...alert });
  }
}
