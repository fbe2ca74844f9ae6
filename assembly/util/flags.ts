// Reading flag bits written by the kernels. They mirror engine/flags/flags.ts bit for bit;
// tests/assembly/flags.test.ts reads these exported globals and compares.

export const FLAG_INITIAL: u32 = 1 << 0;
export const FLAG_OVERRIDE: u32 = 1 << 1;
export const FLAG_ROLLOVER: u32 = 1 << 2;
export const FLAG_ROLLOVER_INFERRED: u32 = 1 << 3;
export const FLAG_IMPLAUSIBLE_ROLLOVER: u32 = 1 << 4;
export const FLAG_ZERO: u32 = 1 << 5;

/** `rollover_mode` codes of the register column. */
export const MODE_DOCUMENTED: u8 = 0;
export const MODE_MODULUS: u8 = 1;

/** Status codes returned by every kernel. */
export const STATUS_OK: i32 = 0;
export const STATUS_BAD_LENGTH: i32 = 1;
export const STATUS_OUT_OF_BOUNDS: i32 = 2;
/** Pulse events not sorted by interval, then time (assembly/pulse-events.ts). */
export const STATUS_UNSORTED: i32 = 3;
