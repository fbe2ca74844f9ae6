// The json-rules-engine semantics DESIGN.md lists, one test each, asserted on json-rules-engine
// itself and on the compiled Engine; plus ordering, fallback and the compiled closures.
import { Almanac, Engine as JreEngine } from "json-rules-engine";
import { describe, expect, it } from "vitest";
import { compileRule, Engine, RuleUndefinedFactError } from "../../../engine/rules/index.js";
import type { ConditionProperties, EngineOptions, RuleProperties } from "../../../engine/rules/index.js";

type Outcome = boolean | string;

function rule(conditions: unknown, name = "r"): RuleProperties {
  return { name, conditions, event: { type: name } } as RuleProperties;
}

// Runs one rule on both engines; the outcome is the rule's result or the rejection message.
async function both(conditions: unknown, facts: Record<string, unknown>, options: EngineOptions = {}): Promise<Outcome> {
  const out: Outcome[] = [];
  for (const engine of [new JreEngine([], options as never), new Engine([], options)]) {
    engine.addRule(structuredClone(rule(conditions)) as never);
    try {
      const r = await engine.run(facts as never);
      out.push(r.events.length === 1);
    } catch (e) {
      out.push((e as Error).message);
    }
  }
  expect(out[1]).toEqual(out[0]);
  return out[0];
}

const leaf = (fact: string, operator: string, value: unknown, extra: object = {}): ConditionProperties =>
  ({ fact, operator, value, ...extra }) as ConditionProperties;

describe("json-rules-engine semantics (DESIGN.md)", () => {
  it("a missing fact rejects the run unless allowUndefinedFacts", async () => {
    expect(await both({ all: [leaf("x", "equal", 1)] }, {})).toBe("Undefined fact: x");
    expect(await both({ all: [leaf("x", "equal", undefined)] }, {}, { allowUndefinedFacts: true })).toBe(true);
  });

  it("a fact present with the value undefined does not reject", async () => {
    expect(await both({ all: [leaf("x", "equal", undefined)] }, { x: undefined })).toBe(true);
  });

  it("siblings at one priority are all evaluated, so a false sibling does not prevent the error", async () => {
    expect(await both({ all: [leaf("a", "equal", 2), leaf("x", "equal", 1)] }, { a: 1 })).toBe("Undefined fact: x");
  });

  it("short-circuit happens between priority levels", async () => {
    const conditions = { all: [leaf("a", "equal", 2, { priority: 2 }), leaf("x", "equal", 1, { priority: 1 })] };
    expect(await both(conditions, { a: 1 })).toBe(false);
  });

  it("numeric operators parse the fact only to reject NaN, then compare with <", async () => {
    expect(await both({ all: [leaf("a", "lessThan", 10)] }, { a: "5" })).toBe(true);
    expect(await both({ all: [leaf("a", "lessThan", 100)] }, { a: "12abc" })).toBe(false);
    expect(await both({ all: [leaf("a", "greaterThanInclusive", 100)] }, { a: "12abc" })).toBe(false);
  });

  it("the rule's value of a numeric operator is not checked", async () => {
    expect(await both({ all: [leaf("a", "lessThan", "10")] }, { a: 5 })).toBe(true);
  });

  it("equal is === and NaN never equals", async () => {
    expect(await both({ all: [leaf("a", "equal", "5")] }, { a: 5 })).toBe(false);
    expect(await both({ all: [leaf("a", "equal", { fact: "a" })] }, { a: NaN })).toBe(false);
  });

  it("in and notIn with a string value test for a substring", async () => {
    expect(await both({ all: [leaf("a", "in", "abcdef")] }, { a: "cde" })).toBe(true);
    expect(await both({ all: [leaf("a", "notIn", "abcdef")] }, { a: "x" })).toBe(true);
  });

  it("in and notIn with a number or null value throw", async () => {
    expect(await both({ all: [leaf("a", "in", 5)] }, { a: 5 })).toBe("b.indexOf is not a function");
    expect(await both({ all: [leaf("a", "notIn", null)] }, { a: 5 })).toBe("Cannot read properties of null (reading 'indexOf')");
  });

  it("contains and doesNotContain on a non-array fact are both false", async () => {
    expect(await both({ all: [leaf("a", "contains", "b")] }, { a: "abc" })).toBe(false);
    expect(await both({ all: [leaf("a", "doesNotContain", "z")] }, { a: "abc" })).toBe(false);
  });

  it("path is ignored on a non-object fact", async () => {
    expect(await both({ all: [leaf("a", "equal", 7, { path: "$.x" })] }, { a: 7 })).toBe(true);
  });

  it("a wildcard path with one match yields [x], with none undefined", async () => {
    expect(await both({ all: [leaf("a", "contains", 3, { path: "$.l[*]" })] }, { a: { l: [3] } })).toBe(true);
    expect(await both({ all: [leaf("a", "equal", undefined, { path: "$.l[*]" })] }, { a: { l: [] } })).toBe(true);
  });

  it("all: [] and any: [] are both true", async () => {
    expect(await both({ all: [] }, {})).toBe(true);
    expect(await both({ any: [] }, {})).toBe(true);
  });
});

describe("Engine", () => {
  it("orders events of equal priority by when json-rules-engine's promises settle, not by insertion", async () => {
    const slow = rule({ all: [leaf("a", "equal", 1), { all: [leaf("a", "equal", 1), leaf("a", "equal", 1)] }] }, "slow");
    const fast = rule({ all: [leaf("a", "equal", 1)] }, "fast");
    const jre = new JreEngine([structuredClone(slow), structuredClone(fast)] as never);
    const mine = new Engine([slow, fast]);
    const want = (await jre.run({ a: 1 })).events.map((e) => e.type);
    expect(want).toEqual(["fast", "slow"]);
    expect((await mine.run({ a: 1 })).events.map((e) => e.type)).toEqual(want);
  });

  it("falls back to json-rules-engine for custom operators and function facts, with a warning", async () => {
    const e = new Engine([rule({ all: [leaf("a", "isEven", null)] })]);
    e.addOperator("isEven", (a) => (a as number) % 2 === 0);
    expect(e.warnings.join()).toContain("custom operator");
    expect((await e.run({ a: 4 })).events).toEqual([{ type: "r" }]);
    const f = new Engine([rule({ all: [leaf("a", "equal", 2)] })]);
    f.addFact("a", () => 2);
    expect(f.warnings.join()).toContain("function");
    expect((await f.run()).events).toEqual([{ type: "r" }]);
  });

  it("recompiles when a referenced condition changes and rejects on a missing one", async () => {
    const e = new Engine([rule({ condition: "c" })]);
    await expect(e.run({ a: 1 })).rejects.toThrow("No condition c exists");
    e.setCondition("c", { all: [leaf("a", "equal", 1)] });
    expect((await e.run({ a: 1 })).events).toEqual([{ type: "r" }]);
    e.setCondition("c", { all: [leaf("a", "equal", 2)] });
    expect((await e.run({ a: 1 })).failureEvents).toEqual([{ type: "r" }]);
  });

  it("copies events' params as json-rules-engine does: functions shared, class instances kept, fired or not", async () => {
    class Money {
      constructor(readonly amount: number, readonly currency: string) {}
      toString() {
        return `${this.amount} ${this.currency}`;
      }
    }
    const notify = () => "sent";
    const rules = (): RuleProperties[] => [
      { name: "fires", conditions: { all: [leaf("a", "equal", 1)] }, event: { type: "hold", params: { notify, limit: new Money(5, "EUR"), at: new Date(0), tag: Symbol.for("x") } } },
      { name: "fails", conditions: { all: [leaf("a", "equal", 2)] }, event: { type: "alert", params: { notify } } },
    ] as RuleProperties[];
    const read = (r: { events: Array<{ params?: Record<string, unknown> }>; failureEvents: Array<{ params?: Record<string, unknown> }> }) => ({
      fired: r.events.map((e) => [String(e.params!.limit), (e.params!.notify as () => string)(), (e.params!.at as Date).getTime(), e.params!.tag]),
      failed: r.failureEvents.map((e) => (e.params!.notify as () => string)()),
    });
    const want = read(await new JreEngine(rules() as never).run({ a: 1 }) as never);
    expect(want).toEqual({ fired: [["5 EUR", "sent", 0, Symbol.for("x")]], failed: ["sent"] });
    expect(read(await new Engine(rules()).run({ a: 1 }) as never)).toEqual(want);
    // A copy: changing a result's params leaves the rule's own.
    const source = rules();
    const result = await new Engine(source).run({ a: 1 });
    (result.events[0].params as { limit: Money }).limit = new Money(9, "USD");
    expect(String((source[0].event.params as { limit: Money }).limit)).toBe("5 EUR");
  });

  it("removes rules by name", async () => {
    const e = new Engine([rule({ all: [] }, "x"), rule({ all: [] }, "y")]);
    expect(e.removeRule("x")).toBe(true);
    expect((await e.run()).events).toEqual([{ type: "y" }]);
  });

  // Rules over three priorities; listeners record what they are called with, in order.
  const listened = (): RuleProperties[] => [
    { name: "high", priority: 10, conditions: { all: [leaf("daily", "greaterThan", 40)] }, event: { type: "hold", params: { reason: "high" } } },
    { name: "zero", priority: 10, conditions: { all: [leaf("daily", "equal", 0)] }, event: { type: "hold", params: { reason: "zero" } } },
    { name: "note", priority: 5, conditions: { any: [leaf("source", "equal", "manual")] }, event: { type: "note" } },
    { name: "last", priority: 1, conditions: { all: [] }, event: { type: "done" } },
  ] as RuleProperties[];
  async function heard(engine: JreEngine | Engine, facts: Record<string, unknown>, stopOn?: string): Promise<unknown[]> {
    const calls: unknown[] = [];
    const record = (what: string) => async (first: unknown, almanac: { factValue(id: string): Promise<unknown> }, result: { name: string; result: boolean }) => {
      // A listener that awaits: the run waits for it (json-rules-engine's emitAsync).
      await new Promise((resolve) => setTimeout(resolve, 1));
      calls.push([what, first, result.name, result.result, await almanac.factValue("daily")]);
      if (result.name === stopOn) engine.stop();
    };
    engine.on("success", record("success"));
    engine.on("failure", record("failure"));
    engine.on("hold", record("hold"));
    const r = await engine.run(facts);
    calls.push(["events", r.events, r.failureEvents.length]);
    return calls;
  }

  it("calls on('success'), on('failure') and on(eventType) listeners as json-rules-engine does, awaited, with its almanac", async () => {
    for (const facts of [{ daily: 52, source: "manual" }, { daily: 0, source: "file" }, { daily: 7, source: "file" }]) {
      const reference = new JreEngine(listened() as never);
      const ours = new Engine(listened());
      const expected = await heard(reference, facts);
      expect(await heard(ours, facts)).toEqual(expected);
      expect(expected.filter((c) => (c as string[])[0] !== "events")).toHaveLength(facts.daily === 7 ? 4 : 5);
    }
    // once() listeners run once, then never again; removed listeners not at all; none left: compiled again.
    const e = new Engine(listened());
    const once: string[] = [];
    e.once("success", (event: { type: string }) => void once.push(event.type));
    await e.run({ daily: 52, source: "file" });
    await e.run({ daily: 52, source: "file" });
    expect(once).toEqual(["hold"]);
    expect(e.warnings).toEqual([]);
  });

  it("stop() from a listener ends the run after the priority being evaluated, as json-rules-engine's does", async () => {
    for (const stopOn of ["high", "note"]) {
      const facts = { daily: 52, source: "manual" };
      const expected = await heard(new JreEngine(listened() as never), facts, stopOn);
      expect(await heard(new Engine(listened()), facts, stopOn)).toEqual(expected);
      expect(JSON.stringify(expected)).not.toContain('"done"');
    }
    // A stopped engine runs afresh next time.
    const e = new Engine(listened());
    e.stop();
    expect((await e.run({ daily: 52, source: "file" })).events.map((x) => x.type)).toEqual(["hold", "done"]);
  });

  it("updateRule replaces the rule of that name (it goes last), throwing as json-rules-engine does when there is none", async () => {
    const facts = { daily: 52, source: "manual" };
    const changed = { name: "high", priority: 10, conditions: { all: [leaf("daily", "greaterThan", 100)] }, event: { type: "hold", params: { reason: "very high" } } } as RuleProperties;
    const reference = new JreEngine(listened() as never);
    const ours = new Engine(listened());
    reference.updateRule(changed as never);
    ours.updateRule(changed);
    const [a, b] = [await reference.run(facts), await ours.run(facts)];
    expect(b.events).toEqual(a.events);
    expect(b.failureResults.map((r) => r.name)).toEqual(a.failureResults.map((r) => r.name));
    const missing = { ...changed, name: "nope" };
    expect(() => reference.updateRule(missing as never)).toThrow("Engine: updateRule() rule not found");
    expect(() => ours.updateRule(missing)).toThrow("Engine: updateRule() rule not found");
    // A replacement that does not validate changes nothing.
    expect(() => ours.updateRule({ name: "high", conditions: { all: [] } } as unknown as RuleProperties)).toThrow(/event/);
    expect((await ours.run(facts)).events).toEqual(b.events);
  });

  it("getFact gives the added fact as json-rules-engine's Fact; undefined for none", () => {
    const e = new Engine();
    e.addFact("tariff", 0.31, { priority: 5 });
    expect(e.getFact("tariff")).toMatchObject({ id: "tariff", value: 0.31, priority: 5 });
    expect(e.getFact("nope")).toBeUndefined();
    e.removeFact("tariff");
    expect(e.getFact("tariff")).toBeUndefined();
  });
});

describe("Engine: the almanac and operator decorators", () => {
  const rules = (): RuleProperties[] => [
    { name: "hot", priority: 2, conditions: { all: [leaf("temp", "greaterThan", 8)] }, event: { type: "alert", params: { why: "hot" } } },
    { name: "dry", conditions: { any: [leaf("humidity", "lessThan", 20)] }, event: { type: "dry" } },
  ] as RuleProperties[];

  it("gives the run's almanac as json-rules-engine does: fact values, results in order, events", async () => {
    const facts = { temp: 9.5, humidity: 40 };
    const views = [];
    for (const engine of [new JreEngine([], {}), new Engine([], {})]) {
      for (const r of rules()) engine.addRule(structuredClone(r) as never);
      engine.addFact("site", "depot-3" as never);
      const { almanac } = await engine.run(facts as never);
      expect(almanac).toBeInstanceOf(Almanac);
      const a = almanac as unknown as Almanac & { getResults(): Array<{ name: string; result: boolean }>; getEvents(o?: string): unknown[] };
      views.push({
        temp: await a.factValue("temp"), site: await a.factValue("site"),
        results: a.getResults().map((r) => [r.name, r.result]), success: a.getEvents("success"), failure: a.getEvents("failure"),
      });
    }
    expect(views[1]).toEqual(views[0]);
    expect(views[0]).toMatchObject({ temp: 9.5, site: "depot-3", results: [["hot", true], ["dry", false]] });
  });

  it("keeps the result a plain object of four lists (the almanac is not enumerable)", async () => {
    const engine = new Engine(rules());
    expect(Object.keys(await engine.run({ temp: 1, humidity: 10 }))).toEqual(["events", "failureEvents", "results", "failureResults"]);
  });

  it("fills an almanac given to run, with its runtime facts, as json-rules-engine does", async () => {
    const out = [];
    for (const engine of [new JreEngine([], {}), new Engine([], {})]) {
      for (const r of rules()) engine.addRule(structuredClone(r) as never);
      const almanac = new Almanac();
      almanac.addRuntimeFact("humidity", 12);
      // json-rules-engine's typings leave run's options out.
      const r = await (engine as unknown as { run(facts: object, options: object): Promise<{ events: Array<{ type: string }> }> }).run({ temp: 3 }, { almanac });
      out.push([r.events.map((e) => e.type), (almanac as unknown as { getEvents(o: string): Array<{ type: string }> }).getEvents("success").map((e) => e.type)]);
    }
    expect(out[1]).toEqual(out[0]);
    expect(out[0]).toEqual([["dry"], ["dry"]]);
  });

  it("runs custom operator decorators, and refuses a removed built-in one, as json-rules-engine does", async () => {
    const conditions = { all: [leaf("readings", "anyAbove:greaterThan", 8), leaf("tags", "someFact:equal", "late")] };
    const facts = { readings: [3, 9], tags: ["x", "late"] };
    const outcomes = [];
    for (const engine of [new JreEngine([], {}), new Engine([], {})]) {
      // One signature for both (json-rules-engine's overloads do not combine with ours in a union).
      (engine as Engine).addOperatorDecorator("anyAbove", ((factValue: number[], jsonValue: unknown, next: (a: unknown, b: unknown) => boolean) =>
        factValue.some((v) => next(v, jsonValue))) as never);
      engine.addRule(structuredClone(rule(conditions)) as never);
      const first = (await engine.run(structuredClone(facts) as never)).events.length;
      engine.removeOperatorDecorator("someFact");
      let second: string | number;
      try {
        second = (await engine.run(structuredClone(facts) as never)).events.length;
      } catch (e) {
        second = (e as Error).message;
      }
      outcomes.push([first, second]);
    }
    expect(outcomes[1]).toEqual(outcomes[0]);
    expect(outcomes[0][0]).toBe(1);
  });
});

describe("compileRule", () => {
  it("returns a synchronous closure that throws the undefined-fact error with a stable code", () => {
    const c = compileRule(rule({ any: [leaf("a", "greaterThan", 5), leaf("b", "equal", 1, { priority: 0 })] }));
    if (c.kind !== "compiled") throw new Error("expected a compiled rule");
    expect(c.evaluate({ a: 6, b: 0 })).toBe(true);
    expect(c.evaluate({ a: 1, b: 0 })).toBe(false);
    expect(() => c.evaluate({ a: 1 })).toThrow(RuleUndefinedFactError);
    try {
      c.evaluate({ a: 1 });
    } catch (e) {
      expect((e as RuleUndefinedFactError).code).toBe("MF_ERR_RULE_UNDEFINED_FACT");
    }
  });
});
