// A real nats-server with JetStream for tests: started on a free loopback port with a fresh
// store directory, stopped by its pid. `restart()` keeps the port and the store directory, so a
// test can kill the server mid-stream and bring it back with what it had stored.
import { spawn } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, connect as tcpConnect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** A running nats-server. */
export interface NatsServer {
  /** `nats://127.0.0.1:PORT`. */
  readonly url: string;
  readonly port: number;
  /** The server's directory: its JetStream store (and configuration), kept across restarts, removed by stop. */
  readonly storeDir: string;
  /** The current process id (changes on restart). */
  readonly pid: number;
  /** Stops the server (SIGTERM, then SIGKILL after 5 s) and removes its store directory. */
  stop(): Promise<void>;
  /** Sends `signal` to the server (SIGKILL: a crash) and waits until the process has exited. */
  kill(signal?: NodeJS.Signals): Promise<void>;
  /** Starts the server again on the same port with the same store directory (after kill). */
  restart(): Promise<void>;
}

/** The nats-server binary: $NATS_SERVER, Debian's /usr/sbin/nats-server, or the one on PATH. */
export function natsServerBinary(): string {
  if (process.env.NATS_SERVER) return process.env.NATS_SERVER;
  return existsSync("/usr/sbin/nats-server") ? "/usr/sbin/nats-server" : "nats-server";
}

/** A TCP port that was free a moment ago (bound on port 0, then released). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Options of startNatsServer. */
export interface NatsServerOptions {
  /** Milliseconds to wait for the server to be ready; default 10000. */
  startTimeoutMs?: number;
  /** Server configuration text (e.g. `max_payload: 4096`), passed with -c; the flags still set port, address and store. */
  config?: string;
}

/**
 * Starts `nats-server -js -a 127.0.0.1 -p PORT -sd DIR` and resolves once it accepts
 * connections (rejects with its output when it exits or is not up within `startTimeoutMs`).
 */
export async function startNatsServer(options: NatsServerOptions = {}): Promise<NatsServer> {
  const port = await freePort();
  const storeDir = mkdtempSync(join(tmpdir(), "meterflow-nats-"));
  const timeout = options.startTimeoutMs ?? 10_000;
  // The configuration file lives beside the store (its directory is removed by stop()).
  const args = ["-js", "-a", "127.0.0.1", "-p", String(port), "-sd", join(storeDir, "jetstream")];
  if (options.config !== undefined) {
    const file = join(storeDir, "nats.conf");
    writeFileSync(file, `${options.config}\n`);
    args.unshift("-c", file);
  }
  let child: ChildProcess = await launch(args, port, timeout).catch((error) => {
    rmSync(storeDir, { recursive: true, force: true });
    throw error;
  });
  const server: NatsServer = {
    url: `nats://127.0.0.1:${port}`,
    port,
    storeDir,
    get pid() {
      return child.pid ?? -1;
    },
    async stop() {
      await stopProcess(child, "SIGTERM", 5000);
      rmSync(storeDir, { recursive: true, force: true });
    },
    async kill(signal = "SIGKILL") {
      await stopProcess(child, signal, 5000);
    },
    async restart() {
      await stopProcess(child, "SIGTERM", 5000);
      child = await launch(args, port, timeout);
    },
  };
  return server;
}

async function launch(args: string[], port: number, timeoutMs: number): Promise<ChildProcess> {
  const child = spawn(natsServerBinary(), args, {
    stdio: ["ignore", "ignore", "pipe"],
  });
  let output = "";
  child.stderr?.on("data", (d: Buffer) => {
    if (output.length < 8192) output += d.toString();
  });
  let exited: string | undefined;
  child.once("exit", (code, signal) => (exited = `exited (${code ?? signal})`));
  child.once("error", (error) => (exited = error.message));
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (exited !== undefined) throw new Error(`nats-server ${exited}: ${output.trim()}`);
    // Up = accepts TCP and JetStream has started (it logs "Server is ready" last).
    if (output.includes("Server is ready") && (await accepts(port))) return child;
    if (Date.now() > deadline) {
      await stopProcess(child, "SIGKILL", 2000);
      throw new Error(`nats-server on port ${port} not up within ${timeoutMs} ms: ${output.trim()}`);
    }
    await new Promise((r) => setTimeout(r, 25));
  }
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = tcpConnect({ host: "127.0.0.1", port });
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}

/** Signals the process by its pid and waits for its exit (SIGKILL after `graceMs`). */
async function stopProcess(child: ChildProcess, signal: NodeJS.Signals, graceMs: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  process.kill(child.pid, signal);
  const timer = setTimeout(() => {
    if (child.exitCode === null && child.signalCode === null && child.pid !== undefined) process.kill(child.pid, "SIGKILL");
  }, graceMs);
  await exited;
  clearTimeout(timer);
}
