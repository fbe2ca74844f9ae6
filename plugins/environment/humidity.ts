// Derived facts of the environment plugin: dew point and absolute humidity from temperature and
// relative humidity, with the Magnus formula over water (Sonntag 1990 constants).
import { defineFact } from "../../sdk/index.js";

/** Magnus coefficients over liquid water (Sonntag 1990): a, b in °C, saturation pressure in hPa at 0 °C. */
export const MAGNUS = Object.freeze({ a: 17.62, b: 243.12, e0: 6.112 } as const);

/** Specific gas constant of water vapour over 1000 (g/m3 from hPa and K: 100 / 461.5 x 1000). */
const VAPOUR = 216.7;

/**
 * `dew_point`, °C: the temperature at which the air's water vapour would condense, from
 * `temperature` (°C) and `humidity` (%RH). Magnus: g = ln(RH/100) + a·T/(b+T),
 * Td = b·g/(a − g); within 0.35 °C of the exact value for −45 to 60 °C. NaN where either input
 * is missing or the humidity is 0 (dry air has no dew point).
 *
 * @example
 * // temperature 20, humidity 50 -> dew_point 9.26
 */
export const dewPoint = defineFact({
  name: "dew-point",
  description: "dew point (°C) from temperature and relative humidity, Magnus formula (Sonntag 1990)",
  reads: ["temperature", "humidity"],
  writes: ["dew_point"],
  compute(input, output, length) {
    const t = input.temperature;
    const rh = input.humidity;
    const out = output.dew_point;
    const { a, b } = MAGNUS;
    for (let i = 0; i < length; i++) {
      const h = rh[i];
      // NaN inputs fall through to NaN; h <= 0 would give ln(0) = -Infinity and a NaN by accident.
      if (!(h > 0)) continue;
      const g = Math.log(h / 100) + (a * t[i]) / (b + t[i]);
      out[i] = (b * g) / (a - g);
    }
  },
});

/**
 * `absolute_humidity`, g/m3: grams of water vapour per cubic metre of air, from `temperature`
 * (°C) and `humidity` (%RH): 216.7 · (RH/100 · e0·exp(a·T/(b+T))) / (T + 273.15). NaN where
 * either input is missing.
 *
 * @example
 * // temperature 20, humidity 50 -> absolute_humidity 8.62
 */
export const absoluteHumidity = defineFact({
  name: "absolute-humidity",
  description: "absolute humidity (g/m3) from temperature and relative humidity, Magnus formula",
  reads: ["temperature", "humidity"],
  writes: ["absolute_humidity"],
  compute(input, output, length) {
    const t = input.temperature;
    const rh = input.humidity;
    const out = output.absolute_humidity;
    const { a, b, e0 } = MAGNUS;
    for (let i = 0; i < length; i++) {
      const vapour = (rh[i] / 100) * e0 * Math.exp((a * t[i]) / (b + t[i]));
      out[i] = (VAPOUR * vapour) / (t[i] + 273.15);
    }
  },
});
