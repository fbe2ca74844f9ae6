// Decisions by rules: the compiled rule set evaluated on each reading's facts. Events decide:
// `hold` (reason) and `temp_bad` (reason; the meter stays flagged until cleared) keep a reading
// from billing, `alert` (severity, channel, message) goes to alerts.csv. A rule that throws on a
// reading holds that reading with reason `rule_error:<rule>`; it never fails the batch.
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { MeterflowError } from "../errors.js";
import { compileRules } from "../rules/compile.js";
import type { CompiledRule } from "../rules/compile.js";
import { FACTS } from "../rules/facts.js";
import type { ReadingFacts } from "../rules/facts.js";
import { compileFast } from "../rules/fast.js";
import { loadRuleFiles } from "../rules/load/index.js";
import type { RuleSet } from "../rules/load/index.js";
import { rulesVersion } from "../rules/load/index.js";
import type { ConditionProperties, RuleProperties } from "../rules/types.js";
import { packageRoot } from "../wasm/paths.js";

/** The default rule files shipped with meterflow. */
export function defaultRuleFiles(): string[] {
  const dir = join(packageRoot(), "engine", "rules", "default");
  return readdirSync(dir).filter((f) => f.endsWith(".json")).sort().map((f) => join(dir, f));
}

/** An alert a rule raised for a reading. */
export interface Alert {
  rule: string;
  severity: string;
  channel: string;
  message: string;
}

/** What the rules decided for one reading. */
export interface RuleDecision {
  /** `|`-separated hold reasons; "" when billable. */
  reasons: string;
  /** The reason of a temp_bad event, when one fired (the meter gets flagged). */
  tempBad: string | undefined;
  /** Alerts raised (the same array, emptied by the next call). */
  alerts: Alert[];
}


export class RulesDecider {
  readonly version: string;
  readonly files: readonly string[];
  private readonly rules: readonly CompiledRule[];
  /** Per rule: its fast expression (fast.ts) when it has one, else the exact closure. */
  private readonly tests: ReadonlyArray<(facts: ReadingFacts) => boolean>;
  private readonly names: readonly string[];
  private readonly decision: RuleDecision = { reasons: "", tempBad: undefined, alerts: [] };

  private constructor(set: RuleSet) {
    const conditions = new Map<string, ConditionProperties>(set.conditions.map((c) => [c.name, c.conditions as ConditionProperties]));
    const compiled = compileRules(set.rules.map((r) => r.rule as RuleProperties), { conditions });
    const fallbacks = compiled.rules.filter((r) => r.kind === "fallback");
    if (fallbacks.length > 0) {
      throw new MeterflowError("MF_ERR_RULES_NOT_COMPILABLE", `rules the pipeline cannot compile: ${compiled.warnings.join("; ")}`);
    }
    // Higher priority first, as json-rules-engine orders its events; all rules are evaluated.
    this.rules = (compiled.rules as CompiledRule[]).slice().sort((a, b) => b.priority - a.priority);
    this.names = this.rules.map((r) => String(r.name));
    const known = new Set(Object.keys(FACTS));
    this.tests = this.rules.map((r) => compileFast(r.rule, conditions, known) ?? r.evaluate);
    this.version = rulesVersion(set);
    this.files = set.files;
  }

  /** Loads, validates and compiles rule files (the default rules when none are given). */
  static async load(paths: readonly string[] = defaultRuleFiles()): Promise<RulesDecider> {
    return new RulesDecider(await loadRuleFiles([...paths]));
  }

  /** Evaluates every rule on `facts`. The returned object is reused by the next call. */
  decide(facts: ReadingFacts): RuleDecision {
    let reasons = "";
    const alerts = this.decision.alerts;
    alerts.length = 0;
    let tempBad: string | undefined;
    const rules = this.rules;
    const tests = this.tests;
    for (let i = 0; i < rules.length; i++) {
      let fired: boolean;
      try {
        fired = tests[i](facts);
      } catch {
        reasons = join2(reasons, `rule_error:${this.names[i]}`);
        continue;
      }
      if (!fired) continue;
      const { type, params } = rules[i].event;
      const reason = typeof params?.reason === "string" ? params.reason : this.names[i];
      if (type === "hold") reasons = join2(reasons, reason);
      else if (type === "temp_bad") {
        tempBad ??= reason;
        reasons = join2(reasons, `temp_bad:${reason}`);
      } else if (type === "alert") {
        alerts.push({ rule: this.names[i], severity: String(params?.severity ?? "warning"), channel: String(params?.channel ?? ""), message: String(params?.message ?? "") });
      }
    }
    this.decision.reasons = reasons;
    this.decision.tempBad = tempBad;
    return this.decision;
  }
}

function join2(list: string, item: string): string {
  if (list === "") return item;
  return `|${list}|`.includes(`|${item}|`) ? list : `${list}|${item}`;
}
