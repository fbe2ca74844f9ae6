// The deep copy json-rules-engine makes of each rule result's event (its `clone` dependency), so
// results read the same in both engines: objects keep their prototype (a class instance stays
// one), functions and symbols are shared, not refused (structuredClone throws on them), dates,
// regular expressions, maps, sets and typed arrays are copied, and cycles are kept.

/** A deep copy of `value` as json-rules-engine's results hold it. */
export function cloneValue<T>(value: T, seen: Map<object, unknown> = new Map()): T {
  if (value === null || typeof value !== "object") return value;
  const known = seen.get(value);
  if (known !== undefined) return known as T;
  if (value instanceof Date) return new Date(value.getTime()) as T;
  if (value instanceof RegExp) {
    const copy = new RegExp(value.source, value.flags);
    copy.lastIndex = value.lastIndex;
    return copy as T;
  }
  if (ArrayBuffer.isView(value)) return (value as unknown as { slice(): unknown }).slice() as T;
  if (value instanceof Map) {
    const copy = new Map();
    seen.set(value, copy);
    for (const [k, v] of value) copy.set(cloneValue(k, seen), cloneValue(v, seen));
    return copy as T;
  }
  if (value instanceof Set) {
    const copy = new Set();
    seen.set(value, copy);
    for (const v of value) copy.add(cloneValue(v, seen));
    return copy as T;
  }
  const copy = (Array.isArray(value) ? [] : Object.create(Object.getPrototypeOf(value))) as Record<PropertyKey, unknown>;
  seen.set(value, copy);
  const source = value as Record<PropertyKey, unknown>;
  // for...in, as `clone` walks: inherited enumerable properties become own ones of the copy.
  for (const key in source) copy[key] = cloneValue(source[key], seen);
  for (const symbol of Object.getOwnPropertySymbols(source)) {
    if (Object.prototype.propertyIsEnumerable.call(source, symbol)) copy[symbol] = cloneValue(source[symbol], seen);
  }
  return copy as T;
}
