// The msgpack extension types meterflow's readers take (msgpackr's table of them is one per
// process): timestamps (-1, 0xff), msgpackr's record definitions (0x72, decoded by msgpackr
// itself) and typed arrays (0x74, columns of a columnar batch). Every other type is a value of
// its own, `UnknownExtension`: a bad value where a number or text belongs, ignored in a field
// nobody reads, and the file goes on. msgpackr gives some types a meaning of its own (0x65 an
// Error, 0x78 a RegExp, 0x73 a Set, 0x69 / 0x70 structured-clone references, 0x62 bundled
// strings, 0x42 a BigInt, 0x00 undefined), several of which read the value after them as their
// payload: a vendor's 0x65 made the next reading vanish, uncounted (input audit).
import { addExtension } from "msgpackr";

/** A msgpack extension value of a type meterflow does not read; its raw text shows the type. */
export class UnknownExtension {
  constructor(readonly type: number) {}
  toJSON(): { msgpack_ext: number } {
    return { msgpack_ext: this.type };
  }
}

/** msgpackr's typed-array codes (its extension 0x74): the first byte of the payload. */
const TYPED: ReadonlyArray<{ new (buffer: ArrayBuffer): ArrayLike<number | bigint>; BYTES_PER_ELEMENT: number }> = [
  Int8Array, Uint8Array, Uint8ClampedArray, Int16Array, Uint16Array, Int32Array, Uint32Array, Float32Array, Float64Array, BigInt64Array, BigUint64Array,
];

/** A typed array (extension 0x74) as msgpackr packs one; any other payload is an UnknownExtension. */
function typedArray(data: Uint8Array): unknown {
  const type = TYPED[data[0]];
  const bytes = data.length - 1;
  if (type === undefined || bytes % type.BYTES_PER_ELEMENT !== 0) return new UnknownExtension(0x74);
  // A copy: aligned for the array, and not a view of the reader's window.
  return new type(Uint8Array.prototype.slice.call(data, 1).buffer);
}

const READ_BY_MSGPACKR = new Set([0x72, 0xff]);
for (let type = 0; type < 256; type++) {
  if (READ_BY_MSGPACKR.has(type)) continue;
  addExtension({ type, unpack: type === 0x74 ? typedArray : () => new UnknownExtension(type) } as never);
}
