// The command line before and after node:util's parseArgs: a negative number given to an option
// (`--batch-size -5`) is that option's value, not an option of its own; an option that takes one
// value given twice is a mistake, not the last one winning; parseArgs' own errors are said as one
// of ours (one line, balanced quotes, the command named) with exit status 2.
import { parseArgs } from "node:util";
import type { ParseArgsConfig } from "node:util";
import { parseTimeZone } from "../time/zone.js";
import { count } from "./count.js";
import { UsageError } from "./errors.js";

/** `--name -5` becomes `--name=-5`, so the option's own check says what is wrong with -5. */
export function joinNegativeValues(argv: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const next = argv[i + 1];
    if (arg === "--") return [...out, ...argv.slice(i)];
    if (/^--[^=]+$/.test(arg) && next !== undefined && /^-\d/.test(next)) {
      out.push(`${arg}=${next}`);
      i++;
    } else out.push(arg);
  }
  return out;
}

/**
 * parseArgs, except that an option taking one value (not `multiple`) given more than once is a
 * UsageError naming it and the options that may repeat: `run --meters a.csv --meters b.csv`
 * imported b.csv alone and held a.csv's meters' readings `unknown_meter`.
 * @example const { values } = parseOptions({ args: argv, options: { db: { type: "string" } } });
 */
export function parseOptions<T extends ParseArgsConfig>(config: T): ReturnType<typeof parseArgs<T>> {
  const { tokens, ...parsed } = parseArgs({ ...config, tokens: true });
  const options = config.options ?? {};
  const first = new Map<string, string>();
  for (const token of tokens ?? []) {
    if (token.kind !== "option" || token.value === undefined || options[token.name]?.multiple === true) continue;
    const earlier = first.get(token.name);
    if (earlier === undefined) {
      first.set(token.name, token.value);
      continue;
    }
    const repeatable = Object.keys(options).filter((name) => options[name].multiple === true).map((name) => `--${name}`);
    const may = repeatable.length === 0 ? "no option of this command may be repeated"
      : `only ${repeatable.join(repeatable.length === 2 ? " and " : ", ")} may be repeated`;
    throw new UsageError(`--${token.name} was given twice (${earlier}, then ${token.value}): it takes one value; ${may}`);
  }
  return parsed as unknown as ReturnType<typeof parseArgs<T>>;
}

/** parseArgs' error for `command` as a UsageError; any other error as it is. */
export function usageOf(error: unknown, command: string): unknown {
  const e = error as Error & { code?: unknown };
  if (!(e instanceof Error) || typeof e.code !== "string" || !e.code.startsWith("ERR_PARSE_ARGS")) return error;
  const quoted = /'([^']*)'/.exec(e.message)?.[1] ?? "";
  const option = quoted.replace(/ <value>$/, "");
  const help = `see meterflow ${command} --help`;
  switch (e.code) {
    case "ERR_PARSE_ARGS_UNKNOWN_OPTION":
      return new UsageError(`unknown option ${option} for meterflow ${command} (${help})`);
    case "ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL":
      return new UsageError(`unexpected argument ${option}: meterflow ${command} takes none (${help})`);
    case "ERR_PARSE_ARGS_INVALID_OPTION_VALUE":
      if (/does not take an argument/.test(e.message)) return new UsageError(`${option} takes no value (${help})`);
      if (/ambiguous/.test(e.message)) return new UsageError(`${option} needs a value; one that starts with a dash is written ${option}=VALUE`);
      return new UsageError(`${option} needs a value (${help})`);
    default:
      return new UsageError(`${firstLine(e.message)} (${help})`);
  }
}

function firstLine(text: string): string {
  return text.split("\n")[0];
}

/** An option's whole-number value from `min` to `max`, or a UsageError naming the option and the range. */
export function integerIn(name: string, text: string, min: number, max: number): number {
  const n = /^-?\d+$/.test(text.trim()) ? Number(text) : Number.NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max) {
    throw new UsageError(`${name} must be an integer from ${min} to ${count(max)}, got ${text}`);
  }
  return n;
}

/** The help text of `--time-zone`, the same on every command that takes it. */
export const TIME_ZONE_HELP = `  --time-zone ZONE    the time zone calendar days are counted in: UTC, an offset such as
                      +01:00, or an IANA name such as Europe/Berlin; fixed when the store
                      is created (default: the store's own, UTC for a new store)`;

/** `--time-zone`'s value as given, checked to name a zone (a UsageError saying what it takes). */
export function timeZoneArg(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  try {
    return parseTimeZone(value).name;
  } catch (error) {
    throw new UsageError(`--time-zone: ${(error as Error).message}`);
  }
}
