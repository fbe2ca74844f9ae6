// The conformance suite every plugin passes, ours and third parties' alike: a vitest `describe`
// block with one test per check (and per channel, threshold and fact). The checks run in this
// order, so the first failure names the cause; a check that needs an earlier one that failed
// (or was skipped) is skipped `because "<that check>" failed`, not failed again:
// 1. the descriptor validates (validatePlugin, knowing `options.dependencies`): its shape, and
//    what can never work (facts reading inputs nothing provides, thresholds no valid value can
//    pass, hysteresis bands ending outside the channel's range);
// 2. its `sdk` range includes SDK_VERSION;
// 3. it registers in a fresh registry beside every built-in plugin it may meet (BUILTIN_PLUGINS,
//    those it depends on once) and `options.dependencies`: a meter type, channel or fact column
//    clashing with a built-in's is MF_ERR_PLUGIN_CONFLICT here, as in `meterflow run`;
// then, each after registration:
// - each of its channels accepts its min, max and midpoint and rejects the adjacent doubles
//   outside the range, and NaN (through createTestEngine);
// - each threshold's value beyond the limit (limit ± epsilon; default the adjacent double) lies
//   inside the channel's range; it raises exactly one alert (rule `<plugin>/<name>`, its
//   severity and message) once more than forMinutes have passed: none at exactly forMinutes,
//   one 1 ms later (forMinutes 0: at the first reading), none later in the episode; the limit
//   itself never alerts (both comparisons are strict);
// - each fact, on a seeded random batch (each column uniform in `options.columns[name]`, else
//   its channel's range, else 0 to 1000, both ends included; the columns the registry's other
//   facts write computed as the engine would), computes without throwing, leaves every other
//   column unchanged, writes a number into each of its columns in some row (every input
//   present), gives NaN in every column it writes on a row where every column it reads is NaN
//   (no data, no fact: rows with some inputs missing are the fact's to decide), gives the same
//   output twice for the same input, and gives each row the same output in a batch cut in two or
//   reversed (a row's output comes from that row alone);
// - rule files hold a `rules` array of objects with `conditions` and an `event` with a type;
// - rule files name only facts, operators and event types that exist (MF_ERR_RULES_UNKNOWN_FACT,
//   _OPERATOR, _EVENT);
// - rule files pass the rule linter (`meterflow rules check`'s warnings, engine/rules/load/lint.ts)
//   without a warning: the failure lists each with its code, plugin, rule file, rule and path;
// - setup and teardown run without throwing.
// A failure caused by a coded error (PluginError and the like) shows its code first:
// `PluginError: MF_ERR_PLUGIN_CONFLICT [plugin x] register: channel "temperature" is a channel of ...`.
import { describe, expect, it } from "vitest";
import type { TestContext } from "vitest";
import { BUILTIN_PLUGINS } from "../../plugins/index.js";
import { describeProblems, PluginError } from "../errors.js";
import { computeFact } from "../fact-runner.js";
import type { RegisteredFact } from "../fact-runner.js";
import type { PluginDescriptor } from "../plugin.js";
import { PluginRegistry } from "../registry.js";
import { satisfies } from "../semver.js";
import { descriptorProblems, provides } from "../validate.js";
import { SDK_VERSION } from "../version.js";
import { createTestEngine } from "./engine.js";
import { formatRuleWarning } from "../../engine/decide/rules.js";
import { checkPluginRules, pluginRuleWarnings } from "./rule-check.js";
import { mulberry32, nextDown, nextUp } from "./numbers.js";

/** Options of describeConformance. */
export interface ConformanceOptions {
  /**
   * Plugins this one depends on: registered with it. A built-in is taken from BUILTIN_PLUGINS
   * (`BUILTIN_PLUGINS.filter((p) => p.name === "meterflow-environment")`).
   */
  readonly dependencies?: readonly PluginDescriptor[];
  /** Ranges of the random values of columns facts read (`consumption`, ...); default a channel's range, else 0 to 1000. */
  readonly columns?: Readonly<Record<string, { readonly min: number; readonly max: number }>>;
  /** How far beyond a threshold's limit the firing value lies; default the adjacent double. */
  readonly epsilon?: number;
  /** Seed of the random batches; default 1. */
  readonly seed?: number;
  /** Rows of the random batches; default 256. */
  readonly batchSize?: number;
}

/**
 * Declares the conformance suite of `plugin` (call it at the top level of a test file).
 *
 * @example
 * import { describeConformance } from "meterflow-engine/sdk/testing";
 * import vibration from "../src/index.js";
 * describeConformance(vibration);
 */
export function describeConformance(plugin: PluginDescriptor, options: ConformanceOptions = {}): void {
  checkOptions(options);
  const deps = options.dependencies ?? [];
  const given = new Set([...deps, plugin].map((p) => p?.name));
  const beside = BUILTIN_PLUGINS.filter((p) => !given.has(p.name));
  // The plugin, the dependencies given, and the built-ins they need that were not given.
  const all = [...builtinsNeeded([...deps, plugin], beside), ...deps, plugin];
  const label = typeof plugin?.name === "string" ? plugin.name : "(unnamed)";
  const list = <T>(value: readonly T[] | undefined): readonly T[] => (Array.isArray(value) ? value : []);

  const { check, names } = checks();

  describe.sequential(`meterflow plugin conformance: ${label}`, () => {
    check(names.validates, [], () => {
      // Its direct dependencies, from those given or the built-ins; when one is neither, registration says so.
      const named = Object.keys(plugin?.dependencies ?? {});
      const found = named.map((name) => [...deps, ...beside].find((p) => p?.name === name));
      const known = found.every((p) => p !== undefined) ? { dependencies: found as PluginDescriptor[] } : {};
      // A name another plugin provides, used without depending on it, gets the hint registration gives.
      const provider = (name: string) => [...deps, ...beside].find((p) => p !== plugin && provides(p, name))?.name;
      const problems = descriptorProblems(plugin, known, provider);
      if (problems.length > 0) throw new PluginError("MF_ERR_PLUGIN_INVALID", label, "validatePlugin", describeProblems(problems), { problems });
    });

    check(`sdk range ${String(plugin?.sdk)} includes SDK ${SDK_VERSION}`, [names.validates], () => {
      if (!satisfies(SDK_VERSION, plugin.sdk)) throw new PluginError("MF_ERR_PLUGIN_SDK_RANGE", label, "sdk", `needs SDK ${plugin.sdk}, this is SDK ${SDK_VERSION}`);
    }, names.sdk);

    check(deps.length > 0 ? "registers beside the built-in plugins, after its dependencies, in a fresh registry" : names.registers, [names.validates, names.sdk], () => {
      const registry = new PluginRegistry();
      registry.registerAll([...beside.filter((p) => !all.includes(p)), ...all]);
      expect(registry.plugins.map((p) => p.name)).toContain(plugin.name);
    }, names.registers);

    for (const channel of list(plugin?.sensors)) {
      check(`channel ${channel.name}: accepts min, max and midpoint, rejects just outside and NaN`, [names.registers], () => {
        const engine = createTestEngine({ plugins: all });
        const { min, max } = channel.range;
        const whole = channel.integer === true;
        const mid = whole ? Math.floor(min + (max - min) / 2) : min + (max - min) / 2;
        expect([min, max, mid].map((v) => engine.validate(channel.name, v))).toEqual(["ok", "ok", "ok"]);
        // An integer channel also refuses a fraction inside its range.
        const outside = [nextDown(min), nextUp(max), Number.NaN, ...(whole ? [min + 0.5] : [])];
        expect(outside.map((v) => engine.validate(channel.name, v))).toEqual(outside.map(() => "out_of_range"));
      });
    }

    for (const threshold of list(plugin?.thresholds)) {
      const rule = `${label}/${threshold.name}`;
      const above = threshold.above !== undefined;
      const limit = (above ? threshold.above : threshold.below) as number;
      const integer = all.flatMap((p) => list(p?.sensors)).find((c) => c?.name === threshold.channel)?.integer === true;
      // The nearest valid value beyond the limit: the adjacent double, or the next whole number on an integer channel.
      const beyond = (eps = options.epsilon) =>
        integer ? (above ? Math.floor(limit) + 1 : Math.ceil(limit) - 1)
          : eps === undefined ? (above ? nextUp(limit) : nextDown(limit)) : above ? limit + eps : limit - eps;

      const inside = `threshold ${threshold.name}: a value beyond the limit ${limit} lies inside channel ${threshold.channel}'s range`;
      check(inside, [names.registers], () => {
        const channel = createTestEngine({ plugins: all }).registry.channel(threshold.channel);
        expect(channel, `channel ${threshold.channel}`).toBeDefined();
        const { min, max } = channel?.range ?? { min: Number.NaN, max: Number.NaN };
        const b = beyond();
        expect(b >= min && b <= max, `a value beyond the limit (${b}) in [${min}, ${max}]`).toBe(true);
      });

      const minutes = threshold.forMinutes ?? 0;
      const when = minutes > 0 ? `just after ${minutes} min, not at ${minutes} min` : "at the first reading";
      check(`threshold ${threshold.name}: fires once at ${above ? "limit + epsilon" : "limit - epsilon"} ${when}, never at the limit`, [inside], () => {
        const engine = createTestEngine({ plugins: all });
        const forMs = minutes * 60_000;
        const t0 = Date.UTC(2026, 10, 30);
        const mine = (alerts: readonly { rule: string }[]) => alerts.filter((a) => a.rule === rule);
        const at = (meterId: string, time: number, value: number) => ({ meterId, time, channels: { [threshold.channel]: value } });

        const atLimit = engine.feed([at("at-limit", t0, limit), at("at-limit", t0 + forMs, limit), at("at-limit", t0 + forMs + 1, limit), at("at-limit", t0 + forMs + 60_000, limit)]);
        // On an integer channel a fractional limit is not a value a reading can have: it is refused.
        if (!integer || Number.isInteger(limit)) expect(atLimit.rejected).toEqual([]);
        expect(mine(atLimit.alerts), "a value equal to the limit").toEqual([]);

        const value = beyond();
        const first = engine.feed([at("beyond", t0, value)]);
        expect(first.rejected).toEqual([]);
        // The duration is strict: exactly forMinutes is not more than forMinutes; 1 ms later is.
        const after = forMs > 0 ? forMs + 1 : 0;
        if (forMs > 0) {
          expect(mine(first.alerts), "at the episode's start").toEqual([]);
          expect(mine(engine.feed([at("beyond", t0 + forMs, value)]).alerts), `exactly ${minutes} min (${forMs} ms) into the episode`).toEqual([]);
        }
        const fired = forMs > 0 ? mine(engine.feed([at("beyond", t0 + after, value)]).alerts) : mine(first.alerts);
        expect(fired, forMs > 0 ? `${after} ms into the episode` : "at the episode's first reading").toEqual([
          expect.objectContaining({ meterId: "beyond", channel: threshold.channel, timeMs: t0 + after, sinceMs: t0, rule, severity: threshold.severity, message: threshold.message }),
        ]);
        expect(mine(engine.feed([at("beyond", t0 + forMs + 60_000, value)]).alerts), "later in the same episode").toEqual([]);
      });
    }

    for (const fact of list(plugin?.facts).filter((f) => Array.isArray(f?.reads) && Array.isArray(f?.writes))) {
      const batch = (nanRows: boolean) => {
        const engine = createTestEngine({ plugins: all });
        const registered = engine.registry.facts.find((f) => f.plugin === plugin.name && f.name === fact.name) as RegisteredFact;
        const n = options.batchSize ?? 256;
        const random = mulberry32(options.seed ?? 1);
        const columns: Record<string, Float64Array> = {};
        const fill = (name: string) => {
          const range = options.columns?.[name] ?? engine.registry.channel(name)?.range ?? { min: 0, max: 1000 };
          const column = new Float64Array(n);
          for (let i = 0; i < n; i++) column[i] = i === 1 ? range.min : i === 2 ? range.max : range.min + random() * (range.max - range.min);
          columns[name] = column;
        };
        for (const c of engine.registry.channels) fill(c.name);
        const written = new Set(engine.registry.facts.flatMap((f) => f.writes));
        for (const f of engine.registry.facts) for (const name of f.reads) if (!written.has(name) && !Object.hasOwn(columns, name)) fill(name);
        // Every fact runs on a copy, as in the engine, for the columns other facts write; the
        // batch is the generated columns, untouched, plus those.
        const computed = engine.facts(copy(columns), n);
        for (const [name, column] of Object.entries(computed)) if (!Object.hasOwn(columns, name) && !fact.writes.includes(name)) columns[name] = column;
        if (nanRows) for (const name of fact.reads) for (let i = 0; i < n; i += 4) if (Object.hasOwn(columns, name)) (columns[name] as Float64Array)[i] = Number.NaN;
        return { registered, columns, n };
      };

      const computes = `fact ${fact.name}: computes a random batch without throwing and writes only ${fact.writes.join(", ")}`;
      check(computes, [names.registers], () => {
        const { registered, columns, n } = batch(false);
        const before = copy(columns);
        computeFact(registered, columns, n);
        expect(Object.keys(columns).sort()).toEqual([...Object.keys(before), ...fact.writes].sort());
        for (const [name, column] of Object.entries(before)) expect(same(columns[name] as Float64Array, column), `column ${name} unchanged`).toBe(true);
        for (const name of fact.writes) expect(columns[name]?.length).toBe(n);
      });

      // A fact whose columns stay NaN on a batch with every input present writes nothing the
      // rules can see: a string or undefined written into a Float64Array is stored as NaN.
      check(`fact ${fact.name}: writes numbers into ${fact.writes.join(", ")} where every input is present`, [computes], () => {
        const { registered, columns, n } = batch(false);
        // Rows where every column it reads has a value (another fact's column may be NaN).
        const full: number[] = [];
        for (let i = 0; i < n; i++) if (fact.reads.every((name) => !Number.isNaN((columns[name] as Float64Array)[i]))) full.push(i);
        computeFact(registered, columns, n);
        const empty = full.length === 0 ? [] : fact.writes.filter((name) => full.every((i) => Number.isNaN((columns[name] as Float64Array)[i])));
        if (empty.length === 0) return;
        throw new Error(empty.map((name) => `${name}: NaN in all ${full.length} rows where every input is present: compute must write numbers `
          + `into output.${name}[i] (a string or undefined written there is stored as NaN)`).join("\n"));
      });

      check(`fact ${fact.name}: NaN in every column it writes where all of ${fact.reads.join(", ")} are NaN`, [computes], () => {
        const { registered, columns, n } = batch(true);
        computeFact(registered, columns, n);
        for (const name of fact.writes) {
          const out = columns[name] as Float64Array;
          const bad = [];
          for (let i = 0; i < n; i += 4) if (!Number.isNaN(out[i])) bad.push(`row ${i}: ${out[i]}`);
          expect(bad, `${name} where every input is NaN`).toEqual([]);
        }
      });

      const deterministic = `fact ${fact.name}: deterministic`;
      check(deterministic, [computes], () => {
        const { registered, columns, n } = batch(false);
        const again = copy(columns);
        computeFact(registered, columns, n);
        computeFact(registered, again, n);
        for (const name of fact.writes) expect(same(columns[name] as Float64Array, again[name] as Float64Array), `column ${name}`).toBe(true);
      });

      // A run cuts readings into batches as they come (--batch-size, files, a cluster's
      // messages): a row whose fact looks at other rows (a batch mean, the row before) would be
      // held or billed by how the readings were cut.
      check(`fact ${fact.name}: row by row (a row's output comes from that row alone, however the batch is cut or ordered)`, [deterministic], () => {
        const { registered, columns, n } = batch(false);
        const whole = copy(columns);
        computeFact(registered, whole, n);
        const cut = Math.max(1, Math.floor(n / 3));
        const parts = [rowsOf(columns, 0, cut), rowsOf(columns, cut, n), reversed(columns, n)];
        for (const part of parts) computeFact(registered, part.columns, part.rows.length);
        for (const name of fact.writes) {
          const bad: string[] = [];
          for (const part of parts) {
            const out = part.columns[name] as Float64Array;
            part.rows.forEach((row, i) => {
              if (bad.length < 3 && !same(out.subarray(i, i + 1), (whole[name] as Float64Array).subarray(row, row + 1))) {
                bad.push(`row ${row}: ${(whole[name] as Float64Array)[row]} in the whole batch, ${out[i]} ${part.label}`);
              }
            });
          }
          expect(bad, `${name}: each row's value must depend on that row's inputs only`).toEqual([]);
        }
      });
    }

    check("rule files hold rules with conditions and an event", [names.validates], () => {
      for (const file of list(plugin?.rules)) {
        expect(file).toBeTypeOf("object");
        expect(Array.isArray(file.rules)).toBe(true);
        for (const rule of file.rules as readonly Record<string, unknown>[]) {
          expect(rule).toBeTypeOf("object");
          expect(rule.conditions).toBeTypeOf("object");
          expect(rule.event).toEqual(expect.objectContaining({ type: expect.any(String) }));
        }
      }
    });

    check(names.ruleFacts, [names.registers], () => {
      checkPluginRules(plugin, [...beside.filter((p) => !all.includes(p)), ...all]);
    });

    check("rule files pass the rule linter without warnings", [names.ruleFacts], () => {
      const warnings = pluginRuleWarnings(plugin, [...beside.filter((p) => !all.includes(p)), ...all]);
      if (warnings.length === 0) return;
      const codes = [...new Set(warnings.map((w) => w.code))].join(", ");
      const lines = warnings.map((w) => `\n  ${formatRuleWarning(w)}`).join("");
      throw new Error(`${codes}: the rule linter warns about ${warnings.length === 1 ? "a rule" : `${warnings.length} places`} of plugin ${label} (see meterflow rules check):${lines}`);
    });

    check("setup and teardown run without throwing", [names.registers], async () => {
      const engine = createTestEngine({ plugins: all });
      await engine.setup();
      await engine.teardown();
    });
  });
}

/**
 * The suite's checks: `check(name, after, body)` declares a test that is skipped when one of
 * the checks named in `after` failed or was skipped (naming the first failure as the cause), and
 * whose failure, when a coded error caused it, shows the code. `key` names the check for
 * `after` when its title varies. Tests of one describe run in order (describe.sequential).
 */
function checks() {
  const names = {
    validates: "descriptor validates",
    sdk: "sdk range",
    registers: "registers beside the built-in plugins in a fresh registry",
    ruleFacts: "rule files name only facts, operators and event types that exist beside the built-in plugins",
  };
  /** A check that did not pass -> the check whose failure caused it (itself when it failed). */
  const blocked = new Map<string, string>();
  const check = (title: string, after: readonly string[], body: () => void | Promise<void>, key = title): void => {
    it(title, async (context: TestContext) => {
      const cause = after.map((name) => blocked.get(name)).find((c) => c !== undefined);
      if (cause !== undefined) {
        blocked.set(key, cause);
        context.skip(`because "${cause}" failed`);
      }
      try {
        await body();
      } catch (error) {
        blocked.set(key, title);
        throw coded(error);
      }
    });
  };
  return { check, names };
}

/** The plugins of `builtins` that `plugins` depend on, directly or not. */
function builtinsNeeded(plugins: readonly PluginDescriptor[], builtins: readonly PluginDescriptor[]): PluginDescriptor[] {
  const needed = new Set<PluginDescriptor>();
  const visit = (p: PluginDescriptor | undefined) => {
    const names = p !== null && typeof p === "object" && p.dependencies !== null && typeof p.dependencies === "object" ? Object.keys(p.dependencies) : [];
    for (const name of names) {
      const builtin = builtins.find((b) => b.name === name);
      if (builtin !== undefined && !needed.has(builtin)) {
        needed.add(builtin);
        visit(builtin);
      }
    }
  };
  plugins.forEach(visit);
  return builtins.filter((b) => needed.has(b));
}

/**
 * An error with an `MF_ERR_` code, its message prefixed with the code so every vitest report
 * shows it (the one-line summary too): `PluginError: MF_ERR_PLUGIN_CONFLICT [plugin x] register: ...`.
 */
function coded(error: unknown): unknown {
  if (!(error instanceof Error)) return error;
  const code = (error as { code?: unknown }).code;
  if (typeof code !== "string" || !code.startsWith("MF_ERR_") || error.message.startsWith(code)) return error;
  const before = `${error.name}: ${error.message}`;
  error.message = `${code} ${error.message}`;
  if (error.stack?.startsWith(before)) error.stack = `${error.name}: ${error.message}${error.stack.slice(before.length)}`;
  return error;
}

/** A deep copy of columns. */
/** Rows [from, to) of the columns as a batch of their own. */
function rowsOf(columns: Record<string, Float64Array>, from: number, to: number): { columns: Record<string, Float64Array>; rows: number[]; label: string } {
  const out: Record<string, Float64Array> = {};
  for (const [name, column] of Object.entries(columns)) out[name] = column.slice(from, to);
  return { columns: out, rows: Array.from({ length: to - from }, (_, i) => from + i), label: `in a batch of rows ${from}..${to - 1}` };
}

/** The columns' first n rows in reverse order. */
function reversed(columns: Record<string, Float64Array>, n: number): { columns: Record<string, Float64Array>; rows: number[]; label: string } {
  const out: Record<string, Float64Array> = {};
  for (const [name, column] of Object.entries(columns)) out[name] = column.slice(0, n).reverse();
  return { columns: out, rows: Array.from({ length: n }, (_, i) => n - 1 - i), label: "in the batch reversed" };
}

/** Refuses options that would make the checks test nothing (a column range that is not { min, max }). */
function checkOptions(options: ConformanceOptions): void {
  for (const [name, range] of Object.entries(options.columns ?? {})) {
    const r = range as { min?: unknown; max?: unknown } | null;
    if (r === null || typeof r !== "object" || typeof r.min !== "number" || typeof r.max !== "number"
      || !Number.isFinite(r.min) || !Number.isFinite(r.max) || r.min > r.max) {
      throw new TypeError(`describeConformance: options.columns.${name} must be { min, max } with finite numbers, min <= max; got ${JSON.stringify(range)}`);
    }
  }
  for (const key of ["batchSize", "seed", "epsilon"] as const) {
    const v = options[key];
    if (v !== undefined && (typeof v !== "number" || !Number.isFinite(v) || (key === "batchSize" && (!Number.isInteger(v) || v < 3)))) {
      throw new TypeError(`describeConformance: options.${key} must be a finite number${key === "batchSize" ? " (an integer of at least 3)" : ""}; got ${JSON.stringify(v)}`);
    }
  }
}

function copy(columns: Record<string, Float64Array>): Record<string, Float64Array> {
  return Object.fromEntries(Object.entries(columns).map(([k, v]) => [k, v.slice()]));
}

/** Same values, NaN equal to NaN. */
function same(a: Float64Array, b: Float64Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) return false;
  return true;
}
