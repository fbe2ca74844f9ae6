// Comparing kernel outputs bit for bit.

/**
 * The first row where two output columns differ, or -1. NaN matches NaN whatever its payload:
 * IEEE 754 leaves NaN payloads and signs unspecified and WebAssembly makes them
 * nondeterministic, so only "is NaN" is a result. Every other value must match in every bit,
 * -0 against 0 included.
 */
export function firstDifference(a: ArrayLike<number>, b: ArrayLike<number>, float: boolean): number {
  for (let i = 0; i < a.length; i++) {
    const x = a[i];
    const y = b[i];
    if (Object.is(x, y)) continue;
    if (float && Number.isNaN(x) && Number.isNaN(y)) continue;
    return i;
  }
  return -1;
}

/**
 * Runs every implementation, then fails at the first output of any that differs from
 * "reference" (naming the implementation, column, row and that row's inputs). Returns the
 * reference's outputs.
 */
export function expectAgreement<O extends string>(
  implementations: readonly string[],
  compute: (implementation: string) => Record<O, ArrayLike<number>>,
  outputs: readonly O[],
  inputAt: (row: number) => unknown,
): Record<O, ArrayLike<number>> {
  const results = implementations.map((impl) => ({ impl, out: compute(impl) }));
  const reference = results.find((r) => r.impl === "reference");
  if (reference === undefined) throw new Error("no reference implementation to compare with");
  for (const { impl, out } of results) {
    for (const name of outputs) {
      const row = firstDifference(out[name], reference.out[name], out[name] instanceof Float64Array);
      if (row < 0) continue;
      throw new Error(`${impl} differs from reference in ${name} at row ${row}: ` +
        `${out[name][row]} vs ${reference.out[name][row]}; input ${JSON.stringify(inputAt(row))}`);
    }
  }
  return reference.out;
}
