// The rules holder: the compiled rules in use now, and a reload that loads, validates and
// compiles new files before swapping them in with one assignment. A failed reload rejects and
// leaves the rules in use untouched; reloads run one after another, in the order requested.
import { RulesCompileError } from "./errors.js";
import { loadRuleFiles } from "./load.js";
import { rulesVersion } from "./version.js";
import type { LoadRulesOptions, RuleSet } from "./types.js";

/** One consistent generation of rules: the set, its version and what it compiled to. */
export interface RulesSnapshot<T> {
  readonly ruleSet: RuleSet;
  readonly version: string;
  readonly compiled: T;
}

/** Holds the current rules; see createRulesHolder. */
export interface RulesHolder<T> {
  /** The snapshot in use now. Read it once per batch so a batch sees one generation. */
  current(): RulesSnapshot<T>;
  /**
   * Loads, validates and compiles `paths`, then swaps. Rejects with the loader's error
   * (`MF_ERR_RULES_READ`, `_PARSE`, `_INVALID`) or RulesCompileError (`MF_ERR_RULES_COMPILE`)
   * and keeps the current snapshot.
   */
  reload(paths: readonly string[]): Promise<RulesSnapshot<T>>;
}

/**
 * Creates a holder from an already loaded rule set. `compile` is called on the initial set now
 * (a RulesCompileError is thrown if it fails) and on every reloaded set.
 *
 * @example
 * const holder = createRulesHolder(await loadRuleFiles(paths), compileRules);
 * await holder.reload(paths); // on SIGHUP
 * const { compiled, version } = holder.current();
 */
export function createRulesHolder<T>(
  initial: RuleSet,
  compile: (ruleSet: RuleSet) => T,
  options: LoadRulesOptions = {},
): RulesHolder<T> {
  const build = (ruleSet: RuleSet): RulesSnapshot<T> => {
    let compiled: T;
    try {
      compiled = compile(ruleSet);
    } catch (error) {
      throw new RulesCompileError(ruleSet.files, error);
    }
    return Object.freeze({ ruleSet, version: rulesVersion(ruleSet), compiled });
  };
  let snapshot = build(initial);
  let queue: Promise<unknown> = Promise.resolve();

  const reloadNow = async (paths: readonly string[]): Promise<RulesSnapshot<T>> => {
    const next = build(await loadRuleFiles(paths, options));
    snapshot = next;
    return next;
  };

  return {
    current: () => snapshot,
    reload(paths) {
      const result = queue.then(() => reloadNow(paths));
      queue = result.catch(() => undefined);
      return result;
    },
  };
}
