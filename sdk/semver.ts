// Semantic versions and ranges, as npm's `semver` package reads them (without its `loose` and
// `includePrerelease` options), so a plugin's `sdk` and `dependencies` ranges mean here what they
// mean in its package.json. No dependencies: the SDK has none.
//
// Versions: `MAJOR.MINOR.PATCH`, an optional `-prerelease` (dot-separated identifiers: numbers
// without leading zeros, or [0-9A-Za-z-]) and `+build` (ignored in comparisons); a leading `v`
// is allowed, as npm allows it; no surrounding whitespace.
// Ranges: comparators `=`, `<`, `<=`, `>`, `>=`, `~` (`~>`), `^`, wildcards `x`, `X`, `*` and
// missing parts (`1.x`, `1.2.*`, `1`, `*`, ``), joined by spaces (all must hold) and `||` (any
// set may hold); hyphen ranges `1.0.0 - 2.0.0`. An operator may be followed by spaces (`>= 1.2`).
// A number after a wildcard (`1.x.3`, `*.1`) is refused in a plain comparator, as npm 7 does.
// Each comparator is desugared into plain ones exactly as npm does (`^1.2.3` is
// `>=1.2.3 <2.0.0-0`, `<=1.2` is `<1.3.0-0`, `~1.2` is `>=1.2.0 <1.3.0-0`, `>1` is `>=2.0.0`).
// A prerelease version satisfies a comparator set only if the set holds every comparator and one
// of them names a prerelease of the same MAJOR.MINOR.PATCH: `1.2.3-beta.2` satisfies
// `>=1.2.3-beta.1` but not `>=1.2.0` or `*`.

interface Version {
  readonly major: number;
  readonly minor: number;
  readonly patch: number;
  readonly prerelease: readonly (string | number)[];
}

type Operator = "<" | "<=" | ">" | ">=" | "=";

interface Comparator {
  readonly operator: Operator;
  readonly version: Version;
}

/** A set of comparators that must all hold; an empty set holds for every release. */
type ComparatorSet = readonly Comparator[];

const NUMERIC = "0|[1-9]\\d*";
const PRE_ID = "(?:0|[1-9]\\d*|\\d*[A-Za-z-][0-9A-Za-z-]*)";
const PRERELEASE = `(?:-(${PRE_ID}(?:\\.${PRE_ID})*))`;
const BUILD = "(?:\\+[0-9A-Za-z-]+(?:\\.[0-9A-Za-z-]+)*)";
const VERSION_RE = new RegExp(`^v?(${NUMERIC})\\.(${NUMERIC})\\.(${NUMERIC})${PRERELEASE}?${BUILD}?$`);
const PART = `(${NUMERIC}|[xX*])`;
const PARTIAL_RE = new RegExp(`^v?${PART}(?:\\.${PART}(?:\\.${PART}${PRERELEASE}?${BUILD}?)?)?$`);
const TOKEN_RE = /^(~>|~|\^|>=|<=|>|<|=)?(.*)$/;
const HYPHEN_RE = /^(\S+)\s+-\s+(\S+)$/;
const MAX_LENGTH = 256;

/** `<0.0.0-0`: no version is below it, so a set holding it matches nothing. */
const NOTHING: Comparator = { operator: "<", version: { major: 0, minor: 0, patch: 0, prerelease: [0] } };

/**
 * Whether `v` is a semantic version (`1.2.3`, `1.2.3-rc.1`, `1.2.3+build.5`, `v1.2.3`).
 *
 * @example
 * isVersion("1.0.0");   // true
 * isVersion("1.0");     // false
 */
export function isVersion(v: unknown): v is string {
  return typeof v === "string" && parseVersion(v) !== undefined;
}

/**
 * Whether `range` is a semver range npm would accept (`^1.0.0`, `>=1.2 <2 || 3.x`, `1 - 2`, `*`).
 * The empty string is a range (any release), as in npm.
 *
 * @example
 * isRange("^1.0.0");    // true
 * isRange("blerg");     // false
 */
export function isRange(range: unknown): range is string {
  return typeof range === "string" && parseRange(range) !== undefined;
}

/**
 * Whether `version` satisfies `range`, with npm's rules. An invalid version or range satisfies
 * nothing.
 *
 * @example
 * satisfies("1.4.2", "^1.2.0");        // true
 * satisfies("2.0.0-rc.1", "^1.2.0");   // false: a prerelease matches only a range naming one of its x.y.z
 */
export function satisfies(version: string, range: string): boolean {
  if (typeof version !== "string" || typeof range !== "string") return false;
  const v = parseVersion(version);
  const sets = parseRange(range);
  if (v === undefined || sets === undefined) return false;
  return sets.some((set) => testSet(set, v));
}

function parseVersion(text: string): Version | undefined {
  if (text.length > MAX_LENGTH) return undefined;
  const m = VERSION_RE.exec(text);
  if (m === null) return undefined;
  const [major, minor, patch] = [m[1], m[2], m[3]].map(Number) as [number, number, number];
  if (![major, minor, patch].every(Number.isSafeInteger)) return undefined;
  const prerelease = parsePrerelease(m[4]);
  return prerelease === undefined ? undefined : { major, minor, patch, prerelease };
}

function parsePrerelease(text: string | undefined): (string | number)[] | undefined {
  if (text === undefined) return [];
  const ids: (string | number)[] = [];
  for (const id of text.split(".")) {
    if (/^\d+$/.test(id)) {
      const n = Number(id);
      if (!Number.isSafeInteger(n)) return undefined;
      ids.push(n);
    } else ids.push(id);
  }
  return ids;
}

/** The range as sets of comparators (any set may hold), or undefined when it is not a range. */
function parseRange(range: string): ComparatorSet[] | undefined {
  if (range.length > MAX_LENGTH) return undefined;
  const sets: ComparatorSet[] = [];
  for (const part of range.split("||")) {
    const set = parseSet(part.trim());
    if (set === undefined) return undefined;
    sets.push(set);
  }
  return sets;
}

function parseSet(text: string): ComparatorSet | undefined {
  const hyphen = HYPHEN_RE.exec(text);
  if (hyphen !== null) return hyphenRange(hyphen[1] as string, hyphen[2] as string);
  // `>= 1.2.3` -> `>=1.2.3`, `~> 1` -> `~>1`: an operator binds to the version after it.
  const compact = text.replace(/(~>|~|\^|>=|<=|>|<|=)\s+/g, "$1");
  const set: Comparator[] = [];
  for (const token of compact.split(/\s+/)) {
    if (token === "") continue;
    const comparators = parseToken(token);
    if (comparators === undefined) return undefined;
    set.push(...comparators);
  }
  return set;
}

/** A version with wildcards: `undefined` where a part is `x`, `*` or missing. */
interface Partial {
  readonly major: number | undefined;
  readonly minor: number | undefined;
  readonly patch: number | undefined;
  readonly prerelease: readonly (string | number)[];
  /** A number follows a wildcard (`1.x.3`): npm refuses that in a plain comparator only. */
  readonly misordered: boolean;
}

function parsePartial(text: string): Partial | undefined {
  const m = PARTIAL_RE.exec(text);
  if (m === null) return undefined;
  const part = (s: string | undefined): number | undefined | null => {
    if (s === undefined || s === "x" || s === "X" || s === "*") return undefined;
    const n = Number(s);
    return Number.isSafeInteger(n) ? n : null;
  };
  const major = part(m[1]);
  // A part after a wildcard is a wildcard too (`1.x.3` is `1.x`).
  const minor = major === undefined ? undefined : part(m[2]);
  const patch = minor === undefined ? undefined : part(m[3]);
  if (major === null || minor === null || patch === null) return undefined;
  const prerelease = patch === undefined ? [] : parsePrerelease(m[4]);
  const wild = (s: string | undefined) => s === "x" || s === "X" || s === "*";
  const misordered = (wild(m[1]) && !wild(m[2]) && m[2] !== undefined) || (wild(m[1]) || wild(m[2])) && !wild(m[3]) && m[3] !== undefined;
  return prerelease === undefined ? undefined : { major, minor, patch, prerelease, misordered };
}

function v(major: number, minor: number, patch: number, prerelease: readonly (string | number)[] = []): Version {
  return { major, minor, patch, prerelease };
}

const c = (operator: Operator, version: Version): Comparator => ({ operator, version });

/** `<M.m.p-0`: below every release and prerelease of M.m.p. */
const below = (major: number, minor: number, patch: number): Comparator => c("<", v(major, minor, patch, [0]));

function parseToken(token: string): Comparator[] | undefined {
  const [, op = "", rest = ""] = TOKEN_RE.exec(token) as RegExpExecArray;
  const p = parsePartial(rest);
  if (p === undefined) return undefined;
  if (op === "^") return caret(p);
  if (op === "~" || op === "~>") return tilde(p);
  return p.misordered ? undefined : xRange(op as Operator | "", p);
}

function caret({ major: M, minor: m, patch: p, prerelease: pr }: Partial): Comparator[] {
  if (M === undefined) return [];
  if (m === undefined) return [c(">=", v(M, 0, 0)), below(M + 1, 0, 0)];
  if (p === undefined) return [c(">=", v(M, m, 0)), M === 0 ? below(0, m + 1, 0) : below(M + 1, 0, 0)];
  const from = c(">=", v(M, m, p, pr));
  if (M !== 0) return [from, below(M + 1, 0, 0)];
  if (m !== 0) return [from, below(0, m + 1, 0)];
  return [from, below(0, 0, p + 1)];
}

function tilde({ major: M, minor: m, patch: p, prerelease: pr }: Partial): Comparator[] {
  if (M === undefined) return [];
  if (m === undefined) return [c(">=", v(M, 0, 0)), below(M + 1, 0, 0)];
  return [c(">=", v(M, m, p ?? 0, p === undefined ? [] : pr)), below(M, m + 1, 0)];
}

function xRange(op: Operator | "", { major: M, minor: m, patch: p, prerelease: pr }: Partial): Comparator[] {
  if (M === undefined) return op === "<" || op === ">" ? [NOTHING] : [];
  if (m !== undefined && p !== undefined) return [c(op === "" ? "=" : op, v(M, m, p, pr))];
  // A wildcard in minor or patch.
  if (op === "" || op === "=") {
    return m === undefined ? [c(">=", v(M, 0, 0)), below(M + 1, 0, 0)] : [c(">=", v(M, m, 0)), below(M, m + 1, 0)];
  }
  if (op === ">") return [m === undefined ? c(">=", v(M + 1, 0, 0)) : c(">=", v(M, m + 1, 0))];
  if (op === ">=") return [c(">=", v(M, m ?? 0, 0))];
  if (op === "<=") return [m === undefined ? below(M + 1, 0, 0) : below(M, m + 1, 0)];
  return [below(M, m ?? 0, 0)];
}

function hyphenRange(fromText: string, toText: string): Comparator[] | undefined {
  const from = parsePartial(fromText);
  const to = parsePartial(toText);
  if (from === undefined || to === undefined) return undefined;
  const set: Comparator[] = [];
  if (from.major !== undefined) set.push(c(">=", v(from.major, from.minor ?? 0, from.patch ?? 0, from.prerelease)));
  if (to.major !== undefined) {
    if (to.minor === undefined) set.push(below(to.major + 1, 0, 0));
    else if (to.patch === undefined) set.push(below(to.major, to.minor + 1, 0));
    else set.push(c("<=", v(to.major, to.minor, to.patch, to.prerelease)));
  }
  return set;
}

function testSet(set: ComparatorSet, version: Version): boolean {
  for (const comparator of set) if (!test(comparator, version)) return false;
  if (version.prerelease.length === 0) return true;
  // A prerelease is allowed only by a comparator naming a prerelease of the same x.y.z.
  return set.some(
    ({ version: a }) =>
      a.prerelease.length > 0 && a.major === version.major && a.minor === version.minor && a.patch === version.patch,
  );
}

function test({ operator, version: limit }: Comparator, version: Version): boolean {
  const order = compare(version, limit);
  switch (operator) {
    case "<": return order < 0;
    case "<=": return order <= 0;
    case ">": return order > 0;
    case ">=": return order >= 0;
    case "=": return order === 0;
  }
}

function compare(a: Version, b: Version): number {
  return (
    Math.sign(a.major - b.major) ||
    Math.sign(a.minor - b.minor) ||
    Math.sign(a.patch - b.patch) ||
    comparePrerelease(a.prerelease, b.prerelease)
  );
}

function comparePrerelease(a: readonly (string | number)[], b: readonly (string | number)[]): number {
  // A release is above its prereleases.
  if (a.length === 0 || b.length === 0) return a.length === b.length ? 0 : a.length === 0 ? 1 : -1;
  for (let i = 0; ; i++) {
    const x = a[i];
    const y = b[i];
    if (x === undefined || y === undefined) return x === y ? 0 : x === undefined ? -1 : 1;
    if (x === y) continue;
    // Numeric identifiers sort below alphanumeric ones.
    if (typeof x === "number" && typeof y === "number") return x < y ? -1 : 1;
    if (typeof x === "number") return -1;
    if (typeof y === "number") return 1;
    return x < y ? -1 : 1;
  }
}
