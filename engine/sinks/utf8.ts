// A string's UTF-8 bytes written into a byte array at an offset, without a Buffer or an array per
// call for the common case: ids and names that are ASCII are copied code by code.

/**
 * Writes `text` as UTF-8 into `out` at `at` (room for `text.length * 3` bytes there, the most
 * UTF-8 takes per UTF-16 unit); returns the offset after it.
 */
export function writeUtf8(text: string, out: Uint8Array, at: number): number {
  const n = text.length;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0x80) return at + Buffer.from(out.buffer, out.byteOffset, out.length).write(text, at, "utf8");
    out[at + i] = c;
  }
  return at + n;
}
