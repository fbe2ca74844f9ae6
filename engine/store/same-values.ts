// Whether a column's values are all one value, as the BLOB encoders (state, ledger segments) ask
// before storing a column once: NaN counts as equal to NaN, and 0 and -0 as different (a BLOB
// gives back exactly what was stored).

type Column = ArrayLike<number>;

/** Whether values [from, from + n) of `column` are one value. */
export function sameValues(column: Column, from: number, n: number): boolean {
  const first = column[from];
  if (first !== first) {
    for (let k = from + 1; k < from + n; k++) if (column[k] === column[k]) return false;
    return true;
  }
  for (let k = from + 1; k < from + n; k++) {
    const v = column[k];
    if (v !== first || (v === 0 && 1 / v !== 1 / first)) return false;
  }
  return true;
}
