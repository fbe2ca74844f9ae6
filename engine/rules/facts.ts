// The facts a rule can name for one reading, derived from the one list in the SDK
// (sdk/reading-facts.ts): the reading's fields, its meter's, what the consumption kernel
// computed, the meter's history statistics and the operator's flag. Every fact is present for
// every reading (never "undefined fact"); absent values are null.
import { READING_FACTS } from "../../sdk/reading-facts.js";
import type { ReadingFactOrigin, ReadingFactType } from "../../sdk/reading-facts.js";

/**
 * Factors of the history validation (the default rules' spike-high and drop-low): a period whose
 * daily use exceeds 5x the meter's own average, or falls below a twentieth of it (and is not
 * zero, which has rules of its own), is held for a look, once the meter has 10 billed readings.
 * Daily reads are noisy (a weekend, a holiday), so the factors are wide: what they catch is a
 * bill that would be wrong by an order of magnitude. Rules compare against the derived facts
 * average_daily_high and average_daily_low, because rule JSON cannot multiply.
 */
export const SPIKE_FACTORS = Object.freeze({ high: 5, low: 0.05 } as const);

/** A fact's type, as the rule lint checks it. */
export type FactType = ReadingFactType;

/** A fact: its type, where it comes from, and what it means (the README's facts table is this list). */
export interface FactSpec {
  type: FactType;
  origin: ReadingFactOrigin;
  nullable: boolean;
  description: string;
}

/** Every fact of a reading, by name: the SDK's READING_FACTS (the one list) keyed by name. */
export const FACTS: Readonly<Record<string, FactSpec>> = Object.freeze(Object.fromEntries(
  READING_FACTS.map(({ name, type, origin, nullable, description }) => [name, Object.freeze({ type, origin, nullable, description })]),
));

/** The facts that are the kernel's flags (FLAG bits of the same name), in list order. */
export const FLAG_FACTS: readonly string[] = Object.freeze(READING_FACTS.filter((f) => f.origin === "flag").map((f) => f.name));

/** Fact types by name, as the rule lint takes them. */
export function factTypes(): Record<string, FactType> {
  return Object.fromEntries(Object.entries(FACTS).map(([name, spec]) => [name, spec.type]));
}

/** The facts of one reading, all present. */
export type ReadingFacts = Record<string, string | number | boolean | null>;

const PLACEHOLDER: Record<FactType, string | number | boolean> = { number: 0.5, string: "", boolean: false };

/**
 * A facts object with every fact of the list, in its order, at a placeholder of its type (null
 * for the facts that can be absent). Numbers start as non-integer numbers: a field that only
 * ever holds numbers keeps them unboxed, where one that held null would allocate a box for every
 * number the pipeline writes into it, for every reading.
 */
export function createFacts(): ReadingFacts {
  const facts: ReadingFacts = {};
  for (const f of READING_FACTS) facts[f.name] = f.nullable ? null : PLACEHOLDER[f.type];
  return facts;
}
