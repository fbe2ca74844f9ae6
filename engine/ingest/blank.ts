// Blank text: nothing but spaces, tabs and carriage returns. A meter id that is blank is no meter
// id (`missing_meter_id`), in every format and in the registry; an NDJSON line that is blank is skipped.

/** Whether `buf[start, end)` holds only spaces, tabs and carriage returns (or nothing). */
export function blankBytes(buf: Uint8Array, start: number, end: number): boolean {
  for (let i = start; i < end; i++) {
    const c = buf[i];
    if (c !== 32 && c !== 9 && c !== 13) return false;
  }
  return true;
}

/** Whether `text` holds only spaces, tabs and carriage returns (or nothing). */
export function blankText(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c !== 32 && c !== 9 && c !== 13) return false;
  }
  return true;
}
