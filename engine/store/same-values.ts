// What the BLOB encoders (state, ledger segments) ask of a column: whether its values are all one
// value, before storing it once (NaN counts as equal to NaN, and 0 and -0 as different: a BLOB
// gives back exactly what was stored), and whether a value can be stored as an int32.

type Column = ArrayLike<number>;

/** Whether `v` is a whole number of int32 range that an int32 gives back exactly (not -0). */
export function isWholeInt32(v: number): boolean {
  return (v | 0) === v && !(v === 0 && 1 / v < 0);
}

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
