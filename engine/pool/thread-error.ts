// An error thrown in a decision thread, as it crosses back to the caller. A thrown error crosses a
// thread as a structured clone, which keeps only its message and stack: its `code` (MF_ERR_...),
// its class (PluginError, MeterflowError) and a PluginError's plugin and hook are lost, and the
// command line prints a stack where one thread printed a coded line. So the thread hands the
// error back as a value (ThreadFailure) and the pool throws it again as the error it was.
import { MeterflowError } from "../errors.js";
import { PluginError } from "../../sdk/errors.js";
import type { PluginErrorCode } from "../../sdk/errors.js";

/** What marks a thread's answer as a failure. */
const FAILED = "meterflow-decision-failed";

/** An error as plain data (structured-clone safe). */
export interface ErrorData {
  name: string;
  message: string;
  stack?: string;
  code?: string;
  /** A PluginError's plugin and hook. */
  plugin?: string;
  hook?: string;
  cause?: ErrorData;
}

/** A decision thread's answer when the decision threw. */
export interface ThreadFailure {
  [FAILED]: ErrorData;
}

/** `error` as a thread's answer. */
export function threadFailure(error: unknown): ThreadFailure {
  return { [FAILED]: toData(error, 0) };
}

/** Whether a thread's answer is a failure. */
export function isThreadFailure(answer: unknown): answer is ThreadFailure {
  return typeof answer === "object" && answer !== null && FAILED in answer;
}

/** The error a failure carried, rebuilt: the same class (PluginError, MeterflowError), code, message and the thread's stack. */
export function threadError(failure: ThreadFailure): Error {
  return fromData(failure[FAILED]);
}

function toData(error: unknown, depth: number): ErrorData {
  if (!(error instanceof Error)) return { name: "Error", message: String(error) };
  const e = error as Error & { code?: unknown; plugin?: unknown; hook?: unknown };
  return {
    name: e.name, message: e.message,
    ...(typeof e.stack === "string" ? { stack: e.stack } : {}),
    ...(typeof e.code === "string" ? { code: e.code } : {}),
    ...(typeof e.plugin === "string" ? { plugin: e.plugin } : {}),
    ...(typeof e.hook === "string" ? { hook: e.hook } : {}),
    ...(e.cause !== undefined && depth < 4 ? { cause: toData(e.cause, depth + 1) } : {}),
  };
}

function fromData(d: ErrorData): Error {
  const cause = d.cause === undefined ? undefined : fromData(d.cause);
  let error: Error;
  const prefix = `[plugin ${d.plugin}] ${d.hook}: `;
  if (d.name === "PluginError" && d.code !== undefined && d.plugin !== undefined && d.hook !== undefined && d.message.startsWith(prefix)) {
    error = new PluginError(d.code as PluginErrorCode, d.plugin, d.hook, d.message.slice(prefix.length), { cause });
  } else if (d.code !== undefined) {
    error = new MeterflowError(d.code, d.message, { cause });
    error.name = d.name;
  } else {
    error = new Error(d.message, cause === undefined ? undefined : { cause });
    error.name = d.name;
  }
  if (d.stack !== undefined) error.stack = d.stack;
  return error;
}
