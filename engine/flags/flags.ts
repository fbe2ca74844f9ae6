// Reading flags: one bit each in the kernels' u32 flags column, one name each in the outputs.
// Bits 0-5 are written by assembly/consumption.ts (assembly/util/flags.ts holds the same values).

/** Flag bits by name. Names are the ones written to billing.csv and held.csv (`flags` column). */
export const FLAG = Object.freeze({
  initial: 1 << 0,
  override: 1 << 1,
  rollover: 1 << 2,
  rollover_inferred: 1 << 3,
  implausible_rollover: 1 << 4,
  zero: 1 << 5,
  correction: 1 << 6,
  open_circuit: 1 << 8,
  short_circuit: 1 << 9,
  magnetic: 1 << 10,
  bounce: 1 << 11,
  leak: 1 << 12,
  no_consumption: 1 << 13,
  backflow: 1 << 14,
} as const);

/** The pulse fault bits (those the pulse kernel raises). */
export const PULSE_FAULTS = FLAG.open_circuit | FLAG.short_circuit | FLAG.magnetic | FLAG.bounce | FLAG.leak | FLAG.no_consumption | FLAG.backflow;

/** A flag's name. */
export type FlagName = keyof typeof FLAG;

const ENTRIES = Object.entries(FLAG) as Array<[FlagName, number]>;

/** The names of the flags set in `mask`, in bit order: `flagNames(5)` is `["initial", "rollover"]`. */
export function flagNames(mask: number): FlagName[] {
  const names: FlagName[] = [];
  for (const [name, bit] of ENTRIES) if ((mask & bit) !== 0) names.push(name);
  return names;
}

/** The mask of the given flag names; throws a TypeError on an unknown name. */
export function flagMask(names: Iterable<string>): number {
  let mask = 0;
  for (const name of names) {
    const bit = (FLAG as Record<string, number>)[name];
    if (bit === undefined) throw new TypeError(`unknown flag "${name}"`);
    mask |= bit;
  }
  return mask;
}
