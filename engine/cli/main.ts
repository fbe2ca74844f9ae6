#!/usr/bin/env -S GLIBC_TUNABLES=glibc.malloc.hugetlb=1:${GLIBC_TUNABLES} node
// The `meterflow` command: dispatches to a command and turns errors a user can cause into one
// line on standard error and a non-zero exit status.
// Its #! line asks glibc's malloc for transparent huge pages (GLIBC_TUNABLES
// glibc.malloc.hugetlb=1; tunables the user set come after it, and the last of a name wins): a
// run's columns, batches and BLOBs are hundreds of MB of fresh memory, and a fresh 4 KiB page
// costs ~10 us to fault in on a virtual machine (88 MB of Float64Arrays filled: 240 ms, 80-140
// ms on huge pages). The nightly 1M run, medians of 4 alternated: 3.09 -> 2.88 s. Other C
// libraries (musl, macOS) ignore the variable. README "Memory".
import { readFileSync, realpathSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { packageRoot } from "../wasm/paths.js";
import { joinNegativeValues, usageOf } from "./args.js";
import { UsageError } from "./errors.js";
import { report } from "./report.js";

const HELP = `Usage: meterflow <command> [options]

Commands:
  run           readings files to billing, held and rejected outputs, state in SQLite or PostgreSQL
  meters import load a meter registry into the state database
  plugins       list the plugins a run loads and what they contribute
  publish       readings files into the NATS JetStream readings stream (for workers)
  worker        decide what the readings stream delivers, commit to the shared store
  rules check   validate and lint rule files (the default rules without FILE)
  rules test    show which rules fire for given facts, and why
  export        write a store's committed outputs as run's files (billing.csv, ...)
  held          list held readings; release one an operator judged right (audited)
  temp-bad      set, clear or list operators' temp_bad flags (audited)
  serve         the control API (HTTP): meters, temp_bad, held, manual readings, metrics
  tokens        add, list or revoke the control API's bearer tokens
  demo          generate a realistic data set, run it, and print the summary
  version       print the version
  help          print this help, or a command's help: meterflow help run

Every command takes --help.`;

/**
 * A command: how to load it (its module is imported only when it runs or its help is asked for,
 * so `meterflow run` does not load the HTTP server or the NATS client), and its subcommands
 * (the first argument), if it has any.
 */
export type Command = { load: () => Promise<LoadedCommand>; subcommands?: readonly string[] };

/** A loaded command: what runs it, and its help. */
export type LoadedCommand = { run: (argv: string[]) => number | Promise<number>; help: string };

/** Every command of `meterflow`: the one list (help, dispatch and the CLI's tests read it). */
export const COMMANDS: Record<string, Command> = {
  demo: { load: async () => { const m = await import("./commands/demo.js"); return { run: m.demo, help: m.DEMO_HELP }; } },
  export: { load: async () => { const m = await import("./commands/export.js"); return { run: m.exportCommand, help: m.EXPORT_HELP }; } },
  held: { load: async () => { const m = await import("./commands/held.js"); return { run: m.held, help: m.HELD_HELP }; }, subcommands: ["list", "release"] },
  meters: { load: async () => { const m = await import("./commands/meters.js"); return { run: m.meters, help: m.METERS_HELP }; }, subcommands: ["import"] },
  plugins: { load: async () => { const m = await import("./commands/plugins.js"); return { run: m.plugins, help: m.PLUGINS_HELP }; } },
  publish: { load: async () => { const m = await import("./commands/publish.js"); return { run: m.publish, help: m.PUBLISH_HELP }; } },
  rules: { load: async () => { const m = await import("./commands/rules.js"); return { run: m.rules, help: m.RULES_HELP }; }, subcommands: ["check", "test"] },
  run: { load: async () => { const m = await import("./commands/run.js"); return { run: m.run, help: m.RUN_HELP }; } },
  serve: { load: async () => { const m = await import("./commands/serve.js"); return { run: m.serveCommand, help: m.SERVE_HELP }; } },
  "temp-bad": { load: async () => { const m = await import("./commands/temp-bad.js"); return { run: m.tempBad, help: m.TEMP_BAD_HELP }; }, subcommands: ["set", "clear", "list"] },
  tokens: { load: async () => { const m = await import("./commands/tokens.js"); return { run: m.tokens, help: m.TOKENS_HELP }; }, subcommands: ["add", "list", "revoke"] },
  version: { load: async () => ({ run: printVersion, help: "Usage: meterflow version" }) },
  worker: { load: async () => { const m = await import("./commands/worker.js"); return { run: m.worker, help: m.WORKER_HELP }; } },
};

function printVersion(argv: string[]): number {
  parseArgs({ args: argv, options: {} });
  console.log(version());
  return 0;
}

function version(): string {
  return (JSON.parse(readFileSync(join(packageRoot(), "package.json"), "utf8")) as { version: string }).version;
}

/** Runs the command line `argv` (without node and script) and resolves to the exit status. */
export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === "help" || name === "--help" || name === "-h") {
    // `help --help` (every command takes --help) is help itself.
    const topic = name === "help" && rest[0] !== "--help" && rest[0] !== "-h" ? rest[0] : undefined;
    if (topic !== undefined && !Object.hasOwn(COMMANDS, topic)) throw new UsageError(`no help on "${topic}": no such command (see meterflow --help)`);
    if (rest.length > 1) throw new UsageError(`meterflow help takes one command, got ${rest.join(" ")}`);
    console.log(topic !== undefined ? (await COMMANDS[topic].load()).help : HELP);
    return 0;
  }
  if (name === "--version") return printVersion([]);
  if (!Object.hasOwn(COMMANDS, name)) throw new UsageError(`unknown command "${name}" (see meterflow --help)`);
  const command = await COMMANDS[name].load();
  if (rest.includes("--help") || rest.includes("-h")) {
    console.log(command.help);
    return 0;
  }
  try {
    return await command.run(joinNegativeValues(rest));
  } catch (error) {
    throw usageOf(error, name);
  }
}

/** Whether this module is the program node started (not imported, as the CLI's tests do). */
function isEntryPoint(): boolean {
  try {
    return process.argv[1] !== undefined && realpathSync(process.argv[1]) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

if (isEntryPoint()) {
  try {
    process.exitCode = await main(process.argv.slice(2));
  } catch (error) {
    process.exitCode = report(error);
  }
}
