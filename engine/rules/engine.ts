// `Engine`: json-rules-engine's API over compiled rules. Constant facts run on the compiled
// closures; anything the compiler cannot reproduce (custom operators, function or promise facts,
// replaceFactsInEventParams, pathResolver, Rule instances, event listeners) makes the run go to a
// real json-rules-engine built from the same state, so results never differ.
import { EventEmitter } from "node:events";
import { Almanac, Engine as JreEngine, Fact as JreFact, OperatorDecorator as JreOperatorDecorator, Rule as JreRule } from "json-rules-engine";
import { InvalidOptionError } from "../errors.js";
import { cloneValue } from "./clone.js";
import { compileRules, Rejection, SyncThrow, type CompiledRule, type CompiledRuleSet } from "./compile.js";
import { prioritize, ruleEvent } from "./semantics.js";
import { RuleInvalidError } from "./errors.js";
import type { ConditionProperties, EngineOptions, FactOptions, FactSource, OperatorFn, RuleProperties, RuleResult, RunResult } from "./types.js";

const hasOwn = (o: object, k: string): boolean => Object.prototype.hasOwnProperty.call(o, k);

function checkConditions(c: any): void {
  if (!c) throw new RuleInvalidError("Condition: constructor options required");
  const key = hasOwn(c, "any") ? "any" : hasOwn(c, "all") ? "all" : hasOwn(c, "not") ? "not" : undefined;
  if (key !== undefined) {
    const kids = c[key];
    if (key !== "not" && !Array.isArray(kids)) throw new RuleInvalidError(`"${key}" must be an array`);
    if (key === "not" && Array.isArray(kids)) throw new RuleInvalidError(`"${key}" cannot be an array`);
    if (key === "not") checkConditions(kids);
    else kids.forEach(checkConditions);
  } else if (!hasOwn(c, "condition")) {
    for (const p of ["fact", "operator", "value"]) {
      if (!hasOwn(c, p)) throw new RuleInvalidError(`Condition: constructor "${p}" property required`);
    }
  }
}

function checkRoot(c: any): void {
  if (!["all", "any", "not", "condition"].some((k) => hasOwn(c, k))) {
    throw new RuleInvalidError('"conditions" root must contain a single instance of "all", "any", "not", or "condition"');
  }
  checkConditions(c);
}

type RuleInput = RuleProperties | JreRule;
/** json-rules-engine's Engine is an EventEmitter2 (its typings leave `onAny` out). */
type AnyEmitter = { onAny(listener: (name: string, ...args: unknown[]) => unknown): void };
type Operator = { name: string };
/** A decorator's function: `(factValue, jsonValue, next) -> boolean` (json-rules-engine's OperatorDecorator). */
type DecoratorFn = (factValue: unknown, jsonValue: unknown, next: (factValue: unknown, jsonValue: unknown) => boolean) => boolean;

/**
 * json-rules-engine's Engine for constant facts, evaluated by compiled closures. Its listeners
 * (`on("success")`, `on("failure")`, `on(eventType)`) are json-rules-engine's: while any is
 * registered, runs go to json-rules-engine, which calls them as it does (with its almanac and rule
 * result, awaiting what they return) and honours `stop()` called from one.
 */
export class Engine extends EventEmitter {
  private readonly rules: RuleInput[] = [];
  private readonly conditions = new Map<string, ConditionProperties>();
  private readonly facts = new Map<string, { value: unknown; priority?: number; options?: FactOptions }>();
  private readonly operators = new Map<string, OperatorFn | Operator>();
  private readonly removedOperators = new Set<string>();
  private readonly decorators = new Map<string, JreOperatorDecorator | DecoratorFn>();
  private readonly removedDecorators = new Set<string>();
  private readonly options: EngineOptions;
  private compiled: CompiledRuleSet | undefined;
  private levels: CompiledRule[][] | undefined;
  private reference: JreEngine | undefined;

  constructor(rules: RuleInput[] = [], options: EngineOptions = {}) {
    super();
    if (options === null || typeof options !== "object") throw new InvalidOptionError("options", "an object", options);
    for (const k of ["allowUndefinedFacts", "allowUndefinedConditions", "replaceFactsInEventParams"] as const) {
      if (options[k] !== undefined && typeof options[k] !== "boolean") throw new InvalidOptionError(k, "a boolean", options[k]);
    }
    if (options.pathResolver !== undefined && typeof options.pathResolver !== "function") {
      throw new InvalidOptionError("pathResolver", "a function", options.pathResolver);
    }
    this.options = { ...options };
    for (const r of rules) this.addRule(r);
  }

  private changed(): void {
    this.compiled = undefined;
    this.levels = undefined;
    this.reference = undefined;
  }

  /** Adds a rule (JSON, or a json-rules-engine `Rule`, which always runs on json-rules-engine). */
  addRule(rule: RuleInput): this {
    if (!rule) throw new RuleInvalidError("Engine: addRule() requires options");
    if (!(rule instanceof JreRule)) {
      if (!hasOwn(rule, "event")) throw new RuleInvalidError('Engine: addRule() argument requires "event" property');
      if (!hasOwn(rule, "conditions")) throw new RuleInvalidError('Engine: addRule() argument requires "conditions" property');
      checkRoot(rule.conditions);
      if (!rule.event || !hasOwn(rule.event, "type")) throw new RuleInvalidError('Rule: setEvent() requires event object with "type" property');
      if (parseInt(String((rule.priority as unknown) || 1), 10) <= 0) throw new RuleInvalidError("Priority must be greater than zero");
    }
    this.rules.push(rule);
    this.changed();
    return this;
  }

  /** Replaces the first rule named as `rule` is (json-rules-engine's updateRule: the new one goes last); throws when there is none. */
  updateRule(rule: RuleInput): void {
    const i = this.rules.findIndex((r) => r.name === rule?.name);
    if (i < 0) throw new Error("Engine: updateRule() rule not found");
    const [old] = this.rules.splice(i, 1);
    try {
      this.addRule(rule);
    } catch (error) {
      // A rule that does not validate changes nothing.
      this.rules.splice(i, 0, old);
      throw error;
    }
  }

  /** Removes a rule by the object given to addRule, or every rule with that name. */
  removeRule(rule: RuleInput | string | number): boolean {
    const before = this.rules.length;
    if (typeof rule === "object") {
      const i = this.rules.indexOf(rule);
      if (i >= 0) this.rules.splice(i, 1);
    } else {
      for (let i = this.rules.length - 1; i >= 0; i--) if (this.rules[i].name === rule) this.rules.splice(i, 1);
    }
    if (this.rules.length === before) return false;
    this.changed();
    return true;
  }

  /** Registers conditions that rules reference with `{ condition: name }`. */
  setCondition(name: string, conditions: ConditionProperties): this {
    if (!name) throw new RuleInvalidError("Engine: setCondition() requires name");
    if (!conditions) throw new RuleInvalidError("Engine: setCondition() requires conditions");
    checkRoot(conditions);
    this.conditions.set(name, conditions);
    this.changed();
    return this;
  }

  removeCondition(name: string): boolean {
    const had = this.conditions.delete(name);
    if (had) this.changed();
    return had;
  }

  /** Adds a custom operator; rules using it run on json-rules-engine. */
  addOperator(operator: string | Operator, cb?: OperatorFn): void {
    const name = typeof operator === "string" ? operator : operator.name;
    this.operators.set(name, typeof operator === "string" ? (cb as OperatorFn) : operator);
    this.changed();
  }

  removeOperator(operator: string | Operator): boolean {
    const name = typeof operator === "string" ? operator : operator.name;
    this.operators.delete(name);
    this.removedOperators.add(name);
    this.changed();
    return true;
  }

  /**
   * Adds an operator decorator (json-rules-engine's `addOperatorDecorator`: `name:operator` in a
   * condition); rules using it run on json-rules-engine. The six built-in ones are compiled.
   */
  addOperatorDecorator(decorator: string | JreOperatorDecorator, cb?: DecoratorFn): void {
    const name = typeof decorator === "string" ? decorator : decorator.name;
    this.decorators.set(name, typeof decorator === "string" ? (cb as DecoratorFn) : decorator);
    this.removedDecorators.delete(name);
    this.changed();
  }

  removeOperatorDecorator(decorator: string | JreOperatorDecorator): boolean {
    const name = typeof decorator === "string" ? decorator : decorator.name;
    this.decorators.delete(name);
    this.removedDecorators.add(name);
    this.changed();
    return true;
  }

  /** Adds a fact: a constant value is compiled in; a function makes runs go to json-rules-engine. */
  addFact(id: string, value: unknown, options?: FactOptions): this {
    this.facts.set(id, { value, priority: options?.priority, options });
    this.changed();
    return this;
  }

  /** The fact added with `addFact`, as json-rules-engine's Fact (`id`, `value`, `priority`, `options`); undefined for none. */
  getFact(id: string): JreFact | undefined {
    return this.facts.has(id) ? this.referenceEngine().getFact(id) : undefined;
  }

  /**
   * Stops the run going on (from a listener): rules of lower priority are not evaluated, as in
   * json-rules-engine (rules of the priority being evaluated may still finish). Outside a run it
   * does nothing: the next run starts afresh.
   */
  stop(): this {
    this.reference?.stop();
    return this;
  }

  removeFact(id: string): boolean {
    const had = this.facts.delete(id);
    if (had) this.changed();
    return had;
  }

  /** Why runs of this engine are delegated to json-rules-engine; empty when everything is compiled. */
  get warnings(): readonly string[] {
    const w = [...this.compile().warnings];
    if (this.options.replaceFactsInEventParams) w.push("option replaceFactsInEventParams is not compiled");
    if (this.options.pathResolver) w.push("option pathResolver is not compiled");
    for (const [id, f] of this.facts) if (typeof f.value === "function") w.push(`fact "${id}" is computed by a function`);
    return w;
  }

  private compile(): CompiledRuleSet {
    if (this.compiled !== undefined) return this.compiled;
    const facts = new Map<string, { value: unknown; priority?: number }>();
    for (const [id, f] of this.facts) facts.set(id, f);
    const json = this.rules.map((r) => (r instanceof JreRule ? (r.toJSON(false) as unknown as RuleProperties) : r));
    const set = compileRules(json, {
      conditions: this.conditions,
      facts,
      customOperators: new Set([...this.operators.keys(), ...this.removedOperators]),
      customDecorators: new Set([...this.decorators.keys(), ...this.removedDecorators]),
      allowUndefinedFacts: this.options.allowUndefinedFacts,
      allowUndefinedConditions: this.options.allowUndefinedConditions,
    });
    const warnings = [...set.warnings];
    this.rules.forEach((r, i) => {
      if (r instanceof JreRule) warnings.push(`rule ${JSON.stringify(r.name ?? `#${i}`)} is a json-rules-engine Rule instance`);
    });
    this.compiled = { rules: set.rules, warnings };
    return this.compiled;
  }

  private delegated(facts: FactSource): boolean {
    if (this.warnings.length > 0 || this.eventNames().length > 0) return true;
    for (const k in facts) {
      const v = facts[k] as any;
      if (typeof v === "function" || v instanceof JreFact || (v !== null && typeof v === "object" && typeof v.then === "function")) return true;
    }
    return false;
  }

  private referenceEngine(): JreEngine {
    if (this.reference !== undefined) return this.reference;
    const e = new JreEngine([], this.options as never);
    for (const r of this.rules) e.addRule(r instanceof JreRule ? r : (r as never));
    for (const [name, c] of this.conditions) e.setCondition(name, c as never);
    for (const [name, op] of this.operators) {
      if (typeof op === "function") e.addOperator(name, op as never);
      else e.addOperator(op as never);
    }
    for (const name of this.removedOperators) if (!this.operators.has(name)) e.removeOperator(name);
    for (const [name, d] of this.decorators) {
      if (typeof d === "function") e.addOperatorDecorator(name, d as never);
      else e.addOperatorDecorator(d);
    }
    for (const name of this.removedDecorators) if (!this.decorators.has(name)) e.removeOperatorDecorator(name);
    for (const [id, f] of this.facts) e.addFact(id, f.value as never, f.options as never);
    // Its events reach this engine's listeners, awaited as json-rules-engine awaits its own (emitAsync).
    (e as unknown as AnyEmitter).onAny((name, ...args) => Promise.all(this.rawListeners(name).map((l) => l.apply(this, args))));
    this.reference = e;
    return e;
  }

  /**
   * Evaluates every rule against the facts; rejects as json-rules-engine would (e.g. "Undefined
   * fact: x"). The result's `almanac` (not enumerable: results compare as plain objects) is
   * json-rules-engine's Almanac of the run: its facts, results and events, `factValue(id)`. A run
   * given an almanac (`{ almanac }`) goes to json-rules-engine, which fills it.
   */
  run(facts: FactSource = {}, runOptions: { almanac?: Almanac } = {}): Promise<RunResult> {
    try {
      if (runOptions.almanac !== undefined || this.delegated(facts)) return this.runReference(facts, runOptions);
      return Promise.resolve(this.runCompiled(facts));
    } catch (e) {
      return Promise.reject(e);
    }
  }

  private async runReference(facts: FactSource, runOptions: { almanac?: Almanac }): Promise<RunResult> {
    const r = await this.referenceEngine().run(facts as never, runOptions as never);
    const out = { events: r.events, failureEvents: r.failureEvents, results: r.results as never, failureResults: r.failureResults as never };
    return Object.defineProperty(out, "almanac", { value: r.almanac, enumerable: false, configurable: true, writable: true }) as RunResult;
  }

  /**
   * The almanac of a compiled run, built when first asked for, as json-rules-engine's run fills
   * one: the engine's facts, the run's, every rule result in evaluation order, the events.
   */
  private almanacOf(facts: FactSource, out: RunResult, order: RuleResult[]): Almanac {
    const almanac = new Almanac({ allowUndefinedFacts: this.options.allowUndefinedFacts, pathResolver: this.options.pathResolver as never });
    for (const [id, f] of this.facts) almanac.addFact(new JreFact(id, f.value as never, f.options as never));
    for (const id in facts) almanac.addFact(new JreFact(id, facts[id] as never));
    const a = almanac as unknown as { addResult(r: unknown): void; addEvent(e: unknown, outcome: "success" | "failure"): void };
    for (const r of order) a.addResult(r);
    for (const e of out.events) a.addEvent(e, "success");
    for (const e of out.failureEvents) a.addEvent(e, "failure");
    return almanac;
  }

  private runCompiled(facts: FactSource): RunResult {
    this.levels ??= prioritize(this.compile().rules as CompiledRule[], (r) => r.priority);
    const out: RunResult = { events: [], failureEvents: [], results: [], failureResults: [] };
    const evaluated: RuleResult[] = [];
    let almanac: Almanac | undefined;
    Object.defineProperty(out, "almanac", { enumerable: false, configurable: true, get: () => (almanac ??= this.almanacOf(facts, out, evaluated)) });
    for (const level of this.levels) {
      const times: number[] = [];
      const outcomes: RuleResult[] = [];
      let rejection: Rejection | undefined;
      for (const rule of level) {
        const ann = rule.annotation();
        let v: number;
        try {
          v = rule.node(facts, ann);
        } catch (e) {
          if (e instanceof SyncThrow) throw e.error;
          if (!(e instanceof Rejection)) throw e;
          if (rejection === undefined || e.time < rejection.time) rejection = e;
          continue;
        }
        times.push(v >>> 1);
        outcomes.push({ conditions: ann, event: cloneEvent(rule.event), priority: rule.priority, name: rule.name, result: (v & 1) === 1 });
      }
      if (rejection !== undefined) throw rejection.error;
      const order = outcomes.map((_, i) => i).sort((a, b) => times[a] - times[b] || a - b);
      for (const i of order) {
        const r = outcomes[i];
        evaluated.push(r);
        (r.result ? out.results : out.failureResults).push(r);
        (r.result ? out.events : out.failureEvents).push(r.event);
      }
    }
    return out;
  }
}

/** A result's copy of its rule's event, as json-rules-engine copies it (clone.ts). */
function cloneEvent(e: ReturnType<typeof ruleEvent>): ReturnType<typeof ruleEvent> {
  return e.params === undefined ? { type: e.type } : { type: e.type, params: cloneValue(e.params) };
}
