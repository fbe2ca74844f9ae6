// The columns a RegistryTable is made of: one value for every row until a row differs, then the
// rows' values (a registry's type, unit, factor and most optional fields are the same for a
// whole fleet: a million meters cost one value, not a million).

/** A number column: `constant` for every row while `data` is null. NaN is "not given". */
export class NumberColumn {
  constant: number;
  data: Float64Array | null = null;
  constructor(value: number) {
    this.constant = value;
  }
  get(i: number): number {
    const d = this.data;
    return d === null ? this.constant : d[i];
  }
  /** Sets row `i` (rows are set in order: `i` is the table's length); Object.is keeps -0 apart from 0. */
  set(i: number, v: number, capacity: number): void {
    const d = this.data;
    if (d !== null) d[i] = v;
    else if (i === 0) this.constant = v;
    else if (!Object.is(v, this.constant)) {
      const data = new Float64Array(capacity);
      data.fill(this.constant, 0, i);
      data[i] = v;
      this.data = data;
    }
  }
  grow(capacity: number, length: number): void {
    if (this.data === null) return;
    const data = new Float64Array(capacity);
    data.set(this.data.subarray(0, length));
    this.data = data;
  }
}

/** A text column: `constant` for every row while `data` is null. null is "not given". */
export class TextColumn {
  constant: string | null;
  data: Array<string | null> | null = null;
  constructor(value: string | null) {
    this.constant = value;
  }
  get(i: number): string | null {
    const d = this.data;
    return d === null ? this.constant : d[i];
  }
  set(i: number, v: string | null): void {
    const d = this.data;
    if (d !== null) d.push(v);
    else if (i === 0) this.constant = v;
    else if (v !== this.constant) {
      const data = new Array<string | null>(i).fill(this.constant);
      data.push(v);
      this.data = data;
    }
  }
}
