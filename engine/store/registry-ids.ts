// The meter ids of a registry BLOB as bytes, without a string per meter: where each id's UTF-8
// bytes lie in the BLOB. For the decoding thread, which matches the readings' ids (bytes too)
// against a bucket's registry to find each meter's slot (runtime/registry-slots.ts). The BLOB
// format is bucket-registry-blob.ts's (version 1); a BLOB of another version, or whose ids are
// not all ASCII (their lengths count UTF-16 code units, not bytes), gives undefined: the caller
// then resolves that bucket's meters by their string ids.
import { isAscii } from "node:buffer";

/** Version of the registry BLOBs this reader understands (bucket-registry-blob.ts REGISTRY_FORMAT). */
const FORMAT = 1;
/** Bytes per value of the 16 BLOB columns, in BLOB order; column 10 holds the id lengths. */
const WIDTHS = [8, 8, 8, 8, 8, 8, 8, 8, 4, 4, 4, 4, 4, 1, 1, 1];
const ID_LENGTHS = 10;

/** A bucket's ids as bytes: id `slot` is `bytes[ends[slot - 1] (0 for slot 0), ends[slot])`. */
export interface RegistryIds {
  size: number;
  bytes: Uint8Array;
  ends: Int32Array;
}

/** The ids of a registry BLOB as bytes (views of `blob`), or undefined (see the top of the file). */
export function registryIds(blob: Uint8Array): RegistryIds | undefined {
  if (blob.length < 8 || blob[0] !== FORMAT) return undefined;
  const view = new DataView(blob.buffer, blob.byteOffset, blob.byteLength);
  const mask = view.getUint16(2, true);
  const n = view.getUint32(4, true);
  let at = 8;
  let lengthsAt = 0;
  for (let k = 0; k < WIDTHS.length; k++) {
    if (k === ID_LENGTHS) lengthsAt = at;
    at += ((mask >> k) & 1 ? 1 : n) * WIDTHS[k];
  }
  const words = view.getUint32(at, true);
  const text = at + 4 + 4 * words;
  const ends = new Int32Array(n);
  const constant = ((mask >> ID_LENGTHS) & 1) === 1;
  let end = 0;
  for (let i = 0; i < n; i++) {
    end += view.getUint32(constant ? lengthsAt : lengthsAt + 4 * i, true);
    ends[i] = end;
  }
  if (text + end > blob.length) return undefined;
  const bytes = blob.subarray(text, text + end);
  return isAscii(bytes) ? { size: n, bytes, ends } : undefined;
}
