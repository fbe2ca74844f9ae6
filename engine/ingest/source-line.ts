// A row's source line when the rows of several input files are routed together (a decoding
// thread given several files: ingest/worker.ts): the row's `line` column holds its file's index
// times FILE_LINES plus its line in that file, so one number keeps both, rows keep their order
// across files (a meter's readings of one day are taken in file order, then line order:
// decide/group.ts sorts by end, then line) and the first file's lines are the lines themselves.
// A file of 2^32 lines or more would be several hundred GB.

/** Lines per file in a `line` that names its file. */
export const FILE_LINES = 2 ** 32;

/** The index of the file (in the order given) a row's `line` names. */
export function fileOfLine(line: number): number {
  return Math.floor(line / FILE_LINES);
}

/** The line within its file of a row's `line`. */
export function lineInFile(line: number): number {
  return line % FILE_LINES;
}

/** Marks a decoded batch's rows as file `file`'s (file 0 keeps its lines as they are). */
export function markFile(line: Float64Array, length: number, file: number): void {
  if (file === 0) return;
  const base = file * FILE_LINES;
  for (let row = 0; row < length; row++) line[row] += base;
}
