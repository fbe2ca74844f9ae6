// The built-in plugins: every meter and sensor type meterflow knows, each written against sdk/
// alone. BUILTIN_PLUGINS lists them in registration order (dependencies before dependents).
import type { PluginDescriptor } from "../sdk/index.js";
import airQuality from "./air-quality/index.js";
import coldChain from "./cold-chain/index.js";
import electricity from "./electricity/index.js";
import environment from "./environment/index.js";
import fuel from "./fuel/index.js";
import gas from "./gas/index.js";
import heat from "./heat/index.js";
import light from "./light/index.js";
import noise from "./noise/index.js";
import power from "./power/index.js";
import radiation from "./radiation/index.js";
import water from "./water/index.js";
import waterNetwork from "./water-network/index.js";

/**
 * Every built-in plugin, dependencies before dependents (cold-chain after environment). The
 * engine loads all but the opt-in profiles (cold-chain) by default.
 */
export const BUILTIN_PLUGINS: readonly PluginDescriptor[] = Object.freeze([
  electricity,
  gas,
  water,
  heat,
  fuel,
  environment,
  light,
  airQuality,
  radiation,
  noise,
  power,
  waterNetwork,
  coldChain,
]);

export { airQuality, coldChain, electricity, environment, fuel, gas, heat, light, noise, power, radiation, water, waterNetwork };
