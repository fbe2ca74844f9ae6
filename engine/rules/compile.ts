// Compiles json-rules-engine rule JSON into synchronous closures. A node returns `time * 2 + result`
// where `time` counts the microtask generations json-rules-engine's promise for that condition
// takes to settle: that is what decides which error a run rejects with and the order of events of
// rules with equal priority. No promise and no object per evaluation; results are annotated only
// when the caller passes annotation nodes.
import { RuleConditionNotFoundError, RuleNotCompilableError, RuleUndefinedFactError, RuleUnknownOperatorError } from "./errors.js";
import { operatorParts, resolveOperator } from "./operators.js";
import { parsePath, resolvePath, type CompiledPath } from "./path.js";
import { booleanKey, cloneJson, conditionTemplate, hasOwn, prioritize, rulePriority, ruleEvent } from "./semantics.js";
import type { AnnotatedCondition, ConditionProperties, FactSource, RuleEvent, RuleProperties } from "./types.js";

/** A promise json-rules-engine would reject, with the generation it rejects in. */
export class Rejection {
  constructor(readonly error: Error, readonly time: number) {}
}

/** An error json-rules-engine throws synchronously (a missing condition reference). */
export class SyncThrow {
  constructor(readonly error: Error) {}
}

/** A compiled condition: `time * 2 + (result ? 1 : 0)`; throws Rejection or SyncThrow. */
export type ConditionNode = (facts: FactSource, ann: AnnotatedCondition | undefined) => number;

/** What a rule is compiled against: the engine's conditions, constant facts, operators and options. */
export interface CompileOptions {
  conditions?: ReadonlyMap<string, ConditionProperties>;
  /** Constant facts added to the engine, and their `priority` option. */
  facts?: ReadonlyMap<string, { value: unknown; priority?: number }>;
  /** Operator names added or removed with addOperator/removeOperator (rules using them fall back). */
  customOperators?: ReadonlySet<string>;
  /** Decorator names added or removed (rules using them fall back). */
  customDecorators?: ReadonlySet<string>;
  allowUndefinedFacts?: boolean;
  allowUndefinedConditions?: boolean;
}

/** A compiled rule. `evaluate` throws what json-rules-engine's run() would reject with for this rule alone. */
export interface CompiledRule {
  readonly kind: "compiled";
  readonly rule: RuleProperties;
  readonly name: unknown;
  readonly priority: number;
  readonly event: RuleEvent;
  readonly node: ConditionNode;
  readonly evaluate: (facts: FactSource) => boolean;
  /** A fresh, unevaluated annotation tree shaped like json-rules-engine's RuleResult.conditions. */
  readonly annotation: () => AnnotatedCondition;
}

/** A rule the compiler could not compile; the caller evaluates it with json-rules-engine. */
export interface FallbackRule {
  readonly kind: "fallback";
  readonly rule: RuleProperties;
  readonly name: unknown;
  readonly priority: number;
  readonly reason: string;
}

/** The compiler's output: one entry per rule, in input order, and a warning per fallback rule. */
export interface CompiledRuleSet {
  readonly rules: readonly (CompiledRule | FallbackRule)[];
  readonly warnings: readonly string[];
}

const MISSING: unique symbol = Symbol("missing");

class Compiler {
  private readonly stack: string[] = [];
  constructor(private readonly o: CompileOptions) {}

  private factPriority(c: any): unknown {
    if (booleanKey(c) !== undefined) return parseInt(c.priority, 10) || 1;
    if (c.priority) return c.priority;
    const f = typeof c.fact === "string" ? this.o.facts?.get(c.fact) : undefined;
    return (f && parseInt(String(f.priority || 1), 10)) || 1;
  }

  condition(c: any): ConditionNode {
    if (c === null || typeof c !== "object") throw new RuleNotCompilableError("a condition is not an object");
    if (hasOwn(c, "condition")) return this.reference(c.condition);
    const key = booleanKey(c);
    if (key === undefined) return this.leaf(c);
    const run = this.run(key === "not" ? [c.not] : c[key], key);
    const extra = key === "not" ? 2 : 1;
    const negate = key === "not";
    return (facts, ann) => {
      let v: number;
      try {
        v = run(facts, ann);
      } catch (e) {
        if (e instanceof Rejection) throw new Rejection(e.error, e.time + extra);
        throw e;
      }
      const r = negate ? (v & 1) === 0 : (v & 1) === 1;
      if (ann !== undefined) ann.result = r;
      return ((v >>> 1) + extra) * 2 + (r ? 1 : 0);
    };
  }

  /** The root of a rule: any/all/not are evaluated without the evaluateCondition wrapper. */
  root(c: any): ConditionNode {
    if (c.any) return this.run(c.any, "any");
    if (c.all) return this.run(c.all, "all");
    if (c.not) {
      const run = this.run([c.not], "not");
      return (facts, ann) => {
        let v: number;
        try {
          v = run(facts, ann);
        } catch (e) {
          if (e instanceof Rejection) throw new Rejection(e.error, e.time + 1);
          throw e;
        }
        return ((v >>> 1) + 1) * 2 + (v & 1 ? 0 : 1);
      };
    }
    return this.reference(c.condition);
  }

  private reference(name: unknown): ConditionNode {
    if (typeof name !== "string") throw new RuleNotCompilableError("a condition reference is not a string");
    const target = this.o.conditions?.get(name);
    if (target === undefined) {
      if (this.o.allowUndefinedConditions) {
        return (_facts, ann) => {
          if (ann !== undefined) ann.result = false;
          return 0;
        };
      }
      return () => {
        throw new SyncThrow(new RuleConditionNotFoundError(name));
      };
    }
    if (this.stack.includes(name)) throw new RuleNotCompilableError(`condition "${name}" references itself`);
    this.stack.push(name);
    const node = this.condition(target);
    this.stack.pop();
    const template = conditionTemplate(target);
    return (facts, ann) => {
      if (ann !== undefined) {
        delete ann.condition;
        Object.assign(ann, cloneJson(template));
      }
      return node(facts, ann);
    };
  }

  /** json-rules-engine's prioritizeAndRun: sets in priority order, every member of a set evaluated. */
  private run(children: any[], key: "all" | "any" | "not"): ConditionNode {
    const nodes = children.map((c) => this.condition(c));
    const kid = (ann: AnnotatedCondition | undefined, i: number): AnnotatedCondition | undefined =>
      ann === undefined ? undefined : key === "not" ? (ann.not as AnnotatedCondition) : (ann[key] as AnnotatedCondition[])[i];
    if (nodes.length === 0) return () => 1;
    if (nodes.length === 1) {
      const only = nodes[0];
      return (facts, ann) => only(facts, kid(ann, 0));
    }
    const sets = prioritize(children.map((_, i) => i), (i) => this.factPriority(children[i]));
    const isAll = key === "all";
    return (facts, ann) => {
      let t = 0;
      let res = isAll;
      let err: Error | undefined;
      for (let s = 0; s < sets.length; s++) {
        const j = t + 1;
        if (err !== undefined || res !== isAll) {
          t = j;
          continue;
        }
        const set = sets[s];
        let maxT = 0;
        let minRej = Infinity;
        let rejErr: Error | undefined;
        let acc = isAll;
        let sync: Error | undefined;
        for (let k = 0; k < set.length; k++) {
          const i = set[k];
          try {
            const v = nodes[i](facts, kid(ann, i));
            const ct = v >>> 1;
            if (ct > maxT) maxT = ct;
            acc = isAll ? acc && (v & 1) === 1 : acc || (v & 1) === 1;
          } catch (e) {
            if (e instanceof SyncThrow) {
              sync = e.error;
              break;
            }
            if (!(e instanceof Rejection)) throw e;
            if (e.time < minRej) {
              minRej = e.time;
              rejErr = e.error;
            }
          }
        }
        if (sync !== undefined) {
          err = sync;
          t = j;
        } else if (rejErr !== undefined) {
          err = rejErr;
          t = j + minRej + 3;
        } else {
          res = acc;
          t = j + maxT + 3;
        }
      }
      if (err !== undefined) throw new Rejection(err, t);
      return t * 2 + (res ? 1 : 0);
    };
  }

  private operand(fact: unknown, path: unknown): (facts: FactSource) => unknown {
    if (typeof fact !== "string") throw new RuleNotCompilableError("a fact id is not a string");
    let parsed: CompiledPath | undefined;
    if (path) {
      if (typeof path !== "string" || (parsed = parsePath(path)) === undefined) {
        throw new RuleNotCompilableError(`path ${JSON.stringify(path)} is not compiled`);
      }
    }
    const constant = this.o.facts?.get(fact);
    const hasConstant = constant !== undefined;
    const constValue = constant?.value;
    return (facts) => {
      const v = hasOwn(facts, fact) ? facts[fact] : hasConstant ? constValue : MISSING;
      if (parsed === undefined || v === MISSING) return v;
      return v !== null && typeof v === "object" ? resolvePath(v, parsed) : v;
    };
  }

  private leaf(c: any): ConditionNode {
    const opName = c.operator;
    if (typeof opName !== "string") throw new RuleNotCompilableError("an operator is not a string");
    const segments = opName.split(":");
    for (let i = 0; i < segments.length; i++) {
      if (this.o.customOperators?.has(segments.slice(i).join(":")) || this.o.customDecorators?.has(segments[i])) {
        throw new RuleNotCompilableError(`operator "${opName}" uses a custom operator or decorator`);
      }
    }
    const op = resolveOperator(opName);
    if (op === undefined || operatorParts(opName) === undefined) {
      return () => {
        throw new Rejection(new RuleUnknownOperatorError(opName), 1);
      };
    }
    const lhs = this.operand(c.fact, c.path);
    const lhsId = c.fact as string;
    const lhsPath = Boolean(c.path);
    const value = c.value;
    const isRef = value != null && typeof value === "object" && hasOwn(value, "fact");
    const rhs = isRef ? this.operand(value.fact, value.path) : undefined;
    const rhsId = isRef ? value.fact : "";
    const rhsPath = isRef && Boolean(value.path);
    const constant = isRef ? undefined : cloneJson(value);
    const allowUndefined = this.o.allowUndefinedFacts === true;
    return (facts, ann) => {
      let rt = 0;
      let b: unknown = constant;
      if (rhs !== undefined) {
        b = rhs(facts);
        if (b === MISSING) {
          if (!allowUndefined) throw new Rejection(new RuleUndefinedFactError(rhsId), 3);
          b = undefined;
        } else if (rhsPath) rt = 1;
      }
      let lt = 0;
      let a = lhs(facts);
      if (a === MISSING) {
        if (!allowUndefined) throw new Rejection(new RuleUndefinedFactError(lhsId), 3);
        a = undefined;
      } else if (lhsPath) lt = 1;
      const t = (rt > lt ? rt : lt) + 3;
      let r: boolean;
      try {
        r = op(a, b);
      } catch (e) {
        throw new Rejection(e as Error, t);
      }
      if (ann !== undefined) {
        ann.factResult = a;
        ann.valueResult = b;
        ann.result = r;
      }
      return t * 2 + (r ? 1 : 0);
    };
  }
}

/** Compiles one rule, or explains why it cannot be compiled. */
export function compileRule(rule: RuleProperties, options: CompileOptions = {}): CompiledRule | FallbackRule {
  const name = rule.name;
  const priority = rulePriority(rule);
  let node: ConditionNode;
  try {
    node = new Compiler(options).root(rule.conditions);
  } catch (e) {
    if (!(e instanceof RuleNotCompilableError)) throw e;
    return { kind: "fallback", rule, name, priority, reason: e.message };
  }
  const template = conditionTemplate(rule.conditions);
  const evaluate = (facts: FactSource): boolean => {
    try {
      return (node(facts, undefined) & 1) === 1;
    } catch (e) {
      if (e instanceof Rejection || e instanceof SyncThrow) throw e.error;
      throw e;
    }
  };
  return {
    kind: "compiled", rule, name, priority, event: ruleEvent(rule.event), node, evaluate,
    annotation: () => cloneJson(template),
  };
}

/** Compiles rules; each one that cannot be compiled is listed in `warnings` and left to json-rules-engine. */
export function compileRules(rules: readonly RuleProperties[], options: CompileOptions = {}): CompiledRuleSet {
  const out = rules.map((r) => compileRule(r, options));
  const warnings = out
    .map((r, i) => (r.kind === "fallback" ? `rule ${r.name === undefined ? `#${i}` : JSON.stringify(r.name)} falls back to json-rules-engine: ${r.reason}` : ""))
    .filter((w) => w !== "");
  return { rules: out, warnings };
}
