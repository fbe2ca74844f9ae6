// Reading flags: bit values and their names.
export { FLAG, flagMask, flagNames } from "./flags.js";
export type { FlagName } from "./flags.js";
