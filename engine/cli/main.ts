#!/usr/bin/env node
// The `meterflow` command: dispatches to a command and turns errors a user can cause into one
// line on standard error and a non-zero exit status.
import { readFileSync, realpathSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { packageRoot } from "../wasm/paths.js";
import { demo, DEMO_HELP } from "./commands/demo.js";
import { exportCommand, EXPORT_HELP } from "./commands/export.js";
import { held, HELD_HELP } from "./commands/held.js";
import { meters, METERS_HELP } from "./commands/meters.js";
import { plugins, PLUGINS_HELP } from "./commands/plugins.js";
import { publish, PUBLISH_HELP } from "./commands/publish.js";
import { rules, RULES_HELP } from "./commands/rules.js";
import { run, RUN_HELP } from "./commands/run.js";
import { serveCommand, SERVE_HELP } from "./commands/serve.js";
import { tempBad, TEMP_BAD_HELP } from "./commands/temp-bad.js";
import { tokens, TOKENS_HELP } from "./commands/tokens.js";
import { worker, WORKER_HELP } from "./commands/worker.js";
import { joinNegativeValues, usageOf } from "./args.js";
import { UsageError } from "./errors.js";
import { report } from "./report.js";

const HELP = `Usage: meterflow <command> [options]

Commands:
  run           readings files to billing, held and rejected outputs, state in SQLite
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

/** A command: what runs it, its help, and its subcommands (the first argument), if it has any. */
export type Command = { run: (argv: string[]) => number | Promise<number>; help: string; subcommands?: readonly string[] };

/** Every command of `meterflow`: the one list (help, dispatch and the CLI's tests read it). */
export const COMMANDS: Record<string, Command> = {
  demo: { run: demo, help: DEMO_HELP },
  export: { run: exportCommand, help: EXPORT_HELP },
  held: { run: held, help: HELD_HELP, subcommands: ["list", "release"] },
  meters: { run: meters, help: METERS_HELP, subcommands: ["import"] },
  plugins: { run: plugins, help: PLUGINS_HELP },
  publish: { run: publish, help: PUBLISH_HELP },
  rules: { run: rules, help: RULES_HELP, subcommands: ["check", "test"] },
  run: { run, help: RUN_HELP },
  serve: { run: serveCommand, help: SERVE_HELP },
  "temp-bad": { run: tempBad, help: TEMP_BAD_HELP, subcommands: ["set", "clear", "list"] },
  tokens: { run: tokens, help: TOKENS_HELP, subcommands: ["add", "list", "revoke"] },
  version: { run: printVersion, help: "Usage: meterflow version" },
  worker: { run: worker, help: WORKER_HELP },
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
    const topic = name === "help" ? rest[0] : undefined;
    if (topic !== undefined && !Object.hasOwn(COMMANDS, topic)) throw new UsageError(`no help on "${topic}": no such command (see meterflow --help)`);
    if (rest.length > 1) throw new UsageError(`meterflow help takes one command, got ${rest.join(" ")}`);
    console.log(topic !== undefined ? COMMANDS[topic].help : HELP);
    return 0;
  }
  if (name === "--version") return COMMANDS.version.run([]);
  const command = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
  if (command === undefined) throw new UsageError(`unknown command "${name}" (see meterflow --help)`);
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
