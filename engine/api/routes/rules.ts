// Rules and plugins: the active rules (version, files), replaced atomically by an admin (validated
// and compiled first: 400 with every problem and the old rules still active), a dry run over
// posted facts, and the plugins loaded.
import { createRoute, z } from "@hono/zod-openapi";
import type { OpenAPIHono } from "@hono/zod-openapi";
import { RulesInvalidError } from "../../rules/index.js";
import { FACTS } from "../../rules/facts.js";
import { SDK_VERSION } from "../../../sdk/index.js";
import { requireRole } from "../auth/middleware.js";
import type { ApiDeps, ApiEnv } from "../context.js";
import { ApiError } from "../errors.js";
import { loadPostedRules, postedName, retire, rulesWarnings, setupOf } from "../rules-state.js";
import { errors } from "../schemas.js";

const RulesSchema = z.object({
  version: z.string(),
  kind: z.enum(["defaults", "files"]),
  sets: z.array(z.object({ kind: z.string(), plugin: z.string().optional(), files: z.array(z.string()), rules: z.number(), holds: z.number() })),
  warnings: z.array(z.string()).openapi({ description: "what meterflow run would warn about on stderr with these rules: the linter's findings (an event type meterflow does not act on, ...), no hold rules (every reading billed), default rules replaced" }),
}).openapi("Rules");

const PutRulesBody = z.strictObject({
  files: z.array(z.strictObject({
    name: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, "a file name: letters, digits, . _ - (at most 64)"),
    // A JSON object or array, checked by the rule loader as a --rules file is (400 with its code and every issue).
    content: z.union([z.record(z.string(), z.unknown()), z.array(z.unknown())]).openapi({
      description: "a rule file as `meterflow run --rules` reads it: one rule, an array of rules, or {\"rows\"?, \"rules\": [...], \"conditions\"?}",
    }),
  })).min(1).max(64),
}).openapi("PutRules");

const TestBody = z.strictObject({
  facts: z.union([z.record(z.string(), z.unknown()), z.array(z.record(z.string(), z.unknown())).max(1000)]),
}).openapi("RulesTest");

const Outcome = z.object({ held: z.boolean(), reasons: z.string(), temp_bad: z.string().nullable(), alerts: z.array(z.unknown()) });

export function rulesRoutes(app: OpenAPIHono<ApiEnv>, deps: ApiDeps): void {
  const describe = async () => {
    const { rules } = await setupOf(deps.rules);
    return {
      version: deps.session.rules.version,
      kind: deps.rules.paths === undefined ? "defaults" as const : "files" as const,
      sets: rules.sets.map((s) => ({ kind: s.kind, ...(s.plugin === undefined ? {} : { plugin: s.plugin }), files: s.files.map((f) => postedName(deps.rules, f)), rules: s.rules, holds: s.holds })),
      warnings: await rulesWarnings(deps.rules),
    };
  };

  app.openapi(createRoute({
    method: "get", path: "/v1/rules", tags: ["rules"], summary: "The active rules: version (a hash of the rules) and the sets in use",
    responses: { 200: { description: "the rules", content: { "application/json": { schema: RulesSchema } } }, ...errors() },
  }), async (c) => c.json(await describe(), 200));

  app.openapi(createRoute({
    method: "put", path: "/v1/rules", tags: ["rules"],
    summary: "Replaces this server's rules: validated and compiled, then swapped between two batches; 400 with every problem, the old rules still active",
    middleware: [requireRole("admin")] as const,
    request: { body: { required: true, content: { "application/json": { schema: PutRulesBody } } } },
    responses: { 200: { description: "the new rules", content: { "application/json": { schema: RulesSchema } } }, ...errors(400, 413) },
  }), async (c) => {
    const { files } = c.req.valid("json");
    if (new Set(files.map((f) => f.name)).size !== files.length) throw new ApiError(400, "MF_ERR_API_INVALID", "two rule files have one name");
    let next;
    try {
      next = await loadPostedRules(deps.store, deps.rules.config, files);
    } catch (error) {
      if (error instanceof RulesInvalidError) {
        throw Object.assign(new ApiError(400, "MF_ERR_API_INVALID", error.message, { issues: error.issues.map((i) => ({ ...i })) }), { code: error.code });
      }
      const coded = error as { code?: string; message?: string };
      if (typeof coded.code === "string" && coded.code.startsWith("MF_ERR_RULES")) throw Object.assign(new ApiError(400, "MF_ERR_API_INVALID", coded.message ?? ""), { code: coded.code });
      throw error;
    }
    const old = await deps.serialize(async () => {
      const previous = deps.rules;
      deps.rules = next;
      return previous;
    });
    await retire(old);
    const described = await describe();
    // Said where the server's own messages go too, as `serve --rules` and a run say them.
    for (const warning of described.warnings) deps.warn(warning);
    return c.json(described, 200);
  });

  app.openapi(createRoute({
    method: "post", path: "/v1/rules/test", tags: ["rules"],
    summary: "A dry run of the active rules over posted facts (a reading's facts; absent ones are null): what would be held, flagged and alerted",
    request: { body: { required: true, content: { "application/json": { schema: TestBody } } } },
    responses: { 200: { description: "one outcome per facts object", content: { "application/json": { schema: z.object({ version: z.string(), outcomes: z.array(Outcome) }) } } }, ...errors(400, 413) },
  }), async (c) => {
    const { facts } = c.req.valid("json");
    const setup = await setupOf(deps.rules);
    const absent = Object.fromEntries([...Object.keys(FACTS), ...setup.pluginFacts.names].map((n) => [n, null]));
    const list = Array.isArray(facts) ? facts : [facts];
    const outcomes = list.map((f) => {
      const d = setup.rules.decide({ ...absent, ...f } as Record<string, string | number | boolean | null>);
      return { held: d.reasons !== "", reasons: d.reasons, temp_bad: d.tempBad ?? null, alerts: d.alerts.map((a) => ({ ...a })) };
    });
    return c.json({ version: setup.rules.version, outcomes }, 200);
  });

  app.openapi(createRoute({
    method: "get", path: "/v1/plugins", tags: ["rules"], summary: "The plugins this server loaded and what each contributes",
    responses: { 200: { description: "plugins", content: { "application/json": { schema: z.object({ sdk: z.string(), plugins: z.array(z.record(z.string(), z.unknown())) }) } } }, ...errors() },
  }), async (c) => {
    const { plugins: registry } = await setupOf(deps.rules);
    const plugins = registry.plugins.map((p) => ({
      name: p.name, version: p.version,
      meter_types: registry.meterTypes.filter((t) => t.plugin === p.name).map((t) => ({ name: t.name, kind: t.kind, unit: t.unit })),
      channels: registry.channels.filter((ch) => ch.plugin === p.name).map((ch) => ({ name: ch.name, unit: ch.unit, range: ch.range })),
      facts: registry.facts.filter((f) => f.plugin === p.name).map((f) => f.name),
      rules: registry.rules.filter((r) => r.plugin === p.name).map((r) => r.name),
    }));
    return c.json({ sdk: SDK_VERSION, plugins }, 200);
  });
}
