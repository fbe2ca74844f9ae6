// Why a held reading cannot be released, in words an operator can act on. A release re-judges the
// reading as a batch of one with the rules' holds lifted; these holds are not the rules': the
// reading has no place in the chain (a conflict, a pulse count before a first reading whose
// count an older meterflow did not keep),
// or not yet (its meter is not in the registry or its type in no loaded plugin, it lies before the
// baseline its meter's chain starts from). A conflict never changes and is refused before anything
// is decided; the others are judged again, so a release after the registry was fixed goes through.

/** Hold reasons no release lifts, and what to do instead. */
export const UNRELEASABLE: Readonly<Record<string, string>> = {
  conflict: "another value for that day is in the chain (send a correction of that reading instead)",
  back_dated_pulses: "a pulse count before its meter's first reading (its baseline, billed nothing), whose count a meterflow older than this did not keep: that reading would then owe a count that is not known",
  unknown_meter: "its meter is not in the registry (import it, then release)",
  unknown_meter_type: "its meter's registered type is one no loaded plugin defines (load the plugin that defines it, or import the meter with a type that is defined, then release)",
  before_baseline: "it lies before the baseline its meter's chain starts from (a registry baseline counts only while the meter has no readings)",
};

/** The holds that no registry change lifts: refused before the reading is judged again. */
export const NEVER_RELEASABLE: ReadonlySet<string> = new Set(["conflict"]);

/**
 * Whether `reasons` (`|`-separated) hold a reading for what no release lifts, or not yet: a
 * release judged anew (decide/rejudge.ts) held for one of these is refused, nothing changed, its
 * held record kept for a release once the registry (or the chain) allows it.
 */
export function unreleasable(reasons: string): boolean {
  return reasons.split("|").some((r) => Object.hasOwn(UNRELEASABLE, r));
}

/** The holds among `reasons` no release lifts, each with what to do instead. */
export function explained(reasons: readonly string[]): string {
  return reasons.map((r) => `${r}: ${UNRELEASABLE[r]}`).join("; ");
}

/** Why a re-judged reading would be held again, `|`-separated reasons explained where they can be. */
export function heldAgain(reasons: string): string {
  const known = reasons.split("|").filter((r) => r in UNRELEASABLE);
  return known.length > 0 ? explained(known) : `it would be held again: ${reasons}`;
}
