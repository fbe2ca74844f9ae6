// A held reading's pulse columns (contract.ts HeldPulse) as both stores keep them: one JSON text
// per held record, `{"pulse_debounced":8,"pulse_min_on_ms":5}`, NULL for a reading without any
// (a register reading, or one held before the stores kept them: released on its value alone).
import type { HeldPulse } from "./contract.js";

/** The stored text of a held record's pulse columns: null when it has none. */
export function encodeHeldPulse(pulse: HeldPulse | undefined): string | null {
  return pulse === undefined ? null : JSON.stringify(pulse);
}

/** A held record's `pulse` field from its stored text: absent for NULL. */
export function heldPulseField(text: string | null | undefined): { pulse?: HeldPulse } {
  return text === null || text === undefined ? {} : { pulse: JSON.parse(text) as HeldPulse };
}
