// Decisions by rules: the compiled rule set evaluated on each reading's facts. Events decide:
// `hold` (reason) and `temp_bad` (reason; the meter stays flagged until cleared) keep a reading
// from billing, `alert` (severity, channel, message) goes to alerts.csv. A rule that throws on a
// reading holds that reading with reason `rule_error:<rule>`; it never fails the batch.
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { MeterflowError } from "../errors.js";
import { compileColumnar } from "../rules/columnar.js";
import type { ColumnarRule, FactColumn } from "../rules/columnar.js";
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
  /** Per rule, its columnar evaluator, when every rule has one (columnar.ts). */
  readonly columnar: readonly ColumnarRule[] | undefined;
  /** The facts the rules name (columns are built for these only). */
  readonly uses: ReadonlySet<string>;
  private masks: Uint8Array[] = [];
  private readonly names: readonly string[];
  private readonly decision: RuleDecision = { reasons: "", tempBad: undefined, alerts: [] };

  private constructor(set: RuleSet, extraFacts: readonly string[] = []) {
    const conditions = new Map<string, ConditionProperties>(set.conditions.map((c) => [c.name, c.conditions as ConditionProperties]));
    const compiled = compileRules(set.rules.map((r) => r.rule as RuleProperties), { conditions });
    const fallbacks = compiled.rules.filter((r) => r.kind === "fallback");
    if (fallbacks.length > 0) {
      throw new MeterflowError("MF_ERR_RULES_NOT_COMPILABLE", `rules the pipeline cannot compile: ${compiled.warnings.join("; ")}`);
    }
    // Higher priority first, as json-rules-engine orders its events; all rules are evaluated.
    this.rules = (compiled.rules as CompiledRule[]).slice().sort((a, b) => b.priority - a.priority);
    this.names = this.rules.map((r) => String(r.name));
    const known = new Set([...Object.keys(FACTS), ...extraFacts]);
    this.tests = this.rules.map((r) => compileFast(r.rule, conditions, known) ?? r.evaluate);
    // Columnar evaluation when every rule allows it (at most 32 rules: one bit each per row).
    const kinds = Object.fromEntries(Object.entries(FACTS).filter(([, f]) => f.type !== "string").map(([name, f]) => [name, f.type])) as Record<string, "number" | "boolean">;
    for (const name of extraFacts) kinds[name] = "number";
    const columnar = this.rules.map((r) => compileColumnar(r.rule, conditions, kinds));
    this.columnar = this.rules.length <= 32 && columnar.every((c) => c !== undefined) ? (columnar as ColumnarRule[]) : undefined;
    const used = new Set<string>();
    const walk = (c: unknown): void => {
      if (c === null || typeof c !== "object") return;
      const o = c as Record<string, unknown>;
      if (typeof o.fact === "string") used.add(o.fact);
      for (const v of Object.values(o)) if (v !== null && typeof v === "object") walk(v);
    };
    for (const r of set.rules) walk(r.rule.conditions);
    for (const c of set.conditions) walk(c.conditions);
    this.uses = used;
    this.version = rulesVersion(set);
    this.files = set.files;
  }

  /**
   * Loads, validates and compiles rule files (the default rules when none are given), with the
   * plugins' rule files (`inline`) and the number facts plugins add (channels, derived facts).
   */
  static async load(paths: readonly string[] = defaultRuleFiles(), plugins: { inline?: ReadonlyArray<{ file: string; json: unknown }>; facts?: readonly string[] } = {}): Promise<RulesDecider> {
    return new RulesDecider(await loadRuleFiles([...paths], { inline: plugins.inline }), plugins.facts);
  }

  /** Evaluates every rule on `facts`. The returned object is reused by the next call. */
  decide(facts: ReadingFacts): RuleDecision {
    this.begin();
    const tests = this.tests;
    for (let i = 0; i < tests.length; i++) {
      let fired: boolean;
      try {
        fired = tests[i](facts);
      } catch {
        this.decision.reasons = join2(this.decision.reasons, `rule_error:${this.names[i]}`);
        continue;
      }
      if (fired) this.apply(i);
    }
    return this.decision;
  }

  /**
   * Evaluates every rule for rows [0, n) of `columns` at once (only when `columnar` is set, so at
   * most 32 rules): sets per row the bits of the rules that fire, bit i for the i-th rule.
   */
  evaluateColumns(columns: Readonly<Record<string, FactColumn>>, n: number, fired: Uint32Array): void {
    const rules = this.columnar!;
    fired.fill(0, 0, n);
    for (let r = 0; r < rules.length; r++) {
      const mask = (this.masks[r] = this.masks[r]?.length >= n ? this.masks[r] : new Uint8Array(Math.max(n, 1024)));
      rules[r](columns, n, mask);
      const bit = (1 << r) >>> 0;
      for (let i = 0; i < n; i++) if (mask[i] !== 0) fired[i] |= bit;
    }
  }

  /** The decision of a row whose fired rules are known (bits from evaluateColumns). Reused object. */
  decideFired(fired: number): RuleDecision {
    this.begin();
    for (let i = 0; fired !== 0; i++, fired >>>= 1) if ((fired & 1) !== 0) this.apply(i);
    return this.decision;
  }

  private begin(): void {
    this.decision.reasons = "";
    this.decision.tempBad = undefined;
    this.decision.alerts.length = 0;
  }

  /** Applies the event of rule `i`, which fired. */
  private apply(i: number): void {
    const d = this.decision;
    const { type, params } = this.rules[i].event;
    const reason = typeof params?.reason === "string" ? params.reason : this.names[i];
    if (type === "hold") d.reasons = join2(d.reasons, reason);
    else if (type === "temp_bad") {
      d.tempBad ??= reason;
      d.reasons = join2(d.reasons, `temp_bad:${reason}`);
    } else if (type === "alert") {
      d.alerts.push({ rule: this.names[i], severity: String(params?.severity ?? "warning"), channel: String(params?.channel ?? ""), message: String(params?.message ?? "") });
    }
  }
}

function join2(list: string, item: string): string {
  if (list === "") return item;
  return `|${list}|`.includes(`|${item}|`) ? list : `${list}|${item}`;
}
