// The rules this server decides with, swapped atomically by PUT /v1/rules: a new operator session
// (plugins and rules loaded, validated and compiled) is made first; only when it loads does it
// replace the current one, between two batches of one (so a batch finishes with the rules it
// started with). Posted rule files are written to a directory of this server's own and loaded
// as files, exactly as `meterflow run --rules` loads them.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { OperationSession } from "../operations/index.js";
import { loadDecisionSetup } from "../runtime/decision-setup.js";
import type { DecisionSetup } from "../runtime/decision-setup.js";
import type { PartitionedStore } from "../store/contract.js";

export interface ActiveRules {
  session: OperationSession;
  /** The decider and plugins of the same rules, for dry runs and the plugin list (loaded when first asked for). */
  setup?: Promise<DecisionSetup>;
  config: string | undefined;
  /** The rule files (undefined: the defaults). */
  paths: string[] | undefined;
  /** Where posted files were written (removed when replaced). */
  dir?: string;
  /** Whether this server made the session (and so closes it when replaced). */
  owned: boolean;
}

export function initialRules(session: OperationSession, config: string | undefined, paths: string[] | undefined): ActiveRules {
  return { session, paths, config, owned: false };
}

/** The decider and plugins of `rules`. */
export function setupOf(rules: ActiveRules): Promise<DecisionSetup> {
  rules.setup ??= loadDecisionSetup({ config: rules.config, rules: rules.paths });
  return rules.setup;
}

/** Loads posted rule files; rejects (RulesInvalidError, ...) with nothing swapped when they do not load. */
export async function loadPostedRules(store: PartitionedStore, config: string | undefined, files: ReadonlyArray<{ name: string; content: unknown }>): Promise<ActiveRules> {
  const dir = mkdtempSync(join(tmpdir(), "meterflow-api-rules-"));
  try {
    const paths = files.map((f) => {
      const path = join(dir, f.name.endsWith(".json") ? f.name : `${f.name}.json`);
      writeFileSync(path, `${JSON.stringify(f.content, null, 2)}\n`);
      return path;
    });
    const session = await OperationSession.open({ db: store, config, rules: paths });
    const active: ActiveRules = { session, paths, config, dir, owned: true };
    await setupOf(active);
    return active;
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw withPostedNames(error, dir);
  }
}

/**
 * What a person should be told about `rules`, as `meterflow run` says it on stderr before it starts
 * (the linter's findings, no hold rules, the default rules replaced): posted files by the names
 * they were posted with.
 */
export async function rulesWarnings(rules: ActiveRules): Promise<string[]> {
  const warnings = (await setupOf(rules)).rules.warnings();
  const prefix = rules.dir === undefined ? undefined : join(rules.dir, "/");
  return prefix === undefined ? warnings : warnings.map((w) => w.replaceAll(prefix, ""));
}

/** A posted file's path as the name it was posted with (other paths as they are). */
export function postedName(rules: ActiveRules, path: string): string {
  const prefix = rules.dir === undefined ? undefined : join(rules.dir, "/");
  return prefix !== undefined && path.startsWith(prefix) ? path.slice(prefix.length) : path;
}

/** The error with the posted files named as posted, not by where this server wrote them (its message and issues). */
function withPostedNames(error: unknown, dir: string): unknown {
  if (!(error instanceof Error)) return error;
  const prefix = join(dir, "/");
  error.message = error.message.replaceAll(prefix, "");
  const issues = (error as { issues?: unknown }).issues;
  if (Array.isArray(issues)) for (const issue of issues as Array<{ file?: unknown }>) if (typeof issue.file === "string") issue.file = issue.file.replaceAll(prefix, "");
  return error;
}

/** Lets go of rules no longer active. */
export async function retire(rules: ActiveRules): Promise<void> {
  if (rules.owned) await rules.session.close();
  if (rules.setup !== undefined) await (await rules.setup).plugins.teardown();
  if (rules.dir !== undefined) rmSync(rules.dir, { recursive: true, force: true });
}
