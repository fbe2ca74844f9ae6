// json-rules-engine's small rules the compiler and the Engine share: how it parses a priority,
// shapes an event, groups by priority, clones rule JSON and templates a condition's results.
import type { AnnotatedCondition, ConditionProperties, RuleEvent, RuleProperties } from "./types.js";

/** `Object.hasOwn`, as json-rules-engine tests facts and condition keys. */
export const hasOwn = (o: object, k: string): boolean => Object.prototype.hasOwnProperty.call(o, k);

/** json-rules-engine's `Rule` priority: `parseInt(priority || 1)`, refusing <= 0. */
export function rulePriority(rule: RuleProperties): number {
  return parseInt(String((rule.priority as unknown) || 1), 10);
}

/** json-rules-engine's rule event: `{type}` plus `params` only when truthy. */
export function ruleEvent(event: RuleEvent): RuleEvent {
  return event.params ? { type: event.type, params: event.params } : { type: event.type };
}

/** Groups items by priority and orders the groups highest first, as json-rules-engine does. */
export function prioritize<T>(items: readonly T[], priorityOf: (item: T) => unknown): T[][] {
  const sets: Record<string, T[]> = {};
  for (const item of items) {
    const key = String(priorityOf(item));
    (sets[key] ??= []).push(item);
  }
  return Object.keys(sets).sort((a, b) => (Number(a) > Number(b) ? -1 : 1)).map((k) => sets[k]);
}

/** Deep copy of plain objects and arrays (json-rules-engine clones conditions and events per run). */
export function cloneJson<T>(value: T): T {
  if (Array.isArray(value)) return value.map(cloneJson) as T;
  if (value !== null && typeof value === "object" && Object.getPrototypeOf(value) === Object.prototype) {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(value)) out[k] = cloneJson((value as Record<string, unknown>)[k]);
    return out as T;
  }
  return value;
}

/** Which boolean key a condition has, if any (json-rules-engine checks any, all, not in that order). */
export function booleanKey(c: object): "any" | "all" | "not" | undefined {
  return hasOwn(c, "any") ? "any" : hasOwn(c, "all") ? "all" : hasOwn(c, "not") ? "not" : undefined;
}

/** The own properties json-rules-engine's `Condition` instance carries before evaluation. */
export function conditionTemplate(c: ConditionProperties): AnnotatedCondition {
  const out = cloneJson(c) as unknown as AnnotatedCondition;
  const key = booleanKey(c);
  if (key === undefined) return out;
  const kids = (c as any)[key];
  out.operator = key;
  out.priority = parseInt((c as any).priority, 10) || 1;
  out[key] = key === "not" ? conditionTemplate(kids) : kids.map(conditionTemplate);
  return out;
}
