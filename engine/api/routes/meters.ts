// Meters: one meter as an operator sees it (registry row, state, temp_bad, version, recent
// readings), its audit, and its temp_bad flag set and cleared (conditional on If-Match).
import { createRoute } from "@hono/zod-openapi";
import type { OpenAPIHono } from "@hono/zod-openapi";
// A meter not in the registry is 404 with the code its operations give (unknownMeter), on every route.
import { clearTempBad, listTempBad, setTempBad, unknownMeter } from "../../operations/index.js";
import { day, flagText, readingId } from "../../sinks/format.js";
import type { FlagRow, PartitionedStore } from "../../store/contract.js";
import { requireRole } from "../auth/middleware.js";
import type { ApiDeps, ApiEnv } from "../context.js";
import { ifMatch } from "../if-match.js";
import { readMeter } from "../meter-read.js";
import {
  AuditSchema, ClearTempBadBody, errors, IfMatchHeader, MeterParams, MeterSchema, SetTempBadBody, TempBadResult,
} from "../schemas.js";

/** Readings shown with a meter (the latest by end day). */
const RECENT = 20;
const NO_DAY = -2147483648;

const snake = (key: string) => key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

async function flagOf(store: PartitionedStore, meterId: string) {
  return viewFlag((await listTempBad(store, meterId))[0]);
}

const viewFlag = (f: FlagRow | undefined) => (f === undefined ? null : { reason: f.reason, note: f.note, by: f.actor, since: f.at });

/** A meter as GET /v1/meters/:id answers it; 404 when it is not in the registry. */
export async function meterView(store: PartitionedStore, meterId: string) {
  const read = await readMeter(store, meterId, RECENT);
  if (read === undefined) throw unknownMeter(meterId);
  const s = read.state;
  const state = s === undefined ? null : {
    last_end: s.lastEnd === NO_DAY ? null : day(s.lastEnd),
    last_value: Number.isNaN(s.lastValue) ? null : s.lastValue,
    readings: s.readings,
    average_daily: s.sumDays > 0 ? s.sumConsumption / s.sumDays : null,
    held_readings: s.heldCount,
  };
  // The chain's readings: billed, or its baseline (a first reading, held `initial` as held.csv
  // says, billing nothing). A registry baseline (last_reading, last_end) is no reading: it is the
  // registry row's, and the state's last reading until the meter has one.
  const chain = read.chain.map((e) => {
    const baseline = e.held !== 0;
    return {
      reading_id: readingId(meterId, e.end), end: day(e.end), endDay: e.end, value: e.value, decision: baseline ? "held" as const : "billed" as const,
      consumption: baseline ? 0 : Number.isNaN(e.consumption) ? null : e.consumption, billed: e.billed, flags: flagText(e.flags),
      reasons: baseline ? "initial" : null, rules_version: null,
    };
  });
  const heldRows = read.held.map((h) => ({
    reading_id: h.readingId, end: day(h.endDay), endDay: h.endDay, value: h.value, decision: "held" as const,
    consumption: null, billed: 0, flags: "", reasons: h.reasons, rules_version: h.rulesVersion,
  }));
  const readings = [...chain, ...heldRows].sort((a, b) => b.endDay - a.endDay).slice(0, RECENT).map(({ endDay: _, ...r }) => r);
  const registry = Object.fromEntries(Object.entries(read.registry).filter(([k]) => k !== "meterId")
    .map(([k, v]) => [snake(k), k === "lastEnd" && typeof v === "number" ? day(v) : v]));
  return { meter_id: meterId, registry, state, temp_bad: viewFlag(read.flag), version: read.version, readings };
}

export function meterRoutes(app: OpenAPIHono<ApiEnv>, deps: ApiDeps): void {
  const { store } = deps;

  app.openapi(createRoute({
    method: "get", path: "/v1/meters/{id}", tags: ["meters"], summary: "A meter: registry row, state, temp_bad, version (also its ETag), recent readings",
    request: { params: MeterParams },
    responses: { 200: { description: "the meter", content: { "application/json": { schema: MeterSchema } } }, ...errors(400, 404) },
  }), async (c) => {
    const view = await meterView(store, c.req.valid("param").id);
    c.header("ETag", `"${view.version}"`);
    return c.json(view, 200);
  });

  app.openapi(createRoute({
    method: "get", path: "/v1/meters/{id}/audit", tags: ["meters"], summary: "Every set and clear of the meter's temp_bad and every release, oldest first",
    request: { params: MeterParams },
    responses: { 200: { description: "the audit", content: { "application/json": { schema: AuditSchema } } }, ...errors(400, 404) },
  }), async (c) => {
    const { id } = c.req.valid("param");
    if ((await store.registry([id])).length === 0) throw unknownMeter(id);
    const [audit, version] = await Promise.all([store.audit(id), store.meterVersion(id)]);
    c.header("ETag", `"${version}"`);
    return c.json({ meter_id: id, version, audit: audit.map((a) => ({ action: a.action, reason: a.reason, by: a.actor, at: a.at })) }, 200);
  });

  const answer = async (id: string) => {
    const [temp_bad, version] = await Promise.all([flagOf(store, id), store.meterVersion(id)]);
    return { meter_id: id, temp_bad, version };
  };

  app.openapi(createRoute({
    method: "put", path: "/v1/meters/{id}/temp-bad", tags: ["temp_bad"], summary: "Sets (or replaces) the meter's temp_bad flag, audited with the token's name",
    middleware: [requireRole("operator")] as const,
    request: { params: MeterParams, headers: IfMatchHeader, body: { required: true, content: { "application/json": { schema: SetTempBadBody } } } },
    responses: { 200: { description: "the flag as set", content: { "application/json": { schema: TempBadResult } } }, ...errors(400, 404, 412, 413) },
  }), async (c) => {
    const { id } = c.req.valid("param");
    const body = c.req.valid("json");
    const set = await setTempBad(store, { meterId: id, reason: body.reason, note: body.note, actor: c.get("token").name, ifVersion: await ifMatch(store, id, c.req.header("if-match")) });
    // The flag as set, at the version the set made (read where the store did not say it).
    const result = { meter_id: id, temp_bad: viewFlag(set), version: set.version ?? await store.meterVersion(id) };
    c.header("ETag", `"${result.version}"`);
    return c.json(result, 200);
  });

  app.openapi(createRoute({
    method: "delete", path: "/v1/meters/{id}/temp-bad", tags: ["temp_bad"], summary: "Clears the meter's temp_bad flag, audited with the token's name",
    middleware: [requireRole("operator")] as const,
    request: { params: MeterParams, headers: IfMatchHeader, body: { required: true, content: { "application/json": { schema: ClearTempBadBody } } } },
    responses: { 200: { description: "cleared", content: { "application/json": { schema: TempBadResult } } }, ...errors(400, 404, 409, 412, 413) },
  }), async (c) => {
    const { id } = c.req.valid("param");
    if ((await store.registry([id])).length === 0) throw unknownMeter(id);
    await clearTempBad(store, { meterId: id, reason: c.req.valid("json").reason, actor: c.get("token").name, ifVersion: await ifMatch(store, id, c.req.header("if-match")) });
    const result = await answer(id);
    c.header("ETag", `"${result.version}"`);
    return c.json(result, 200);
  });
}
