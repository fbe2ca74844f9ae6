// `meterflow worker`: decides the readings a cluster publishes to NATS JetStream and commits them
// to the shared store (DESIGN.md "Architecture": the same decision as `meterflow run`, another
// source and sink). Per partition, one durable consumer with one message in flight: a message
// is decoded, decided on its partition's slices (kept from batch to batch while the store
// says they are current, sessions.ts), committed in one fenced transaction
// (idempotent by its batch id, a hash of its content), its outputs published, and only then
// acknowledged. A crash at any point redelivers the message; its commit is then a duplicate and
// changes nothing, and its outputs go out if they had not. Any number of workers, on any number
// of machines, share the consumers with no configuration of their own: partition leases
// (leases.ts) give each about P / W partitions, and a dead worker's to the others.
import { createHash } from "node:crypto";
import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import type { Consumer, ConsumerMessages, JetStreamManager, JsMsg } from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/transport-node";
import { addCounts } from "../decide/output.js";
import type { BatchCounts } from "../decide/output.js";
import { connectNats, maxPayloadOf } from "../nats/connect.js";
import { ensureStream } from "../nats/stream.js";
import { useStoreTimeZone } from "../store/time-zone.js";
import { readingBatchOf } from "../nats/reading-batch.js";
import { decodeBatch } from "../nats/wire.js";
import { channelIndex } from "../plugins/index.js";
import { canDecideInThreads, DecisionPool } from "../pool/index.js";
import { committedLines } from "../runtime/committed.js";
import type { OutputFormat } from "../sinks/files.js";
import { createFormatter } from "../sinks/formatter.js";
import { warnOnStderr } from "../decide/rules.js";
import { loadDecisionSetup } from "../runtime/decision-setup.js";
import type { DecisionSetupOptions } from "../runtime/decision-setup.js";
import type { PartitionedStore } from "../store/contract.js";
import { openStore } from "../store/open.js";
import { consumerName, ensureConsumers } from "./consumers.js";
import { leaseTtlMs, PartitionLeases } from "./leases.js";
import { ensureOutputStream, outputStreamName, publishOutputs } from "./outputs.js";
import { PartitionSessions } from "./sessions.js";

export interface WorkerOptions extends DecisionSetupOptions {
  /** NATS server URL(s). */
  nats: string;
  /** The shared store: postgres://... (or an SQLite file for one machine). */
  db: string;
  /** Readings stream; default MFLOW. */
  stream?: string;
  /**
   * Exit (resolve) once no message has arrived for this many seconds and the stream's readings
   * consumers have nothing pending and nothing awaiting acknowledgement (the night is decided);
   * while another worker's batches are in hand or wait for redelivery it waits (onWaiting). When
   * all that is left is batches whose last delivery failed here, it resolves with `failing` set.
   * Absent: run until `signal`.
   */
  exitWhenIdleSeconds?: number;
  /** Called once when the worker is idle but the stream still has batches (another worker's, or to be delivered again). */
  onWaiting?: (backlog: { batches: number; partitions: readonly number[] }) => void;
  /** Seconds a message may stay unacknowledged before another worker gets it; default 30. */
  ackWaitSeconds?: number;
  /** Stops the worker after the messages in hand. */
  signal?: AbortSignal;
  /** Called after each message. */
  onMessage?: (counts: WorkerCounts) => void;
  /** Where warnings about the rules go before the first message (as `meterflow run` says them); default stderr. */
  onWarning?: (message: string) => void;
  /** Called when the partitions this worker holds change (leases.ts), with the number of live workers. */
  onLeases?: (leases: { partitions: readonly number[]; workers: number }) => void;
  /** Called once the stream and consumers are ready. */
  onReady?: (info: { stream: string; partitions: number; threads: number }) => void;
  /**
   * Decision threads: 0 (the default) decides in the main thread; N, in a pool of N threads
   * (batches of different partitions in parallel). On 2 cores shared with PostgreSQL and
   * nats-server the pool cost more than it gave (README "Workers and the shared store").
   */
  threads?: number;
  /**
   * How output messages carry their rows: NDJSON (the default) or CSV rows (billing.csv's lines,
   * the header row in the message's `Meterflow-Columns` header: ~40% of NDJSON's bytes). Every
   * worker of a cluster the same.
   */
  format?: OutputFormat;
}

/** What a worker did: the counts of the batches it committed, and its messages. */
export interface WorkerCounts extends BatchCounts {
  /** Messages handled (acknowledged). */
  messages: number;
  /** Of those, messages whose batch was committed before (a redelivery, a second publish). */
  duplicateMessages: number;
  /** Output messages published to meterflow.billing/held/alerts/rejected. */
  outputs: number;
  /** Deliveries that failed (deciding, committing or publishing): each message went back to the stream. */
  failedDeliveries: number;
  /** The distinct batches (messages) of those failed deliveries. */
  failedBatches: number;
  seconds: number;
}

/** What an idle worker left in the stream when it exited because the only batches left kept failing here. */
export interface WorkerFailing {
  /** Batches whose last delivery failed here (one per partition). */
  batches: number;
  /** Batches of the same partitions queued behind them. */
  behind: number;
  /** The last failure's message (with its code). */
  last: string;
}

/** What runWorker resolves with: the counts, and `failing` when it exited with failing batches left. */
export interface WorkerResult extends WorkerCounts {
  failing?: WorkerFailing;
}

/** Failpoint for the crash tests: SIGKILL right after this many commits (before publish and ack). */
const KILL_AFTER_COMMITS = Number(process.env.MF_FAILPOINT_KILL_AFTER_COMMITS ?? 0);

export async function runWorker(options: WorkerOptions): Promise<WorkerResult> {
  const started = performance.now();
  const setup = await loadDecisionSetup(options);
  // What a run says before it starts, a worker says too (the plugins' rule files' lint, no hold rules, --rules replacing the defaults).
  for (const warning of setup.rules.warnings()) (options.onWarning ?? warnOnStderr)(warning);
  await setup.plugins.setup();
  let store: PartitionedStore | undefined;
  let nc: NatsConnection | undefined;
  let pool: DecisionPool | undefined;
  try {
    // The store a cluster shares was made by `meters import` (or a run): a mistyped --db is an
    // error, not a new empty store that would take the stream's readings (MF_ERR_STORE_MISSING).
    store = await openStore(options.db, { mustExist: true });
    nc = await connectNats(options.nats, { name: "meterflow worker" });
    const jsm = await jetstreamManager(nc);
    // The batches' days are the store's: the stream must count them in its zone.
    useStoreTimeZone(store);
    const stream = await ensureStream(jsm, { name: options.stream, partitions: store.partitions, timeZone: store.timeZone, askedBy: "the store (--db)", timeZoneAskedBy: "the store (--db)" });
    await ensureOutputStream(jsm, outputStreamName(stream.name));
    const ackWaitMs = (options.ackWaitSeconds ?? 30) * 1000;
    await ensureConsumers(jsm, stream.name, stream.partitions, ackWaitMs);
    const threads = canDecideInThreads() ? (options.threads ?? 0) : 0;
    pool = threads > 0 ? new DecisionPool({ config: options.config, rules: options.rules, builtinPlugins: options.builtinPlugins, timeZone: store.timeZone }, threads) : undefined;
    options.onReady?.({ stream: stream.name, partitions: stream.partitions, threads });
    const format = options.format ?? "ndjson";
    const sessions = new PartitionSessions(store, setup, pool, { format: createFormatter(format) });
    try {
      const worker = new Worker(sessions, nc, jsm, stream.name, ackWaitMs, format, options);
      await worker.run(stream.partitions);
      const failing = worker.failing;
      return { ...worker.counts, seconds: Math.round(performance.now() - started) / 1000, ...(failing === undefined ? {} : { failing }) };
    } finally {
      sessions.close();
    }
  } finally {
    await nc?.drain().catch(() => undefined);
    await pool?.close();
    await store?.close();
    await setup.plugins.teardown();
  }
}

/** A partition's message loop. */
interface PartitionLoop {
  /** Set when its lease goes: it finishes the message in hand and ends. */
  stopping: boolean;
  /** Its open pull, stopped to end the loop. */
  messages?: ConsumerMessages;
  done: Promise<void>;
}

class Worker {
  readonly counts: WorkerCounts = {
    messages: 0, duplicateMessages: 0, rows: 0, billable: 0, held: 0, rejected: 0, duplicates: 0, sensor: 0, corrections: 0, outputs: 0,
    failedDeliveries: 0, failedBatches: 0, seconds: 0,
  };
  /** Set when the worker stopped idle with only batches failing here left in the stream. */
  failing: WorkerFailing | undefined;
  readonly #sessions: PartitionSessions;
  readonly #nc: NatsConnection;
  readonly #jsm: JetStreamManager;
  readonly #stream: string;
  readonly #ackWaitMs: number;
  readonly #options: WorkerOptions;
  /** The output messages' format (the sessions format their lines in it). */
  readonly #format: OutputFormat;
  readonly #channels: Map<string, number>;
  #stopped = false;
  #inHand = 0;
  #lastArrival = performance.now();
  #commits = 0;
  /** The message loops of the partitions this worker holds. */
  readonly #loops = new Map<number, PartitionLoop>();
  /** Partitions whose batch in turn failed at its last delivery here: its stream sequence and the error. */
  readonly #failing = new Map<number, { seq: number; error: string }>();
  /** Stream sequences of the messages that ever failed here (failedBatches). */
  readonly #failedSeqs = new Set<number>();
  /** An idle check of the stream's consumers under way (one at a time), and when the last began. */
  #checking = false;
  #lastCheck = 0;
  /** Whether onWaiting was called. */
  #saidWaiting = false;

  constructor(sessions: PartitionSessions, nc: NatsConnection, jsm: JetStreamManager, stream: string, ackWaitMs: number, format: OutputFormat, options: WorkerOptions) {
    this.#sessions = sessions;
    this.#nc = nc;
    this.#jsm = jsm;
    this.#stream = stream;
    this.#ackWaitMs = ackWaitMs;
    this.#options = options;
    this.#format = format;
    this.#channels = channelIndex(sessions.setup.plugins);
  }

  /**
   * Until stopped (by the signal, or by being idle long enough): one loop per partition this
   * worker holds a lease on (leases.ts), started when the lease is won and stopped, after its
   * message in hand, when the lease goes to another worker.
   */
  async run(partitions: number): Promise<void> {
    const js = jetstream(this.#nc);
    const consumers = await Promise.all(Array.from({ length: partitions }, (_, p) => js.consumers.get(this.#stream, consumerName(p))));
    const idle = this.#options.exitWhenIdleSeconds;
    let leases: PartitionLeases | undefined;
    let stop!: () => void;
    const stopped = new Promise<void>((resolve) => (stop = resolve));
    const timer = setInterval(() => {
      if (this.#options.signal?.aborted) this.#stopped = true;
      if (!this.#stopped && idle !== undefined && this.#idleFor(idle) && leases?.waitingForShare() !== true) void this.#checkBacklog(partitions, idle);
      if (this.#stopped) {
        for (const loop of this.#loops.values()) loop.messages?.stop();
        stop();
      }
    }, 100);
    try {
      leases = await PartitionLeases.open(this.#nc, this.#stream, partitions, {
        start: (p) => this.#start(p, consumers[p]),
        stop: (p) => this.#stop(p),
        changed: (held, workers) => this.#options.onLeases?.({ partitions: held, workers }),
        repaired: (message) => console.error(`meterflow worker: ${message}`),
      }, { ttlMs: leaseTtlMs(this.#ackWaitMs) });
      await stopped;
      await Promise.all([...this.#loops.keys()].map((p) => this.#stop(p)));
    } finally {
      clearInterval(timer);
      await leases?.close();
    }
  }

  /** Whether nothing is in hand and nothing has arrived for `idle` seconds. */
  #idleFor(idle: number): boolean {
    return this.#inHand === 0 && performance.now() - this.#lastArrival > idle * 1000;
  }

  /**
   * Idle: asks the stream's consumers (at most once a second) whether the night is decided. No
   * batch pending and none awaiting acknowledgement, on any partition: the worker stops. Batches
   * left only on partitions whose batch in turn failed here: it stops, `failing` says so. Else
   * (another worker's batches in hand, or a dead worker's coming back after the ack wait) it
   * waits, saying so once; those partitions come to it when their leases lapse.
   */
  async #checkBacklog(partitions: number, idle: number): Promise<void> {
    if (this.#checking || performance.now() - this.#lastCheck < 1000) return;
    this.#checking = true;
    this.#lastCheck = performance.now();
    const arrival = this.#lastArrival;
    try {
      const backlog = new Map<number, number>();
      for (let p = 0; p < partitions; p++) {
        const info = await this.#jsm.consumers.info(this.#stream, consumerName(p));
        const n = info.num_pending + info.num_ack_pending;
        if (n > 0) backlog.set(p, n);
      }
      // Something arrived meanwhile: not idle after all.
      if (this.#stopped || arrival !== this.#lastArrival || !this.#idleFor(idle)) return;
      let total = 0;
      let batches = 0;
      let behind = 0;
      let last = "";
      for (const [p, n] of backlog) {
        total += n;
        const failed = this.#failing.get(p);
        if (failed === undefined) continue;
        batches++;
        behind += n - 1;
        last = failed.error;
      }
      if (total === 0) {
        this.#stopped = true;
      } else if (batches === backlog.size) {
        this.failing = { batches, behind, last };
        this.#stopped = true;
      } else if (!this.#saidWaiting) {
        this.#saidWaiting = true;
        this.#options.onWaiting?.({ batches: total, partitions: [...backlog.keys()].sort((a, b) => a - b) });
      }
    } catch {
      // The server is restarting: asked again in a second.
    } finally {
      this.#checking = false;
    }
  }

  /** Starts taking partition `p`'s messages (its lease was won). */
  #start(p: number, consumer: Consumer): void {
    const previous = this.#loops.get(p);
    if ((previous !== undefined && !previous.stopping) || this.#stopped) return;
    const loop: PartitionLoop = { stopping: false, done: Promise.resolve() };
    this.#loops.set(p, loop);
    // A partition won is work to wait for: the idle clock starts again.
    this.#lastArrival = performance.now();
    // Won back while its last loop was still finishing a message: after that one.
    loop.done = (previous?.done ?? Promise.resolve()).then(() => this.#loop(p, consumer, loop)).finally(() => {
      if (this.#loops.get(p) === loop) {
        this.#loops.delete(p);
        // The partition is another worker's now: its failing batch is not this worker's to count.
        this.#failing.delete(p);
      }
    });
  }

  /** Stops taking partition `p`'s messages; resolves once its message in hand is finished. */
  #stop(p: number): Promise<void> {
    const loop = this.#loops.get(p);
    if (loop === undefined) return Promise.resolve();
    loop.stopping = true;
    loop.messages?.stop();
    return loop.done;
  }

  /**
   * One partition's messages, one at a time (its consumer lets one be unacknowledged). A
   * continuous pull (`consume`), not one `next()` per message: a pull that ends while this thread
   * is busy deciding ("heartbeats missed") would leave the message the server already sent it
   * unanswered until the ack wait (30 s) ran out; `consume` pulls again on the same inbox.
   */
  async #loop(p: number, consumer: Consumer, loop: PartitionLoop): Promise<void> {
    while (!this.#stopped && !loop.stopping) {
      let messages: ConsumerMessages;
      try {
        messages = await consumer.consume({ max_messages: 1, expires: 5000 });
      } catch {
        // The server is restarting: the connection reconnects by itself.
        await new Promise((r) => setTimeout(r, 250));
        continue;
      }
      loop.messages = messages;
      // Stopped while the pull was being opened: end it now, not when a message comes.
      if (loop.stopping || this.#stopped) messages.stop();
      try {
        for await (const msg of messages) {
          if (loop.stopping || this.#stopped) {
            // Pulled as the lease went (or the worker stops): back at once to the next owner,
            // rather than after the ack wait.
            msg.nak();
            break;
          }
          this.#inHand++;
          this.#lastArrival = performance.now();
          try {
            await this.#handle(p, msg);
          } finally {
            this.#inHand--;
            this.#lastArrival = performance.now();
          }
          if (this.#stopped || loop.stopping) break;
        }
      } catch {
        // The consumer or the server went away for a moment: open the stream of messages again.
        await new Promise((r) => setTimeout(r, 250));
      } finally {
        loop.messages = undefined;
        messages.stop();
      }
    }
  }

  /** Decide, commit, publish the outputs, acknowledge: in that order, whatever crashes between. */
  async #handle(p: number, msg: JsMsg): Promise<void> {
    // Keeps the message ours while it is decided (a big batch on a slow store).
    const keepAlive = setInterval(() => msg.working(), Math.max(1000, this.#ackWaitMs / 3));
    try {
      let wire;
      try {
        wire = decodeBatch(msg.data);
      } catch (error) {
        // Not a meterflow batch: redelivering it cannot help. It is kept out of the stream and said.
        console.error(`meterflow worker: message ${msg.seq} on ${msg.subject} is not a readings batch, terminated: ${(error as Error).message}`);
        msg.term();
        this.#failing.delete(p);
        return;
      }
      const batchId = createHash("sha256").update(`${wire.partition}:`).update(msg.data).digest("hex").slice(0, 32);
      // The message's id table is the batch's meter index: nothing interned (wire-index.ts).
      const batch = { ...readingBatchOf(wire, this.#channels), batchId };
      const store = this.#sessions.store;
      // The input label is the file as published (or the files, each row's line naming its own):
      // rejected rows name it, as in meterflow run.
      const decision = await this.#sessions.decide(wire.partition, batch, wire.files ?? wire.file);
      if (decision.commit === "committed") {
        addCounts(this.counts, decision.counts);
        if (KILL_AFTER_COMMITS > 0 && ++this.#commits === KILL_AFTER_COMMITS) process.kill(process.pid, "SIGKILL");
      } else this.counts.duplicateMessages++;
      if (!(await store.published(batchId))) {
        const lines = decision.commit === "committed" ? decision.lines : await committedLines(store, batchId, this.#format);
        this.counts.outputs += await publishOutputs(jetstream(this.#nc), batchId, lines, maxPayloadOf(this.#nc), this.#format);
        await store.markPublished(batchId);
      }
      await msg.ackAck({ timeout: 10_000 }).catch(() => false);
      this.#failing.delete(p);
      this.counts.messages++;
      this.#options.onMessage?.(this.counts);
    } catch (error) {
      // The store or the server failed (or the decision: a plugin's fact that threw, in this
      // thread or a pool's, with its code): the message goes back for another try after a pause
      // that doubles with each delivery (a failure that lasts, such as a plugin's bug, is tried
      // once a minute, not every second; its partition waits: its readings stay in order).
      const code = (error as { code?: unknown }).code;
      const delivery = msg.info.deliveryCount;
      const pauseSeconds = retryPauseSeconds(delivery);
      const said = `${(error as Error).message}${typeof code === "string" ? ` (${code})` : ""}`;
      console.error(`meterflow worker: message ${msg.seq} on ${msg.subject}: ${said}; it will be delivered again in ${pauseSeconds} s (delivery ${delivery})`);
      msg.nak(pauseSeconds * 1000);
      this.counts.failedDeliveries++;
      if (!this.#failedSeqs.has(msg.seq)) {
        this.#failedSeqs.add(msg.seq);
        this.counts.failedBatches++;
      }
      this.#failing.set(p, { seq: msg.seq, error: said });
    } finally {
      clearInterval(keepAlive);
    }
  }

}

/** The pause before a failed message is delivered again: 1 s after its first delivery, doubling to at most 60 s. */
export function retryPauseSeconds(delivery: number): number {
  return Math.min(60, 2 ** Math.max(0, Math.min(6, delivery - 1)));
}
