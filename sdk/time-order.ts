// The order in which a batch's readings are observed by the threshold tracker: per meter, by time.

/**
 * The order to observe a batch in: grouped by meter (in order of first appearance), each meter's
 * readings by time, ties in batch order. A time that is not a number sorts last.
 *
 * @example
 * timeOrder(["a", "b", "a"], [300, 100, 200], 3);   // Uint32Array [2, 0, 1]
 */
export function timeOrder(meterIds: ArrayLike<string>, timeMs: ArrayLike<number>, length: number): Uint32Array {
  const group = new Map<string, number>();
  const groupOf = new Float64Array(length);
  const time = new Float64Array(length);
  const order = new Uint32Array(length);
  for (let i = 0; i < length; i++) {
    const id = meterIds[i] as string;
    let g = group.get(id);
    if (g === undefined) group.set(id, (g = group.size));
    groupOf[i] = g;
    const t = timeMs[i] as number;
    time[i] = Number.isNaN(t) ? Number.POSITIVE_INFINITY : t;
    order[i] = i;
  }
  return order.sort((a, b) => (groupOf[a] as number) - (groupOf[b] as number) || (time[a] as number) - (time[b] as number) || a - b);
}
