// Tokens over HTTP, for admins: the same as `meterflow tokens add|list|revoke` (the new token in
// the answer once, the store keeping only its hash).
import { createRoute, z } from "@hono/zod-openapi";
import type { OpenAPIHono } from "@hono/zod-openapi";
import { requireRole } from "../auth/middleware.js";
import { newToken } from "../auth/tokens.js";
import type { ApiDeps, ApiEnv } from "../context.js";
import { ApiError } from "../errors.js";
import { errors } from "../schemas.js";

const NAME = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$/, "1 to 64 letters, digits, . _ @ - (starting with a letter or digit)");
const TokenSchema = z.object({ name: z.string(), role: z.enum(["viewer", "operator", "admin"]), created_at: z.string(), revoked_at: z.string().nullable() }).openapi("Token");

export function tokenRoutes(app: OpenAPIHono<ApiEnv>, deps: ApiDeps): void {
  app.openapi(createRoute({
    method: "get", path: "/v1/tokens", tags: ["tokens"], summary: "Every token's name, role and dates (never a token)", middleware: [requireRole("admin")] as const,
    responses: { 200: { description: "tokens", content: { "application/json": { schema: z.object({ tokens: z.array(TokenSchema) }) } } }, ...errors() },
  }), async (c) => c.json({
    tokens: (await deps.store.listTokens()).map((t) => ({ name: t.name, role: t.role, created_at: t.createdAt, revoked_at: t.revokedAt })),
  }, 200));

  app.openapi(createRoute({
    method: "post", path: "/v1/tokens", tags: ["tokens"], summary: "Adds a token: the answer holds it, once", middleware: [requireRole("admin")] as const,
    request: { body: { required: true, content: { "application/json": { schema: z.strictObject({ name: NAME, role: z.enum(["viewer", "operator", "admin"]) }).openapi("NewToken") } } } },
    responses: { 201: { description: "added", content: { "application/json": { schema: z.object({ name: z.string(), role: z.string(), token: z.string() }) } } }, ...errors(400, 409, 413) },
  }), async (c) => {
    const { name, role } = c.req.valid("json");
    const { token, hash } = newToken();
    if (!(await deps.store.addToken({ name, role, hash, createdAt: new Date().toISOString() }))) {
      throw new ApiError(409, "MF_ERR_API_TOKEN_EXISTS", `a token named ${name} exists (revoke it first, or choose another name)`);
    }
    c.header("Cache-Control", "no-store");
    return c.json({ name, role, token }, 201);
  });

  app.openapi(createRoute({
    method: "delete", path: "/v1/tokens/{name}", tags: ["tokens"], summary: "Revokes a token at once", middleware: [requireRole("admin")] as const,
    request: { params: z.strictObject({ name: NAME.openapi({ param: { name: "name", in: "path" } }) }) },
    responses: { 200: { description: "revoked", content: { "application/json": { schema: z.object({ name: z.string(), revoked: z.literal(true) }) } } }, ...errors(400, 404) },
  }), async (c) => {
    const { name } = c.req.valid("param");
    if (!(await deps.store.revokeToken(name, new Date().toISOString()))) throw new ApiError(404, "MF_ERR_API_NOT_FOUND", `no valid token named ${name}`);
    return c.json({ name, revoked: true as const }, 200);
  });
}
