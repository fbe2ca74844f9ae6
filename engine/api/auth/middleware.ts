// Authentication (every route but /health): `Authorization: Bearer <token>`, matched in constant
// time against the store's valid tokens; 401 without or with a wrong one, 429 for an address with
// too many failures. `requireRole` answers 403 for a role too low.
import type { MiddlewareHandler } from "hono";
import type { TokenRole } from "../../store/contract.js";
import type { ApiEnv } from "../context.js";
import { ApiError } from "../errors.js";
import type { FailureLimiter } from "./rate-limit.js";
import { allows, matchToken, validTokens } from "./tokens.js";
import type { PartitionedStore } from "../../store/contract.js";

/**
 * Paths open without a token: liveness, the status page (static: its script fetches the figures with
 * a token) and its icon (browsers ask for /favicon.ico without a token: a 401 would count against
 * the operator's address in the rate limit).
 */
const OPEN = new Set(["/health", "/", "/favicon.ico"]);

/** The caller's address (the socket's, under @hono/node-server; "local" for app.request). */
function clientOf(env: unknown): string {
  const incoming = (env as { incoming?: { socket?: { remoteAddress?: string } } } | undefined)?.incoming;
  return incoming?.socket?.remoteAddress ?? "local";
}

export function authenticate(store: PartitionedStore, limiter: FailureLimiter): MiddlewareHandler<ApiEnv> {
  return async (c, next) => {
    if (OPEN.has(c.req.path)) return next();
    const client = clientOf(c.env);
    const wait = limiter.blockedFor(client);
    if (wait > 0) {
      throw new ApiError(429, "MF_ERR_API_RATE_LIMITED", `too many failed authentications from ${client}: try again in ${wait} s`,
        { headers: { "Retry-After": String(wait) } });
    }
    const header = c.req.header("authorization");
    const match = header === undefined ? null : /^Bearer +(\S+) *$/i.exec(header);
    if (match === null) {
      limiter.fail(client);
      throw new ApiError(401, "MF_ERR_API_UNAUTHORIZED", "this route needs Authorization: Bearer <token> (meterflow tokens add)",
        { headers: { "WWW-Authenticate": 'Bearer realm="meterflow"' } });
    }
    const token = matchToken(await validTokens(store), match[1]);
    if (token === undefined) {
      limiter.fail(client);
      throw new ApiError(401, "MF_ERR_API_UNAUTHORIZED", "unknown or revoked token",
        { headers: { "WWW-Authenticate": 'Bearer realm="meterflow", error="invalid_token"' } });
    }
    c.set("token", { name: token.name, role: token.role });
    return next();
  };
}

/** 403 unless the caller's role is at least `needed`. */
export function requireRole(needed: TokenRole): MiddlewareHandler<ApiEnv> {
  return async (c, next) => {
    const { name, role } = c.get("token");
    if (!allows(role, needed)) {
      throw new ApiError(403, "MF_ERR_API_FORBIDDEN", `token ${name} is ${article(role)} ${role}; this needs ${article(needed)} ${needed} or above`);
    }
    return next();
  };
}

/** "an" before a role that starts with a vowel (admin, operator), else "a" (viewer). */
function article(role: string): string {
  return /^[aeiou]/.test(role) ? "an" : "a";
}
