// Environment sensors (`meterflow-environment`): air temperature, relative humidity and
// barometric pressure, as radio modules and transport loggers measure them, with the dew point
// and absolute humidity derived from the first two.
import { definePlugin } from "../../sdk/index.js";
import { absoluteHumidity, dewPoint } from "./humidity.js";

/**
 * Channels:
 * - `temperature`, °C, −90 to 125: from ultra-low freezers (−86 °C) and dry ice (−78.5 °C) in
 *   pharmaceutical freight up to the operating limit of the usual digital sensors (125 °C).
 * - `humidity`, %RH, 0 to 100: relative humidity cannot leave that range.
 * - `pressure`, hPa, 300 to 1400: barometric (absolute) pressure, from about 9 km altitude up to
 *   the deepest mines (air pressure grows about 12 hPa per 100 m below sea level; 2.5 km below
 *   gives about 1,350 hPa).
 *
 * Thresholds (for the places radio modules sit: meter rooms, shafts, cabinets):
 * - `frost-risk`: temperature below 3 °C for 60 min, warning: water meters and pipes freeze near
 *   0 °C; 3 °C leaves room for a sensor's tolerance and a colder spot by the wall.
 * - `too-hot`: temperature above 55 °C for 30 min, warning: 55 °C is the upper limit of the
 *   climatic class most meters are certified for (MID, 2014/32/EU: 30, 40, 55 or 70 °C).
 * - `damp`: humidity above 80 %RH for 24 h, warning: ISO 9223 counts hours above 80 %RH as
 *   time of wetness, when contacts and terminals corrode.
 * Pressure has none: barometric pressure is weather and altitude, no fixed value is a fault.
 *
 * Facts: `dew_point` (°C) and `absolute_humidity` (g/m3), see ./humidity.ts.
 *
 * @example
 * // readings.csv (wide): meter_id,time,temperature,humidity,pressure
 * //                      T-1,2026-11-30T06:00:00Z,4.2,71,1009.5
 */
export default definePlugin({
  name: "meterflow-environment",
  version: "1.0.0",
  sdk: "^1.0.0",
  sensors: [
    { name: "temperature", unit: "°C", description: "Air temperature.", range: { min: -90, max: 125 } },
    { name: "humidity", unit: "%RH", description: "Relative humidity of the air.", range: { min: 0, max: 100 } },
    { name: "pressure", unit: "hPa", description: "Barometric (absolute) air pressure.", range: { min: 300, max: 1400 } },
  ],
  thresholds: [
    {
      name: "frost-risk",
      channel: "temperature",
      below: 3,
      forMinutes: 60,
      severity: "warning",
      message: "temperature below 3 °C for 60 min: frost risk for meters and pipes",
    },
    {
      name: "too-hot",
      channel: "temperature",
      above: 55,
      forMinutes: 30,
      severity: "warning",
      message: "temperature above 55 °C for 30 min: beyond the meters' climatic class",
    },
    {
      name: "damp",
      channel: "humidity",
      above: 80,
      forMinutes: 1440,
      severity: "warning",
      message: "humidity above 80 %RH for 24 h: corrosion risk (ISO 9223 time of wetness)",
    },
  ],
  facts: [dewPoint, absoluteHumidity],
});
