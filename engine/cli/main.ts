#!/usr/bin/env node
// The `meterflow` command: dispatches to a command and turns errors a user can cause into one
// line on standard error and a non-zero exit status.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { MeterflowError } from "../errors.js";
import { packageRoot } from "../wasm/paths.js";
import { demo, DEMO_HELP } from "./commands/demo.js";
import { exportCommand, EXPORT_HELP } from "./commands/export.js";
import { held, HELD_HELP } from "./commands/held.js";
import { meters, METERS_HELP } from "./commands/meters.js";
import { plugins, PLUGINS_HELP } from "./commands/plugins.js";
import { PluginError } from "../../sdk/errors.js";
import { rules, RULES_HELP } from "./commands/rules.js";
import { run, RUN_HELP } from "./commands/run.js";
import { tempBad, TEMP_BAD_HELP } from "./commands/temp-bad.js";
import { UsageError } from "./errors.js";

const HELP = `Usage: meterflow <command> [options]

Commands:
  run           readings files to billing, held and rejected outputs, state in SQLite
  meters import load a meter registry into the state database
  plugins       list the plugins a run loads and what they contribute
  rules check   validate and lint rule files (the default rules without FILE)
  rules test    show which rules fire for given facts, and why
  export        write a store's committed outputs as run's files (billing.csv, ...)
  held          list held readings; release one an operator judged right (audited)
  temp-bad      set, clear or list operators' temp_bad flags (audited)
  demo          generate a realistic data set, run it, and print the summary
  version       print the version
  help          print this help, or a command's help: meterflow help run

Every command takes --help.`;

type Command = { run: (argv: string[]) => number | Promise<number>; help: string };

const COMMANDS: Record<string, Command> = {
  demo: { run: demo, help: DEMO_HELP },
  export: { run: exportCommand, help: EXPORT_HELP },
  held: { run: held, help: HELD_HELP },
  meters: { run: meters, help: METERS_HELP },
  plugins: { run: plugins, help: PLUGINS_HELP },
  rules: { run: rules, help: RULES_HELP },
  run: { run, help: RUN_HELP },
  "temp-bad": { run: tempBad, help: TEMP_BAD_HELP },
  version: { run: () => (console.log(version()), 0), help: "Usage: meterflow version" },
};

function version(): string {
  return (JSON.parse(readFileSync(join(packageRoot(), "package.json"), "utf8")) as { version: string }).version;
}

/** Runs the command line `argv` (without node and script) and resolves to the exit status. */
export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === "help" || name === "--help" || name === "-h") {
    const topic = name === "help" ? rest[0] : undefined;
    console.log(topic !== undefined && COMMANDS[topic] ? COMMANDS[topic].help : HELP);
    return 0;
  }
  if (name === "--version") return COMMANDS.version.run([]);
  const command = COMMANDS[name];
  if (command === undefined) throw new UsageError(`unknown command "${name}" (see meterflow --help)`);
  if (rest.includes("--help") || rest.includes("-h")) {
    console.log(command.help);
    return 0;
  }
  return command.run(rest);
}

/** Prints an error a user can cause as one line; anything else is a bug and keeps its stack. */
function report(error: unknown): number {
  const oneLine = (e: Error) => `meterflow: ${e.message.split("\n")[0]}`;
  if (error instanceof UsageError || isParseArgsError(error)) {
    console.error(oneLine(error as Error));
    return 2;
  }
  if (error instanceof MeterflowError) {
    console.error(oneLine(error));
    return 1;
  }
  if (error instanceof PluginError) {
    console.error(`${oneLine(error)} (${error.code})`);
    return 1;
  }
  console.error(error);
  return 1;
}

function isParseArgsError(error: unknown): boolean {
  return error instanceof Error && "code" in error && String(error.code).startsWith("ERR_PARSE_ARGS");
}

try {
  process.exitCode = await main(process.argv.slice(2));
} catch (error) {
  process.exitCode = report(error);
}
