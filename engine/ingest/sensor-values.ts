// Sensor channel values of a batch (README "Sensor channels"): the channels plugins define
// arrive as wide columns named after the channel or as rows `meter_id,end,channel,value`; both
// decode into this long list, one entry per value, pointing at its batch row. A row that carries
// only channel values (no register value) is a sensor row: accounted, checked, never billed.

/** A batch's channel values, `length` valid. */
export interface SensorValues {
  length: number;
  /** The batch row the value came with. */
  readonly row: Int32Array;
  /** Channel index in the run's channel list (ReadReadingsOptions.channels). */
  readonly channel: Uint16Array;
  /** The row's `end` as an instant, ms since epoch UTC (a date alone: its midnight). */
  readonly time: Float64Array;
  readonly value: Float64Array;
}

/** A growable SensorValues. */
export class SensorValueList implements SensorValues {
  length = 0;
  row: Int32Array;
  channel: Uint16Array;
  time: Float64Array;
  value: Float64Array;

  /** `capacity`: values expected (e.g. the previous batch's count); it grows when exceeded. */
  constructor(capacity = 256) {
    const n = Math.max(256, capacity);
    this.row = new Int32Array(n);
    this.channel = new Uint16Array(n);
    this.time = new Float64Array(n);
    this.value = new Float64Array(n);
  }

  push(row: number, channel: number, time: number, value: number): void {
    if (this.length === this.row.length) this.#grow();
    const i = this.length++;
    this.row[i] = row;
    this.channel[i] = channel;
    this.time[i] = time;
    this.value[i] = value;
  }

  /** Views of the values so far. */
  view(): SensorValues {
    const n = this.length;
    return { length: n, row: this.row.subarray(0, n), channel: this.channel.subarray(0, n), time: this.time.subarray(0, n), value: this.value.subarray(0, n) };
  }

  #grow(): void {
    const n = this.row.length * 2;
    const grow = <T extends Int32Array | Uint16Array | Float64Array>(a: T): T => {
      const b = new (a.constructor as new (n: number) => T)(n);
      b.set(a);
      return b;
    };
    this.row = grow(this.row);
    this.channel = grow(this.channel);
    this.time = grow(this.time);
    this.value = grow(this.value);
  }
}

/** Sensor values by batch row: row r's are `order[first[r] .. first[r + 1])`, in their order. */
export function valuesByRow(s: SensorValues, rows: number): { first: Int32Array; order: Int32Array } {
  const first = new Int32Array(rows + 1);
  for (let k = 0; k < s.length; k++) first[s.row[k] + 1]++;
  for (let r = 0; r < rows; r++) first[r + 1] += first[r];
  const next = first.slice(0, rows);
  const order = new Int32Array(s.length);
  for (let k = 0; k < s.length; k++) order[next[s.row[k]]++] = k;
  return { first, order };
}
