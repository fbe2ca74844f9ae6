// SQLite's write lock without blocking the event loop. better-sqlite3 is synchronous: a write
// that finds another connection holding the write lock (a job, a run or a worker committing a
// batch) waits in SQLite's busy handler, and the whole server waits with it. The server's
// connection therefore waits 0 ms (openStore busyTimeoutMs), and a store call refused with
// SQLITE_BUSY is tried again after a short asynchronous pause, so requests that need no lock are
// answered meanwhile. Every store call is one statement or one transaction (rolled back when
// refused), so calling it again is safe. With a WriteTurn (the server's jobs hold its other end)
// a refused call counts as waiting, so the job lets it go before its next transaction, and it is
// tried again as soon as the job's transaction in progress ends, not on the next tick of a timer.
import { setTimeout as sleep } from "node:timers/promises";
import type { PartitionedStore } from "../store/contract.js";
import type { WriteTurn } from "../store/sqlite/index.js";

/** Whether `error` (or an error it was caused by) is SQLite's SQLITE_BUSY. */
export function isBusy(error: unknown): boolean {
  for (let e = error as { code?: unknown; cause?: unknown } | undefined, depth = 0; e != null && depth < 5; e = e.cause as typeof e, depth++) {
    if (typeof e.code === "string" && e.code.startsWith("SQLITE_BUSY")) return true;
  }
  return false;
}

export interface BusyRetryOptions {
  /** How long a call may keep being refused before its error is let through (default 10000 ms, SQLite's wait elsewhere). */
  timeoutMs?: number;
  /** Longest pause between two tries (default 8 ms; the first is 1 ms, then doubling). */
  maxPauseMs?: number;
  /** Writers of this process that let a refused call go first, and say when their transactions end. */
  turn?: WriteTurn;
}

/** `store` with every method tried again (asynchronously) while SQLite answers SQLITE_BUSY. */
export function retryWhenBusy<S extends PartitionedStore>(store: S, options: BusyRetryOptions = {}): S {
  const timeoutMs = options.timeoutMs ?? 10_000;
  const maxPauseMs = options.maxPauseMs ?? 8;
  const turn = options.turn;
  const wrapped = new Map<PropertyKey, unknown>();
  return new Proxy(store, {
    get(target, key) {
      const value = Reflect.get(target, key, target) as unknown;
      if (typeof value !== "function" || key === "constructor") return value;
      let fn = wrapped.get(key);
      if (fn === undefined) {
        const method = value as (...args: unknown[]) => unknown;
        fn = async (...args: unknown[]) => {
          const started = performance.now();
          let leave: (() => void) | undefined;
          try {
            for (let pause = 1; ; pause = Math.min(pause * 2, maxPauseMs)) {
              const ends = turn?.ends ?? 0;
              try {
                return await method.apply(target, args);
              } catch (error) {
                if (!isBusy(error) || performance.now() - started >= timeoutMs) throw error;
              }
              if (turn === undefined) {
                await sleep(pause);
                continue;
              }
              leave ??= turn.enter();
              // Another process's writer does not say when it ends: the pause still bounds the wait.
              await turn.nextEnd(ends, pause);
            }
          } finally {
            leave?.();
          }
        };
        wrapped.set(key, fn);
      }
      return fn;
    },
  });
}
