// Dense local numbers for the values a batch names (working-set keys, meter indices), in order
// of first appearance: what a slice is keyed by when it is cut out of a run or sent to another
// thread. A typed scratch indexed by value, reused and cleared after each call: no Map per row.

/** Per value: its local number + 1 while a call runs (0: not seen). Reused across calls. */
let localOf = new Int32Array(1024);

/**
 * `local[row]` is the local number of `values[row]` (-1 where it is negative); `order[l]` is the
 * value numbered l. Values must be below `bound`.
 */
export function renumber(values: Int32Array, n: number, bound: number): { local: Int32Array; order: Int32Array } {
  if (localOf.length < bound) localOf = new Int32Array(Math.max(bound, localOf.length * 2));
  const order: number[] = [];
  const local = new Int32Array(n);
  for (let row = 0; row < n; row++) {
    const v = values[row];
    if (v < 0) {
      local[row] = -1;
      continue;
    }
    let l = localOf[v] - 1;
    if (l < 0) {
      l = order.length;
      localOf[v] = l + 1;
      order.push(v);
    }
    local[row] = l;
  }
  for (const v of order) localOf[v] = 0;
  return { local, order: Int32Array.from(order) };
}
