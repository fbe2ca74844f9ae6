// Rules and plugins through the control API on both stores: the active version, a swap by an
// admin (validated first: 400 with every problem and the old rules still deciding), the new rules
// deciding the next batch of one, a dry run over posted facts, the plugins loaded.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { startApiServer } from "../../../engine/api/server.js";
import { tempDir } from "../../helpers/tmp.js";
import { apiFixture, STORES } from "./fixture.js";
import type { ApiFixture } from "./fixture.js";

const BIG = {
  rules: [{
    name: "big-consumption", priority: 10,
    conditions: { all: [{ fact: "consumption", operator: "greaterThan", value: 5 }] },
    event: { type: "hold", params: { reason: "big" } },
  }],
};

const dir = tempDir("meterflow-api-rules-test-");

function form(fields: Record<string, string>): FormData {
  const data = new FormData();
  for (const [k, v] of Object.entries(fields)) data.append(k, v);
  return data;
}

describe.each(STORES)("control API rules on $kind", ({ db }) => {
  let f: ApiFixture;
  afterEach(async () => {
    expect(f.logged).toEqual([]);
    await f?.close();
  });

  it("swaps the rules for an admin after validating them; a bad set is refused with every problem and changes nothing", async () => {
    f = await apiFixture(db);
    const before = await f.request("GET", "/v1/rules", { token: f.tokens.viewer });
    expect(before).toMatchObject({ status: 200, data: { version: f.session.rules.version, kind: "defaults" } });
    expect(before.data.sets.map((s: { kind: string }) => s.kind)).toContain("defaults");

    expect(await f.request("PUT", "/v1/rules", { json: { files: [{ name: "big.json", content: BIG }] } })).toMatchObject({ status: 403, data: { code: "MF_ERR_API_FORBIDDEN" } });
    const typo = { rules: [{ ...BIG.rules[0], conditions: { all: [{ fact: "consumptoin", operator: "greaterThan", value: 5 }, { fact: "valeu", operator: "equal", value: 1 }] } }] };
    const bad = await f.request("PUT", "/v1/rules", { json: { files: [{ name: "big.json", content: typo }] }, token: f.tokens.admin });
    expect(bad).toMatchObject({ status: 400, data: { code: "MF_ERR_RULES_UNKNOWN_FACT" } });
    expect(bad.data.issues.map((i: { message: string }) => i.message).join(" ")).toMatch(/consumptoin[\s\S]*valeu/);
    // Named as posted, not by where the server wrote them.
    expect(bad.data.issues.map((i: { file: string }) => i.file)).toEqual(["big.json", "big.json"]);
    expect(bad.data.message).toContain("big.json rules[0].conditions");
    expect(bad.data.message).not.toContain("meterflow-api-rules-");
    expect(await f.request("PUT", "/v1/rules", { json: { files: [{ name: "../x.json", content: BIG }] }, token: f.tokens.admin })).toMatchObject({ status: 400 });
    expect(await f.request("PUT", "/v1/rules", { json: { files: [], extra: 1 }, token: f.tokens.admin })).toMatchObject({ status: 400 });
    expect((await f.request("GET", "/v1/rules")).data.version).toBe(before.data.version);
    // The old rules still decide: 10 units is billed.
    expect((await f.request("POST", "/v1/meters/E-1/readings", { body: form({ end: "2026-11-10", value: "1010" }) })).data).toMatchObject({ decision: "billed" });

    const swapped = await f.request("PUT", "/v1/rules", { json: { files: [{ name: "big.json", content: BIG }] }, token: f.tokens.admin });
    expect(swapped).toMatchObject({ status: 200, data: { kind: "files" } });
    expect(swapped.data.sets.flatMap((x: { files: string[] }) => x.files)).toContain("big.json");
    expect(swapped.data.version).not.toBe(before.data.version);
    expect((await f.request("GET", "/v1/rules")).data.version).toBe(swapped.data.version);
    const next = await f.request("POST", "/v1/meters/E-2/readings", { body: form({ end: "2026-11-10", value: "1010" }) });
    expect(next.data).toMatchObject({ decision: "held", reasons: "big" });
    const metrics = await (await f.app.request("/metrics", { headers: { authorization: `Bearer ${f.tokens.viewer}` } })).text();
    expect(metrics).toContain(`meterflow_rules_info{version="${swapped.data.version}"} 1`);
  });

  it("takes every form of rule file the rule loader takes: one rule, an array of rules, {rows, rules, conditions}", async () => {
    f = await apiFixture(db);
    const admin = { token: f.tokens.admin };
    const [rule] = BIG.rules;
    const forms: Record<string, unknown> = {
      "one-rule.json": rule,
      "array.json": [{ ...rule, name: "big-2" }, { ...rule, name: "big-3" }],
      "object.json": { rows: "reading", rules: [{ ...rule, name: "big-4", conditions: { all: [{ condition: "large" }] } }], conditions: { large: { all: [{ fact: "consumption", operator: "greaterThan", value: 5 }] } } },
    };
    for (const [name, content] of Object.entries(forms)) {
      const res = await f.request("PUT", "/v1/rules", { json: { files: [{ name, content }] }, ...admin });
      expect(res, name).toMatchObject({ status: 200, data: { kind: "files" } });
      expect(res.data.sets.flatMap((s: { files: string[] }) => s.files).join(" "), name).toContain(name);
    }
    const all = await f.request("PUT", "/v1/rules", { json: { files: Object.entries(forms).map(([name, content]) => ({ name, content })) }, ...admin });
    expect(all.status, JSON.stringify(all.data)).toBe(200);
    expect((await f.request("POST", "/v1/meters/E-1/readings", { body: form({ end: "2026-11-10", value: "1010" }) })).data).toMatchObject({ decision: "held", reasons: "big" });
    // What the loader refuses, it refuses with its own code and issues; a file's content is an object or an array.
    const shape = await f.request("PUT", "/v1/rules", { json: { files: [{ name: "x.json", content: [{ name: "no-conditions", event: { type: "hold" } }] }] }, ...admin });
    expect(shape).toMatchObject({ status: 400, data: { code: expect.stringMatching(/^MF_ERR_RULES_/) } });
    expect(shape.data.issues.length).toBeGreaterThan(0);
    for (const content of [undefined, "rules", null]) {
      expect(await f.request("PUT", "/v1/rules", { json: { files: [{ name: "x.json", content }] }, ...admin }), String(content)).toMatchObject({ status: 400, data: { code: "MF_ERR_API_INVALID" } });
    }
    expect((await f.request("GET", "/v1/rules")).data.version).toBe(all.data.version);
    // The document says so.
    const doc = (await f.request("GET", "/openapi.json")).data;
    expect(JSON.stringify(doc.components.schemas.PutRules)).toMatch(/an array of rules/);
  });

  it("says what the rule linter finds in posted rules, as a run says it on stderr: in the answer, in GET /v1/rules and on the server's stderr", async () => {
    // API audit: rules whose hold was written as an event meterflow does not act on ("Hold") were
    // swapped in silently, and the server's manual readings and releases billed what they meant to hold.
    const warned: string[] = [];
    f = await apiFixture(db, { onWarning: (w) => warned.push(w) });
    const defaults = await f.request("GET", "/v1/rules", { token: f.tokens.viewer });
    expect(defaults.data.warnings).toEqual([]);
    const hold = { ...BIG.rules[0], event: { type: "Hold", params: { reason: "big" } } };
    const res = await f.request("PUT", "/v1/rules", { json: { files: [{ name: "mine.json", content: [hold] }] }, token: f.tokens.admin });
    expect(res.status, JSON.stringify(res.data)).toBe(200);
    const text = res.data.warnings.join("\n");
    expect(text).toContain('mine.json: rule "big-consumption"');
    expect(text).toContain("MF_WARN_RULES_UNKNOWN_EVENT");
    expect(text).toContain("no hold rules: every reading will be billed");
    // Named as posted, not by where the server wrote them.
    expect(text).not.toContain("meterflow-api-rules-");
    expect((await f.request("GET", "/v1/rules", { token: f.tokens.viewer })).data.warnings).toEqual(res.data.warnings);
    expect(warned).toEqual(res.data.warnings);
    // Rules that keep the defaults' holds say nothing.
    const kept = await f.request("PUT", "/v1/rules", { json: { files: [{ name: "big.json", content: BIG }] }, token: f.tokens.admin });
    expect(kept.data.warnings.join("\n")).toContain("--rules replaces the default rules");

    // serve --rules says them when it starts, as a run does before it starts.
    const file = join(dir, `hold-${f.tokens.admin.slice(4, 12)}.json`);
    writeFileSync(file, JSON.stringify([hold]));
    const started: string[] = [];
    const server = await startApiServer({ db: f.db, port: 0, rules: [file], onWarning: (w) => started.push(w) });
    await server.close();
    expect(started.join("\n")).toContain("MF_WARN_RULES_UNKNOWN_EVENT");
    expect(started.join("\n")).toContain("no hold rules: every reading will be billed");
  });

  it("dry-runs the active rules over posted facts, and lists the plugins", async () => {
    f = await apiFixture(db);
    const res = await f.request("POST", "/v1/rules/test", { token: f.tokens.viewer, json: { facts: [{ initial: true }, { meter_temp_bad: true, consumption: 3 }] } });
    expect(res.status, JSON.stringify(res.data)).toBe(200);
    expect(res.data.version).toBe(f.session.rules.version);
    expect(res.data.outcomes[1]).toMatchObject({ held: true, reasons: expect.stringContaining("temp_bad") });
    expect(await f.request("POST", "/v1/rules/test", { json: { fact: {} } })).toMatchObject({ status: 400 });
    await f.request("PUT", "/v1/rules", { json: { files: [{ name: "big", content: BIG }] }, token: f.tokens.admin });
    const after = await f.request("POST", "/v1/rules/test", { json: { facts: { consumption: 6 } } });
    expect(after.data.outcomes).toEqual([{ held: true, reasons: "big", temp_bad: null, alerts: [] }]);
    const plugins = await f.request("GET", "/v1/plugins", { token: f.tokens.viewer });
    expect(plugins.status).toBe(200);
    expect(plugins.data.plugins.length).toBeGreaterThan(0);
    expect(plugins.data.plugins[0]).toMatchObject({ name: expect.any(String), version: expect.any(String) });
  });
});
