// What every route of the control API is given: the store, the operator session deciding batches
// of one, limits, metrics, and (once authenticated) the caller's token.
import type { OperationSession } from "../operations/index.js";
import type { PartitionedStore, TokenRole } from "../store/contract.js";
import type { ApiMetrics } from "./metrics.js";
import type { NatsProbe } from "./nats.js";
import type { ActiveRules } from "./rules-state.js";

export interface ApiDeps {
  store: PartitionedStore;
  /** Decides batches of one (releases, manual readings) with the active rules; one at a time (see serialize). */
  readonly session: OperationSession;
  /** The active rules (replaced by PUT /v1/rules, between two batches of one). */
  rules: ActiveRules;
  metrics: ApiMetrics;
  /** NATS, when the server was given one (`serve --nats`): readiness and queue lag. */
  nats?: NatsProbe;
  /** Largest JSON body accepted (bytes). */
  maxBodyBytes: number;
  /** Largest photo upload accepted (bytes, the whole multipart body). */
  maxPhotoBytes: number;
  /** Whether a manual reading with a photo on a temp_bad meter waits for an operator (held awaiting_review) instead of resolving the flag. */
  manualReview: boolean;
  /** Days after today a manual reading's end may lie (later: rejected future_date); undefined: the operation's default (1). */
  futureDays?: number;
  /** Runs `work` after every earlier one ended (batches of one are decided one at a time). */
  serialize<T>(work: () => Promise<T>): Promise<T>;
  log(error: unknown): void;
  /** Says what a person should know (rules that would bill what they were written to hold, ...). */
  warn(message: string): void;
}

export interface ApiEnv {
  Variables: {
    token: { name: string; role: TokenRole };
  };
}
