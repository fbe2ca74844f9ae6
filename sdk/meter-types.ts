// Meter types a plugin contributes: what a registry row's `type` names (`water.pulse`,
// `electricity.register`), with the unit and the defaults a registry row leaves empty.

/** Pulse input types (README "Pulse meters"): S0 class A / B, NAMUR, reed with tamper loop. */
export type PulseInput = "s0a" | "s0b" | "namur" | "reed";

/** Rollover modes of a register (README "Register consumption"). */
export type RolloverMode = "documented" | "modulus";

/** What every meter type has. */
interface MeterTypeBase {
  /** `<medium>.<kind>` by convention, e.g. `gas.register`; unique across all plugins. */
  readonly name: string;
  /** Unit of consumption, e.g. `kWh`, `m3`, `l`, `MWh`. */
  readonly unit: string;
  /** One sentence for people. */
  readonly description: string;
}

/** A register meter: consumption is the difference of register values. */
export interface RegisterMeterType extends MeterTypeBase {
  readonly kind: "register";
  readonly defaults?: {
    /** Multiplies the register difference (default 1). */
    readonly scalingFactor?: number;
    /** Dial count, 1 to 22. */
    readonly digits?: number;
    readonly rolloverMode?: RolloverMode;
  };
}

/** A pulse meter: consumption is the debounced pulse count times the pulse weight. */
export interface PulseMeterType extends MeterTypeBase {
  readonly kind: "pulse";
  readonly defaults: {
    /** Units per pulse, > 0. */
    readonly pulseWeight: number;
    /** Default `s0a`. */
    readonly pulseInput?: PulseInput;
    /** Replaces the input type's debounce time, ms. */
    readonly debounceMs?: number;
    /** Nominal pulse width, ms. */
    readonly pulseWidthMs?: number;
    /** Maximum flow, units per hour. */
    readonly qmax?: number;
    /** Days without pulses that raise `no_consumption`. */
    readonly noPulseDays?: number;
  };
}

/** A meter type. */
export type MeterTypeDefinition = RegisterMeterType | PulseMeterType;
