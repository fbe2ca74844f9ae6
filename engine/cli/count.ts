// Counts as people read them: digits grouped by commas ("1,234,567"), as toLocaleString("en")
// writes whole numbers, without its first call's ICU set-up (25 ms here: a twentieth of a
// 10-reading run, paid by every command that prints a count).

/** `n` with its digits grouped by commas; what `n.toLocaleString("en")` gives. */
export function count(n: number): string {
  if (!Number.isSafeInteger(n) || Object.is(n, -0)) return n.toLocaleString("en");
  const digits = String(Math.abs(n));
  let out = digits.slice(0, digits.length % 3 || 3);
  for (let i = out.length; i < digits.length; i += 3) out += `,${digits.slice(i, i + 3)}`;
  return n < 0 ? `-${out}` : out;
}
