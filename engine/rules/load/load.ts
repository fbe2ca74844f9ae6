// loadRuleFiles: reads rule files, parses them (a syntax error names file, line and column) and
// validates them together, so that names and condition references are checked across files.
import { readFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { InvalidOptionError } from "../../errors.js";
import { RulesInvalidError, RulesParseError, RulesReadError } from "./errors.js";
import { jsonErrorPosition } from "./json-position.js";
import { validateRuleFiles } from "./validate.js";
import type { ParsedRuleFile } from "./validate.js";
import type { LoadRulesOptions, RuleSet } from "./types.js";

/**
 * Reads, parses and validates rule files into one RuleSet.
 *
 * Rejects with RulesReadError (`MF_ERR_RULES_READ`) for the first file, in the given order, that
 * cannot be read; RulesParseError (`MF_ERR_RULES_PARSE`) for the first that is not JSON; and
 * RulesInvalidError (`MF_ERR_RULES_INVALID`) listing every validation issue of every file.
 *
 * @example
 * const ruleSet = await loadRuleFiles(["rules/temp-bad.json", "rules/eligibility.json"]);
 */
export async function loadRuleFiles(paths: readonly string[], options: LoadRulesOptions = {}): Promise<RuleSet> {
  const customOperators = checkOptions(paths, options);
  const texts = await Promise.allSettled(paths.map((path) => readFile(path, "utf8")));
  const parsed: ParsedRuleFile[] = [];
  for (const [i, file] of paths.entries()) {
    const text = texts[i];
    if (text.status === "rejected") throw new RulesReadError(file, text.reason);
    parsed.push({ file, json: parseRuleFile(file, text.value) });
  }
  for (const file of options.inline ?? []) parsed.push({ file: file.file, json: file.json, ...(file.plugin === undefined ? {} : { plugin: file.plugin }) });
  const result = validateRuleFiles(parsed, customOperators, options.facts === undefined ? undefined : new Set(options.facts));
  if (!result.ok) throw new RulesInvalidError(result.issues);
  return result.ruleSet;
}

/** loadRuleFiles, synchronously (for tests and the SDK's test engine): the same errors, thrown. */
export function loadRuleFilesSync(paths: readonly string[], options: LoadRulesOptions = {}): RuleSet {
  const customOperators = checkOptions(paths, options);
  const parsed: ParsedRuleFile[] = [];
  for (const file of paths) {
    let text: string;
    try {
      text = readFileSync(file, "utf8");
    } catch (error) {
      throw new RulesReadError(file, error);
    }
    parsed.push({ file, json: parseRuleFile(file, text) });
  }
  for (const file of options.inline ?? []) parsed.push({ file: file.file, json: file.json, ...(file.plugin === undefined ? {} : { plugin: file.plugin }) });
  const result = validateRuleFiles(parsed, customOperators, options.facts === undefined ? undefined : new Set(options.facts));
  if (!result.ok) throw new RulesInvalidError(result.issues);
  return result.ruleSet;
}

/** Parses one file's text (a leading byte order mark is allowed); throws RulesParseError. */
export function parseRuleFile(file: string, text: string): unknown {
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  try {
    return JSON.parse(body);
  } catch (error) {
    const { line, column } = jsonErrorPosition(body);
    throw new RulesParseError(file, line, column, error);
  }
}

function checkOptions(paths: readonly string[], options: LoadRulesOptions): ReadonlySet<string> {
  if (!Array.isArray(paths) || !paths.every((p) => typeof p === "string")) {
    throw new InvalidOptionError("paths", "an array of file paths", paths);
  }
  const custom = options.customOperators ?? [];
  if (!Array.isArray(custom) || !custom.every((op) => typeof op === "string" && op !== "")) {
    throw new InvalidOptionError("customOperators", "an array of operator names", custom);
  }
  return new Set(custom);
}
