// Derived facts of the light plugin: the WHO category of the UV index, and the infrared share
// of the measured irradiance (daylight and incandescent light carry much infrared, LEDs and
// fluorescent tubes almost none).
import { defineFact } from "../../sdk/index.js";

/**
 * `uv_category`: the WHO category of the UV index (Global Solar UV Index, WHO 2002), from
 * `illuminance.uv` rounded to a whole index as WHO reports it: 0 low (0–2), 1 moderate (3–5),
 * 2 high (6–7), 3 very high (8–10), 4 extreme (11 and more). NaN where the index is missing.
 *
 * @example
 * // illuminance.uv 7.4 -> uv_category 2 (high); 7.5 -> 3 (very high)
 */
export const uvCategory = defineFact({
  name: "uv-category",
  description: "WHO UV index category: 0 low, 1 moderate, 2 high, 3 very high, 4 extreme",
  reads: ["illuminance.uv"],
  writes: ["uv_category"],
  compute(input, output, length) {
    const uv = input["illuminance.uv"];
    const out = output.uv_category;
    for (let i = 0; i < length; i++) {
      const index = Math.round(uv[i]);
      // NaN fails every comparison and stays NaN.
      if (index <= 2) out[i] = 0;
      else if (index <= 5) out[i] = 1;
      else if (index <= 7) out[i] = 2;
      else if (index <= 10) out[i] = 3;
      else if (index >= 11) out[i] = 4;
    }
  },
});

/**
 * `ir_fraction`, 0 to 1: infrared irradiance over the sum of the infrared, red, green and blue
 * bands. NaN where a band is missing or all four are 0 (darkness has no fraction).
 *
 * @example
 * // ir 40, red 20, green 20, blue 20 (W/m2) -> ir_fraction 0.4
 */
export const irFraction = defineFact({
  name: "ir-fraction",
  description: "infrared share of the infrared + red + green + blue irradiance",
  reads: ["illuminance.ir", "illuminance.red", "illuminance.green", "illuminance.blue"],
  writes: ["ir_fraction"],
  compute(input, output, length) {
    const ir = input["illuminance.ir"];
    const red = input["illuminance.red"];
    const green = input["illuminance.green"];
    const blue = input["illuminance.blue"];
    const out = output.ir_fraction;
    for (let i = 0; i < length; i++) {
      const total = ir[i] + red[i] + green[i] + blue[i];
      if (total > 0) out[i] = ir[i] / total;
    }
  },
});
