// A one-line progress display on standard error, only when it is a terminal.

/** Returns a callback that redraws "N readings, R/s" at most ten times a second, and a finisher. */
export function progress(label: string, stream: NodeJS.WriteStream = process.stderr): { update(n: number): void; done(): void } {
  if (!stream.isTTY) return { update() {}, done() {} };
  const started = performance.now();
  let last = 0;
  return {
    update(n) {
      const now = performance.now();
      if (now - last < 100) return;
      last = now;
      const rate = n / ((now - started) / 1000);
      stream.write(`\r${label}: ${n.toLocaleString("en")} readings, ${(rate / 1e6).toFixed(2)}M/s `);
    },
    done() {
      if (last > 0) stream.write("\r\x1b[K");
    },
  };
}
