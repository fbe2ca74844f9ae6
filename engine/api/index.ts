// The control API (issue 16): Hono app, server, tokens.
export { createApi, DEFAULT_JOB_NICE, DEFAULT_MAX_BODY, DEFAULT_MAX_PHOTO } from "./app.js";
export type { ApiOptions } from "./app.js";
export { allows, hashToken, matchToken, newToken, ROLES } from "./auth/tokens.js";
export { isBusy, retryWhenBusy } from "./busy.js";
export { ApiError } from "./errors.js";
export type { ApiErrorCode } from "./errors.js";
export type { NatsProbe, NatsProbeOptions, PartitionLag } from "./nats.js";
export { startApiServer } from "./server.js";
export type { ApiServer, ServerOptions } from "./server.js";
