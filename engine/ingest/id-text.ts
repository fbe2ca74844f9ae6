// A meter id must be text: bytes that are not UTF-8 (or U+FFFD, what a decoder makes of them)
// name no meter. Decoded leniently, two different byte strings read as the same id ("\uFFFD")
// and one meter's reading passed as a duplicate of another's (the input audit); such a row is
// rejected `bad_meter_id`, in every format.

const strict = new TextDecoder("utf-8", { fatal: true });

/** Whether `buf[start, end)` is UTF-8 text without U+FFFD (ASCII checked byte by byte, the rest decoded strictly). */
export function idBytesOk(buf: Uint8Array, start: number, end: number): boolean {
  let i = start;
  while (i < end && buf[i] < 0x80) i++;
  if (i === end) return true;
  try {
    return !strict.decode(buf.subarray(start, end)).includes("\uFFFD");
  } catch {
    return false;
  }
}

/**
 * Whether a decoded id holds no U+FFFD (the mark of bytes that were not UTF-8) and no lone
 * surrogate (JSON's `"\ud800"`: no text in UTF-8, every one of them written as U+FFFD, so
 * `"A\ud800"` and `"A\udbff"` named one meter; input audit).
 */
export function idTextOk(text: string): boolean {
  return !text.includes("\uFFFD") && !LONE_SURROGATE.test(text);
}

/** A surrogate not in a pair (with the u flag, a pair is one code point, not two surrogates). */
const LONE_SURROGATE = /\p{Cs}/u;
