// Growable typed-array columns the generator appends pulse events and line samples to: no
// object per event, capacity doubles when full.

/** Pulse events of a channel, in time order. */
export interface PulseEvents {
  /** Leading edge, ms since epoch (UTC), whole milliseconds. */
  readonly t: Float64Array;
  /** On-time (contact closed / NAMUR high), whole milliseconds. */
  readonly onMs: Float64Array;
  /** 1: the direction input was reversed for this pulse. */
  readonly reverse: Uint8Array;
}

/** Line samples of a channel, in time order; NaN = the channel does not carry that column. */
export interface LineSamples {
  /** Sample time, ms since epoch (UTC), whole milliseconds. */
  readonly t: Float64Array;
  /** NAMUR loop current, mA. */
  readonly loopMa: Float64Array;
  /** Tamper loop of a reed sensor: 0 closed, 1 open. */
  readonly tamper: Float64Array;
  /** Magnetic field, mT. */
  readonly magnetMt: Float64Array;
}

function grown<T extends Float64Array | Uint32Array | Uint8Array>(a: T, capacity: number): T {
  const b = new (a.constructor as new (n: number) => T)(capacity);
  b.set(a);
  return b;
}

/** Pulse events being written, with the interval column a fleet fills. */
export class EventWriter {
  length = 0;
  interval: Uint32Array;
  t: Float64Array;
  onMs: Float64Array;
  reverse: Uint8Array;

  constructor(capacity = 1024) {
    const n = Math.max(16, Math.ceil(capacity));
    this.interval = new Uint32Array(n);
    this.t = new Float64Array(n);
    this.onMs = new Float64Array(n);
    this.reverse = new Uint8Array(n);
  }

  push(t: number, onMs: number, reverse: number): void {
    if (this.length === this.t.length) this.#grow();
    const i = this.length++;
    this.t[i] = t;
    this.onMs[i] = onMs;
    this.reverse[i] = reverse;
  }

  /** Removes events [from, length) and returns copies of them, to be written back changed. */
  take(from: number): PulseEvents {
    const out = {
      t: this.t.slice(from, this.length),
      onMs: this.onMs.slice(from, this.length),
      reverse: this.reverse.slice(from, this.length),
    };
    this.length = from;
    return out;
  }

  /** Copies of events [from, length). */
  copy(from: number): PulseEvents {
    return { t: this.t.slice(from, this.length), onMs: this.onMs.slice(from, this.length), reverse: this.reverse.slice(from, this.length) };
  }

  #grow(): void {
    const n = this.t.length * 2;
    this.interval = grown(this.interval, n);
    this.t = grown(this.t, n);
    this.onMs = grown(this.onMs, n);
    this.reverse = grown(this.reverse, n);
  }
}

/** Line samples being written, with the interval column a fleet fills. */
export class SampleWriter {
  length = 0;
  interval: Uint32Array;
  t: Float64Array;
  loopMa: Float64Array;
  tamper: Float64Array;
  magnetMt: Float64Array;

  constructor(capacity = 1024) {
    const n = Math.max(16, Math.ceil(capacity));
    this.interval = new Uint32Array(n);
    this.t = new Float64Array(n);
    this.loopMa = new Float64Array(n);
    this.tamper = new Float64Array(n);
    this.magnetMt = new Float64Array(n);
  }

  push(t: number, loopMa: number, tamper: number, magnetMt: number): void {
    if (this.length === this.t.length) this.#grow();
    const i = this.length++;
    this.t[i] = t;
    this.loopMa[i] = loopMa;
    this.tamper[i] = tamper;
    this.magnetMt[i] = magnetMt;
  }

  /** Copies of samples [from, length). */
  copy(from: number): LineSamples {
    const end = this.length;
    return {
      t: this.t.slice(from, end),
      loopMa: this.loopMa.slice(from, end),
      tamper: this.tamper.slice(from, end),
      magnetMt: this.magnetMt.slice(from, end),
    };
  }

  #grow(): void {
    const n = this.t.length * 2;
    this.interval = grown(this.interval, n);
    this.t = grown(this.t, n);
    this.loopMa = grown(this.loopMa, n);
    this.tamper = grown(this.tamper, n);
    this.magnetMt = grown(this.magnetMt, n);
  }
}
