// Errors of the control API: every answer that is not a success is JSON `{ code, message }` with a
// stable code (MF_ERR_API_* here, or the operation's or store's own code) and its HTTP status.
import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { MeterflowError } from "../errors.js";

export type ApiErrorCode =
  /** No `Authorization: Bearer <token>`, or a token that is unknown or revoked. */
  | "MF_ERR_API_UNAUTHORIZED"
  /** The token's role is too low for the route (viewer < operator < admin). */
  | "MF_ERR_API_FORBIDDEN"
  /** Too many failed authentications from this address: wait Retry-After seconds. */
  | "MF_ERR_API_RATE_LIMITED"
  /** The request does not match the route's schema (an unknown field, a missing one, a bad value). */
  | "MF_ERR_API_INVALID"
  /** The body is larger than the route allows. */
  | "MF_ERR_API_BODY_TOO_LARGE"
  /** The photo is not a JPEG, PNG or WebP (by its bytes), or the body is not of the type the route takes. */
  | "MF_ERR_API_UNSUPPORTED_MEDIA"
  /** No such route, job, token or photo (an unknown meter is MF_ERR_UNKNOWN_METER, a held reading MF_ERR_HELD_NOT_FOUND). */
  | "MF_ERR_API_NOT_FOUND"
  /** The path is served, but not with this method (405, `Allow` names the methods it takes). */
  | "MF_ERR_API_METHOD_NOT_ALLOWED"
  /** A job's path leaves the data directory. */
  | "MF_ERR_API_PATH_OUTSIDE"
  /** A valid token has the name already. */
  | "MF_ERR_API_TOKEN_EXISTS"
  /** A job that ended cannot be paused, resumed or cancelled. */
  | "MF_ERR_API_JOB_ENDED"
  /** The store cannot be reached. */
  | "MF_ERR_API_NOT_READY"
  /** A failure of the server itself (logged on its standard error). */
  | "MF_ERR_API_INTERNAL";

export class ApiError extends MeterflowError {
  override name = "ApiError";
  declare readonly code: ApiErrorCode;
  readonly status: ContentfulStatusCode;
  readonly issues?: unknown[];
  readonly headers?: Record<string, string>;
  constructor(status: ContentfulStatusCode, code: ApiErrorCode, message: string, more: { issues?: unknown[]; headers?: Record<string, string> } = {}) {
    super(code, message);
    this.status = status;
    if (more.issues !== undefined) this.issues = more.issues;
    if (more.headers !== undefined) this.headers = more.headers;
  }
}

/** HTTP status of the operations' and store's coded errors. */
const STATUS: Record<string, ContentfulStatusCode> = {
  MF_ERR_UNKNOWN_METER: 404,
  MF_ERR_HELD_NOT_FOUND: 404,
  MF_ERR_HELD_AMBIGUOUS: 409,
  MF_ERR_RELEASE_REFUSED: 409,
  MF_ERR_FLAG_NOT_SET: 409,
  MF_ERR_REASON_REQUIRED: 400,
  MF_ERR_OPERATION_CONTENDED: 409,
  MF_ERR_STORE_VERSION: 412,
  MF_ERR_STORE_READ: 503,
  MF_ERR_STORE_WRITE: 503,
  MF_ERR_STORE_OPEN: 503,
  MF_ERR_STORE_FENCED: 409,
};

/** The JSON answer of an error; `log` receives what is not the client's doing. */
export function errorResponse(c: Context, error: unknown, log: (error: unknown) => void): Response {
  if (error instanceof ApiError) {
    for (const [k, v] of Object.entries(error.headers ?? {})) c.header(k, v);
    return c.json({ code: error.code, message: error.message, ...(error.issues === undefined ? {} : { issues: error.issues }) }, error.status);
  }
  if (error instanceof HTTPException) {
    const status = error.status as ContentfulStatusCode;
    const code = status === 413 ? "MF_ERR_API_BODY_TOO_LARGE" : status === 415 ? "MF_ERR_API_UNSUPPORTED_MEDIA" : status === 401 ? "MF_ERR_API_UNAUTHORIZED" : "MF_ERR_API_INVALID";
    return c.json({ code, message: error.message || "bad request" }, status);
  }
  const coded = error as { code?: unknown; message?: string };
  if (error instanceof MeterflowError && typeof coded.code === "string" && coded.code in STATUS) {
    const status = STATUS[coded.code];
    if (status >= 500) log(error);
    return c.json({ code: coded.code, message: coded.message }, status);
  }
  log(error);
  return c.json({ code: "MF_ERR_API_INTERNAL", message: "internal error (see the server's log)" }, 500);
}
