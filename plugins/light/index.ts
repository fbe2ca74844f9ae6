// Light sensors (`meterflow-light`): illuminance and the irradiance of its infrared, red, green
// and blue bands, and the UV index, as the radio modules' colour and UV sensors report them.
import { definePlugin } from "../../sdk/index.js";
import { irFraction, uvCategory } from "./bands.js";

/** Largest irradiance of one band, W/m2: above the whole solar spectrum at the ground. */
const BAND_MAX = 2000;

/**
 * Channels:
 * - `illuminance`, lx, 0 to 150,000: photopic illuminance; direct sunlight at its highest is
 *   about 120,000 lx.
 * - `illuminance.ir`, `illuminance.red`, `illuminance.green`, `illuminance.blue`, W/m2, 0 to
 *   2,000: irradiance in each band. Lux weights light by the eye's sensitivity, which is zero
 *   in the infrared, so the bands are radiometric (a sensor reporting µW/cm2 divides by 100).
 *   No band exceeds the whole solar irradiance at the ground (about 1,000 W/m2, briefly up to
 *   about 1,400 under cloud enhancement); 2,000 leaves a margin.
 * - `illuminance.uv`, UV index (dimensionless, WHO), 0 to 50: the erythemally weighted UV
 *   irradiance x 40 m2/W; the highest ever measured is about 43 (Andes, 2003).
 *
 * Thresholds: `uv-extreme`: UV index above 10.5 (11 and more, WHO "extreme") for 15 min, info.
 * Illuminance has none by default: what is normal depends on where the sensor sits (a closed
 * cabinet is dark, a window sill is not); a profile adds its own (light in a sealed cargo space
 * means an open door).
 *
 * Facts: `uv_category` (WHO category 0 to 4) and `ir_fraction` (0 to 1), see ./bands.ts.
 */
export default definePlugin({
  name: "meterflow-light",
  version: "1.0.0",
  sdk: "^1.0.0",
  sensors: [
    { name: "illuminance", unit: "lx", description: "Illuminance (photopic).", range: { min: 0, max: 150_000 } },
    { name: "illuminance.ir", unit: "W/m2", description: "Irradiance in the near-infrared band.", range: { min: 0, max: BAND_MAX } },
    { name: "illuminance.red", unit: "W/m2", description: "Irradiance in the red band.", range: { min: 0, max: BAND_MAX } },
    { name: "illuminance.green", unit: "W/m2", description: "Irradiance in the green band.", range: { min: 0, max: BAND_MAX } },
    { name: "illuminance.blue", unit: "W/m2", description: "Irradiance in the blue band.", range: { min: 0, max: BAND_MAX } },
    { name: "illuminance.uv", unit: "UVI", description: "UV index (WHO), erythemally weighted UV irradiance x 40 m2/W.", range: { min: 0, max: 50 } },
  ],
  thresholds: [
    {
      name: "uv-extreme",
      channel: "illuminance.uv",
      above: 10.5,
      forMinutes: 15,
      severity: "info",
      message: "UV index 11 or more for 15 min (WHO: extreme)",
    },
  ],
  facts: [uvCategory, irFraction],
});
