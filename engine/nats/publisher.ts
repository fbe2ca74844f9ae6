// Publishes readings messages to JetStream with acknowledgements awaited: one message per
// subject (partition) awaits its acknowledgement at a time, so a partition's messages are stored
// in the order they were published, even when one has to be sent again; partitions publish in
// parallel, and at most `inFlight` messages are queued or unacknowledged in all. A publish that
// times out (a server restart, a slow disk) is sent again with the same message id: if the first
// attempt was stored after all, the stream's duplicate window drops the second and the
// acknowledgement says duplicate.
import type { JetStreamClient, PubAck } from "@nats-io/jetstream";
import { NatsError } from "./errors.js";
import type { ReadingsMessage } from "./messages.js";

/** Options of Publisher. */
export interface PublisherOptions {
  /** Messages queued or awaiting acknowledgement, at most; default 64 (one per subject awaits its acknowledgement at a time). */
  inFlight?: number;
  /** Milliseconds to wait for one acknowledgement; default 10000. */
  ackTimeoutMs?: number;
  /** Attempts per message; default 5. */
  attempts?: number;
  /** The stream the acknowledgements must come from (a check that the subject is bound to it). */
  stream?: string;
}

/** What was published so far. */
export interface PublishCounts {
  messages: number;
  readings: number;
  bytes: number;
  /** Messages the server reported as duplicates (not stored again). */
  duplicates: number;
  /** Readings in those messages. */
  duplicateReadings: number;
  /** Publishes sent again after a timeout or a lost connection. */
  retries: number;
}

/** JetStream publisher: ordered per subject, parallel across subjects, bounded in all. */
export class Publisher {
  readonly counts: PublishCounts = { messages: 0, readings: 0, bytes: 0, duplicates: 0, duplicateReadings: 0, retries: 0 };
  readonly #js: JetStreamClient;
  readonly #inFlight: number;
  readonly #timeout: number;
  readonly #attempts: number;
  readonly #stream: string | undefined;
  readonly #pending = new Set<Promise<void>>();
  /** The last queued publish of each subject: the next one waits for it. */
  readonly #tails = new Map<string, Promise<void>>();
  #failure: Error | undefined;

  constructor(js: JetStreamClient, options: PublisherOptions = {}) {
    this.#js = js;
    this.#inFlight = options.inFlight ?? 64;
    this.#timeout = options.ackTimeoutMs ?? 10_000;
    this.#attempts = options.attempts ?? 5;
    this.#stream = options.stream;
  }

  /** Publishes a message; resolves once there is room for another (rejects on an earlier failure). */
  async publish(message: ReadingsMessage): Promise<void> {
    if (this.#failure !== undefined) throw this.#failure;
    while (this.#pending.size >= this.#inFlight) {
      await Promise.race(this.#pending);
      if (this.#failure !== undefined) throw this.#failure;
    }
    const subject = message.subject;
    const previous = this.#tails.get(subject) ?? Promise.resolve();
    const p: Promise<void> = previous
      .then(async () => {
        if (this.#failure !== undefined) return;
        this.#acked(message, await this.#send(message));
      })
      .catch((error) => {
        this.#failure ??= error as Error;
      })
      .finally(() => {
        this.#pending.delete(p);
        if (this.#tails.get(subject) === p) this.#tails.delete(subject);
      });
    this.#tails.set(subject, p);
    this.#pending.add(p);
  }

  /** Waits for every acknowledgement; rejects with the first failure. */
  async flush(): Promise<PublishCounts> {
    while (this.#pending.size > 0) await Promise.race(this.#pending);
    if (this.#failure !== undefined) throw this.#failure;
    return this.counts;
  }

  async #send(m: ReadingsMessage): Promise<PubAck> {
    let last: unknown;
    for (let attempt = 1; attempt <= this.#attempts; attempt++) {
      try {
        return await this.#js.publish(m.subject, m.payload, { msgID: m.msgId, timeout: this.#timeout });
      } catch (error) {
        last = error;
        if (!retryable(error) || attempt === this.#attempts) break;
        this.counts.retries++;
        await new Promise((r) => setTimeout(r, 100 * attempt));
      }
    }
    throw new NatsError("MF_ERR_NATS_PUBLISH", `publish to ${m.subject} not acknowledged: ${(last as Error)?.message ?? String(last)}`, last);
  }

  #acked(m: ReadingsMessage, ack: PubAck): void {
    if (this.#stream !== undefined && ack.stream !== this.#stream) {
      this.#failure ??= new NatsError("MF_ERR_NATS_PUBLISH", `${m.subject} is stored by stream ${ack.stream}, not ${this.#stream}`);
      return;
    }
    this.counts.messages++;
    this.counts.readings += m.rows;
    this.counts.bytes += m.payload.length;
    if (ack.duplicate) {
      this.counts.duplicates++;
      this.counts.duplicateReadings += m.rows;
    }
  }
}

/**
 * Timeouts and missing responders (a server restarting) are worth another attempt; a refusal by
 * the JetStream API (wrong stream, limits) or a closed connection is not.
 */
function retryable(error: unknown): boolean {
  const e = error as { name?: string; message?: string };
  if (e?.name === "JetStreamApiError") return false;
  return !/connection closed/i.test(e?.message ?? "");
}
