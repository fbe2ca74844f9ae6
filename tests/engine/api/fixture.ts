// A control API over a real store (SQLite file or PostgreSQL schema) with meters E-1..E-3 at
// baseline 1000 on 2026-10-31, a token per role, and a night runner; requests go through
// Hono's app.request (no socket), so the tests read status, headers and JSON as a client does.
import { join } from "node:path";
import { createApi } from "../../../engine/api/app.js";
import type { ApiOptions } from "../../../engine/api/app.js";
import { newToken } from "../../../engine/api/auth/tokens.js";
import { OperationSession } from "../../../engine/operations/index.js";
import type { TokenRole } from "../../../engine/store/contract.js";
import { METERS_HEADER, runAndRead, write } from "../../helpers/run.js";
import { tempDir } from "../../helpers/tmp.js";
import { runPostgresTests, testStoreUrl } from "../store/postgres-env.js";

const dir = tempDir("meterflow-api-");
let n = 0;

export const STORES = [
  { kind: "sqlite", db: () => join(dir, `api-${n++}.db`) },
  ...(runPostgresTests ? [{ kind: "postgres", db: testStoreUrl }] : []),
];

const E = (id: string) => `${id},electricity.register,kWh,1,,,,,,,,,1000,2026-10-31`;

export interface Request {
  token?: string | null;
  json?: unknown;
  body?: BodyInit;
  headers?: Record<string, string>;
}

export type ApiFixture = Awaited<ReturnType<typeof apiFixture>>;

export async function apiFixture(newDb: () => string, options: Partial<ApiOptions> = {}) {
  const db = newDb();
  const name = `f-${n++}`;
  const meters = write(dir, `${name}-meters.csv`, [METERS_HEADER, E("E-1"), E("E-2"), E("E-3")]);
  let night = 0;
  const run = (lines: string[]) => runAndRead({
    meters, db, inputs: [write(dir, `${name}-${night}.csv`, ["meter_id,end,value", ...lines])], out: join(dir, `${name}-out-${night++}`),
  });
  await run([]);
  const session = await OperationSession.open({ db });
  const tokens = {} as Record<TokenRole, string>;
  for (const role of ["viewer", "operator", "admin"] as const) {
    const { token, hash } = newToken();
    await session.store.addToken({ name: `${role}-anna`, role, hash, createdAt: new Date().toISOString() });
    tokens[role] = token;
  }
  /** What the server logged as its own failures (500s): a test expects none. */
  const logged: unknown[] = [];
  const app = createApi({ store: session.store, session, db, log: (e) => logged.push(e), ...options });
  /** A request as a client sends it; `token` defaults to the operator's, null sends none. */
  const request = async (method: string, path: string, r: Request = {}) => {
    const headers: Record<string, string> = { ...r.headers };
    const token = r.token === undefined ? tokens.operator : r.token;
    if (token !== null) headers.authorization = `Bearer ${token}`;
    let body = r.body;
    if (r.json !== undefined) {
      headers["content-type"] = "application/json";
      body = JSON.stringify(r.json);
    }
    const res = await app.request(path, { method, headers, body });
    const type = res.headers.get("content-type") ?? "";
    const data = type.includes("json") ? await res.json() as Record<string, any> : undefined;
    return { status: res.status, headers: res.headers, data: data as Record<string, any>, res };
  };
  return { logged, db, run, session, store: session.store, tokens, app, request, close: () => session.close() };
}
