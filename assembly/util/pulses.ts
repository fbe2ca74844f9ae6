// Pulse fault bits written by assembly/pulses.ts. They mirror engine/flags/flags.ts bit for bit
// (FLAG.open_circuit ... FLAG.backflow); tests/engine/pulses/faults.test.ts checks every bit
// through the kernel's output against the engine's names.

export const FLAG_OPEN_CIRCUIT: u32 = 1 << 8;
export const FLAG_SHORT_CIRCUIT: u32 = 1 << 9;
export const FLAG_MAGNETIC: u32 = 1 << 10;
export const FLAG_BOUNCE: u32 = 1 << 11;
export const FLAG_LEAK: u32 = 1 << 12;
export const FLAG_NO_CONSUMPTION: u32 = 1 << 13;
export const FLAG_BACKFLOW: u32 = 1 << 14;

/** Minutes in the 24 hours a leak slot is looked for in. */
export const DAY_MINUTES: f64 = 1440;
