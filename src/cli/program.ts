/**
 * The `baton` command: verbs, global options, and the one place where outcomes become exit
 * codes and errors become stderr (text, or {"error":{"code","message"}} with --json).
 */
import { readFileSync } from "node:fs";
import { Command, CommanderError } from "commander";
import { registerFaceVerbs } from "./commands/faces.js";
import { registerInit } from "./commands/init.js";
import { registerRecordVerbs } from "./commands/records.js";
import { registerTaskVerbs } from "./commands/tasks.js";
import { registerWorkVerbs } from "./commands/work.js";
import { ExitCode, describeFailure } from "./exit-codes.js";
import type { CliFailure } from "./exit-codes.js";

export function buildProgram(): Command {
  const program = new Command("baton")
    .description("a shared task board for many concurrent agents: claims with fenced leases, retries, audit trail")
    .version(packageVersion(), "-V, --version", "print the version")
    .enablePositionalOptions()
    .option("--json", "print JSON for machines")
    .option("--store <url>", "the board: sqlite:PATH, json:PATH or postgres://… (default: $BATON_STORE, else the nearest .baton/)")
    .option("--agent <id>", "your agent id (default: $BATON_AGENT)")
    .exitOverride()
    .configureOutput({ outputError: () => {} })
    .showSuggestionAfterError(true)
    .addHelpText("after", "\nExit codes: 0 ok · 1 error · 2 usage · 3 not found · 4 conflict · 5 nothing ready · 6 lock timeout\nDocs: docs/cli.md");
  registerInit(program);
  registerTaskVerbs(program);
  registerWorkVerbs(program);
  registerRecordVerbs(program);
  registerFaceVerbs(program);
  return program;
}

export async function runCli(argv: readonly string[]): Promise<ExitCode> {
  const json = argv.includes("--json");
  try {
    await buildProgram().parseAsync([...argv], { from: "user" });
    return ExitCode.ok;
  } catch (error) {
    const failure = error instanceof CommanderError ? usageFailure(error, argv) : describeFailure(error);
    if (failure.exitCode === ExitCode.ok) return ExitCode.ok;
    reportFailure(failure, json);
    if (process.env.BATON_DEBUG && error instanceof Error) process.stderr.write(`${error.stack}\n`);
    return failure.exitCode;
  }
}

export function reportFailure(failure: CliFailure, json: boolean): void {
  process.stderr.write(
    json
      ? `${JSON.stringify({ error: { code: failure.code, message: failure.message } })}\n`
      : `baton: ${failure.message}\n`,
  );
}

/** Commander's own refusals (unknown verb or flag, missing argument) are usage errors: exit 2. */
function usageFailure(error: CommanderError, argv: readonly string[]): CliFailure {
  if (error.code === "commander.helpDisplayed" || error.code === "commander.version") {
    return { code: "INVALID_INPUT", message: "", exitCode: ExitCode.ok };
  }
  const verbName = argv.find((a) => !a.startsWith("-"));
  const help = error.code === "commander.unknownCommand" || !verbName ? "baton --help" : `baton ${verbName} --help`;
  const message = error.message.replace(/^error: /, "").replace(/\s*\n\s*/g, " ").trim();
  return {
    code: "INVALID_INPUT",
    message: error.code === "commander.help" ? `say what to do: baton <verb>; see ${help}` : `${message}; see \`${help}\``,
    exitCode: ExitCode.usage,
  };
}

function packageVersion(): string {
  try {
    // dist/src/cli/ → the package root, both for the bundle and for tsc's output.
    return (JSON.parse(readFileSync(new URL("../../../package.json", import.meta.url), "utf8")) as { version: string }).version;
  } catch {
    return "unknown";
  }
}
