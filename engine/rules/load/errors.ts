// Errors of loading rule files: a file that cannot be read, is not JSON, does not validate, or
// whose rules the compiler refused. Tests and callers match on `code` (and a validation issue's
// `reason`), never on message text.
import { MeterflowError } from "../../errors.js";
import type { RuleIssue, RuleIssueCode } from "./types.js";

/** Codes of the errors of this folder. */
export type RulesErrorCode =
  | "MF_ERR_RULES_READ"
  | "MF_ERR_RULES_PARSE"
  | "MF_ERR_RULES_INVALID"
  | "MF_ERR_RULES_UNKNOWN_FACT"
  | "MF_ERR_RULES_UNKNOWN_OPERATOR"
  | "MF_ERR_RULES_UNKNOWN_EVENT"
  | "MF_ERR_RULES_COMPILE";

/** How many issues an error message lists before "and N more". */
const MESSAGE_ISSUES = 5;

/** A rule file is missing or unreadable (`MF_ERR_RULES_READ`); `file` names it. */
export class RulesReadError extends MeterflowError {
  override name = "RulesReadError";
  declare readonly code: "MF_ERR_RULES_READ";
  readonly file: string;

  constructor(file: string, cause: unknown) {
    const why = cause instanceof Error ? cause.message : String(cause);
    super("MF_ERR_RULES_READ", `cannot read rule file ${file}: ${why}`, { cause });
    this.file = file;
  }
}

/** A rule file is not JSON (`MF_ERR_RULES_PARSE`): `line` and `column` are 1-based. */
export class RulesParseError extends MeterflowError {
  override name = "RulesParseError";
  declare readonly code: "MF_ERR_RULES_PARSE";
  readonly file: string;
  readonly line: number;
  readonly column: number;

  constructor(file: string, line: number, column: number, cause: unknown) {
    const why = cause instanceof Error ? cause.message : String(cause);
    super("MF_ERR_RULES_PARSE", `rule file ${file}:${line}:${column} is not valid JSON: ${why}`, { cause });
    this.file = file;
    this.line = line;
    this.column = column;
  }
}

/**
 * Rule files parsed but do not validate. `issues` holds every problem of every file, each with
 * its code, file, rule, JSON path and reason; the message lists the first few. The error's code
 * is the issues' code when they all have one (`MF_ERR_RULES_UNKNOWN_FACT`,
 * `MF_ERR_RULES_UNKNOWN_OPERATOR`), else `MF_ERR_RULES_INVALID` (each issue line then names its
 * own code when it is a specific one).
 */
export class RulesInvalidError extends MeterflowError {
  override name = "RulesInvalidError";
  declare readonly code: RuleIssueCode;
  readonly issues: readonly RuleIssue[];

  constructor(issues: readonly RuleIssue[]) {
    const codes = new Set(issues.map((i) => i.code));
    const code: RuleIssueCode = codes.size === 1 ? [...codes][0] : "MF_ERR_RULES_INVALID";
    const shown = issues.slice(0, MESSAGE_ISSUES).map((i) => formatIssue(i, code));
    // One issue on the first line; several each on a line of its own (the CLI indents them).
    const more = issues.length > MESSAGE_ISSUES ? [`and ${issues.length - MESSAGE_ISSUES} more`] : [];
    super(code, issues.length === 1 ? `invalid rules, 1 error: ${shown[0]}` : [`invalid rules, ${issues.length} errors`, ...shown, ...more].join("\n"));
    this.issues = issues;
  }
}

/** The compile function refused a rule set on reload (`MF_ERR_RULES_COMPILE`); `cause` is its error. */
export class RulesCompileError extends MeterflowError {
  override name = "RulesCompileError";
  declare readonly code: "MF_ERR_RULES_COMPILE";
  readonly files: readonly string[];

  constructor(files: readonly string[], cause: unknown) {
    const why = cause instanceof Error ? cause.message : String(cause);
    super("MF_ERR_RULES_COMPILE", `cannot compile rules from ${files.join(", ") || "(no files)"}: ${why}`, { cause });
    this.files = files;
  }
}

/**
 * One issue as a line: `file path: message (rule "name")`, then ` [code]` when the issue has a
 * specific code other than `shownCode` (the code the caller prints anyway).
 */
export function formatIssue(issue: RuleIssue, shownCode: string = "MF_ERR_RULES_INVALID"): string {
  const at = issue.path === "" ? issue.file : `${issue.file} ${issue.path}`;
  const rule = issue.rule === null ? "" : typeof issue.rule === "string" ? ` (rule "${issue.rule}")` : ` (rule #${issue.rule})`;
  const code = issue.code === "MF_ERR_RULES_INVALID" || issue.code === shownCode ? "" : ` [${issue.code}]`;
  return `${at}: ${issue.message}${rule}${code}`;
}
