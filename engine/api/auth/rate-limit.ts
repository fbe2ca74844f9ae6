// Failed authentications counted per client address in a fixed window: at `maxFailures` the
// address is refused (429) until its window ends, whatever token it sends.
export interface RateLimitOptions {
  /** Failures allowed per window (default 10). */
  maxFailures?: number;
  /** The window (default 60 s). */
  windowMs?: number;
  /** The clock (ms), for tests. */
  now?: () => number;
}

export class FailureLimiter {
  readonly #max: number;
  readonly #window: number;
  readonly #now: () => number;
  readonly #failures = new Map<string, { count: number; until: number }>();

  constructor(options: RateLimitOptions = {}) {
    this.#max = options.maxFailures ?? 10;
    this.#window = options.windowMs ?? 60_000;
    this.#now = options.now ?? Date.now;
  }

  /** Seconds until `key` may try again, or 0 when it may now. */
  blockedFor(key: string): number {
    const f = this.#failures.get(key);
    if (f === undefined) return 0;
    const now = this.#now();
    if (now >= f.until) {
      this.#failures.delete(key);
      return 0;
    }
    return f.count >= this.#max ? Math.max(1, Math.ceil((f.until - now) / 1000)) : 0;
  }

  fail(key: string): void {
    const now = this.#now();
    const f = this.#failures.get(key);
    if (f === undefined || now >= f.until) this.#failures.set(key, { count: 1, until: now + this.#window });
    else f.count++;
    // Bounded: a flood of addresses cannot grow the map without end.
    if (this.#failures.size > 100_000) for (const [k, v] of this.#failures) if (now >= v.until) this.#failures.delete(k);
  }
}
