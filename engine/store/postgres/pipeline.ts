// Statements of one transaction sent together. node-postgres waits for each statement's answer
// before it sends the next, so a commit of a batch of one (a manual reading, a release) was a
// dozen round trips, each a wake-up of the server and of this process; beside a busy job each
// costs milliseconds. Here a statement nobody needs an answer from is queued (`later`), and the
// queue goes with the next statement whose answer is needed (`query`), or with a COPY, in one
// round trip: PostgreSQL's simple query protocol runs a string of statements in order and
// answers each. Their parameters are written into that string as literals of exactly the text
// node-postgres would have sent for them (its own prepareValue and escapeLiteral), so each
// statement means what it meant with parameters. A statement with a large BLOB (a photo over a
// megabyte as hex) is not inlined: it goes in its turn as a statement of its own.
import pg from "pg";

/** Parameters (their text) past which a statement goes on its own, not inlined into a string. */
const INLINE_BYTES = 1 << 20;

/** node-postgres's conversion of a parameter to the text it sends (null stays null, a Buffer stays bytes). */
const prepareValue = (pg as unknown as { utils: { prepareValue(value: unknown): string | Buffer | null } }).utils.prepareValue;

/** `value` as a SQL literal of the text node-postgres would send for it as a parameter. */
export function literal(value: unknown): string {
  const v = prepareValue(value);
  if (v === null) return "NULL";
  return pg.escapeLiteral(typeof v === "string" ? v : `\\x${v.toString("hex")}`);
}

/** `sql` with each `$n` replaced by the literal of `values[n - 1]` (every parameter used, none missing). */
export function inline(sql: string, values: readonly unknown[]): string {
  const used = new Set<number>();
  const text = sql.replace(/\$(\d+)/g, (_, n: string) => {
    const i = Number(n) - 1;
    if (i < 0 || i >= values.length) throw new RangeError(`$${n} has no value (${values.length} given): ${sql.slice(0, 80)}`);
    used.add(i);
    return literal(values[i]);
  });
  if (used.size !== values.length) throw new RangeError(`${values.length} values for ${used.size} parameters: ${sql.slice(0, 80)}`);
  return text;
}

/** The length of a parameter's text (BLOBs at twice their bytes, as hex). */
function size(value: unknown): number {
  if (typeof value === "string") return value.length;
  if (value instanceof Uint8Array) return 2 * value.byteLength;
  if (Array.isArray(value)) return value.reduce((n: number, v) => n + size(v), 0);
  return 8;
}

interface Queued {
  /** The statement with its parameters inlined, or (a large BLOB) `sql` and `values` sent apart. */
  text?: string;
  sql: string;
  values: readonly unknown[];
  resolve(result: pg.QueryResult): void;
  reject(error: unknown): void;
}

/** One client's statements of a transaction, queued until an answer is needed. */
export class Pipeline {
  readonly client: pg.ClientBase;
  #queue: Queued[] = [];
  /** The promises of the statements in the queue (not sent yet). */
  readonly #waiting = new Set<Promise<unknown>>();

  constructor(client: pg.ClientBase) {
    this.client = client;
  }

  /**
   * Queues a statement; it is sent, in order, with the next `query`, `flush` or `copy`. Its
   * promise (callers need not wait for it: a failure also fails that next send) resolves with
   * its result then.
   */
  later<R extends pg.QueryResultRow = pg.QueryResultRow>(sql: string, values: readonly unknown[] = []): Promise<pg.QueryResult<R>> {
    const text = size(values) > INLINE_BYTES ? undefined : inline(sql, values);
    const promise = new Promise<pg.QueryResult<R>>((resolve, reject) => {
      this.#queue.push({ text, sql, values, resolve: resolve as Queued["resolve"], reject });
    });
    promise.catch(() => undefined);
    this.#waiting.add(promise);
    return promise;
  }

  /** The result of a statement `later` queued: the queue is sent for it only while it is still in it. */
  async answer<R extends pg.QueryResultRow>(queued: Promise<pg.QueryResult<R>>): Promise<pg.QueryResult<R>> {
    if (this.#waiting.has(queued)) await this.flush();
    return queued;
  }

  /** Sends the queued statements and this one (one round trip unless one carries a large BLOB); its result. */
  async query<R extends pg.QueryResultRow = pg.QueryResultRow>(sql: string, values: readonly unknown[] = []): Promise<pg.QueryResult<R>> {
    const result = this.later<R>(sql, values);
    await this.flush();
    return result;
  }

  /** Sends the queued statements, in order: one round trip for each run of inlined ones, one for each large one. */
  async flush(): Promise<void> {
    const queue = this.#queue;
    this.#queue = [];
    this.#waiting.clear();
    let from = 0;
    try {
      while (from < queue.length) {
        let to = from;
        while (to < queue.length && queue[to].text !== undefined) to++;
        if (to > from) {
          const answer = await this.client.query(queue.slice(from, to).map((q) => q.text).join(";\n"));
          const results = Array.isArray(answer) ? answer as pg.QueryResult[] : [answer];
          for (let i = from; i < to; i++) queue[i].resolve(results[i - from]);
          from = to;
        } else {
          const q = queue[from++];
          q.resolve(await this.client.query(q.sql, q.values as unknown[]));
        }
      }
    } catch (error) {
      for (let i = from; i < queue.length; i++) queue[i].reject(error);
      throw error;
    }
  }

  /** Drops what is queued (the transaction is being rolled back). */
  discard(): void {
    const queue = this.#queue;
    this.#queue = [];
    this.#waiting.clear();
    for (const q of queue) q.reject(new Error("discarded: the transaction was rolled back"));
  }
}

/** Where a transaction's statements go: a client (each sent at once) or a Pipeline (queued until an answer is needed). */
export type Statements = pg.ClientBase | Pipeline;

/** Runs a statement whose answer is not needed: queued on a Pipeline, sent at once on a client. */
export async function send(to: Statements, sql: string, values: readonly unknown[] = []): Promise<void> {
  if (to instanceof Pipeline) void to.later(sql, values);
  else await to.query(sql, values as unknown[]);
}

/** The client itself, with whatever a Pipeline queued sent first (before a COPY). */
export async function direct(to: Statements): Promise<pg.ClientBase> {
  if (!(to instanceof Pipeline)) return to;
  await to.flush();
  return to.client;
}
