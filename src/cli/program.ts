/**
 * The `baton` command: verbs, global options, and the one place where outcomes become exit
 * codes and errors become stderr (text, or {"error":{"code","message"}} with --json; a refused
 * batch claim adds its "assigned" and "failed" beside "error").
 */
import { Command, CommanderError } from "commander";
import { registerAuditVerbs, registerReplayVerb } from "./commands/audit.js";
import { registerCoordinationVerbs } from "./commands/coordination.js";
import { registerFaceVerbs } from "./commands/faces.js";
import { registerInit } from "./commands/init.js";
import { registerInboxVerbs, registerMovingVerbs } from "./commands/moving.js";
import { registerOperationVerbs } from "./commands/operations.js";
import { registerIdVerbs } from "./commands/ids.js";
import { registerLivenessVerbs } from "./commands/liveness.js";
import { registerWatchVerb } from "./commands/watch.js";
import { registerServeVerb } from "./commands/serve.js";
import { registerTaskVerbs } from "./commands/tasks.js";
import { registerLockVerbs } from "./commands/locks.js";
import { registerWebhookVerbs } from "./commands/webhooks.js";
import { registerWorkVerbs } from "./commands/work.js";
import { packageVersion } from "../package-info.js";
import { printable } from "./escape.js";
import { ExitCode, describeFailure } from "./exit-codes.js";
import type { CliFailure } from "./exit-codes.js";

/**
 * Which verbs each register function declares. Declaring all ~25 commands with their options
 * costs ~5 ms of commander work per call; a call names one verb, so only its group is
 * declared (all of them for help and for unknown verbs, so suggestions still work).
 */
export const VERB_GROUPS: readonly { verbs: readonly string[]; register: (program: Command) => void }[] = [
  { verbs: ["init"], register: registerInit },
  { verbs: ["add", "update", "cancel", "revive", "assign", "show", "list", "ready", "next"], register: registerTaskVerbs },
  { verbs: ["claim", "heartbeat", "done", "fail", "release"], register: registerWorkVerbs },
  { verbs: ["reserve", "counters"], register: registerIdVerbs },
  { verbs: ["heal", "agents"], register: registerLivenessVerbs },
  { verbs: ["watch"], register: registerWatchVerb },
  { verbs: ["audit"], register: registerAuditVerbs },
  { verbs: ["replay"], register: registerReplayVerb },
  { verbs: ["import", "export"], register: registerMovingVerbs },
  { verbs: ["inbox"], register: registerInboxVerbs },
  { verbs: ["mcp", "demo"], register: registerFaceVerbs },
  { verbs: ["agent", "balance", "deps", "pipeline", "note"], register: registerCoordinationVerbs },
  { verbs: ["health", "monitor", "report", "backup", "restore"], register: registerOperationVerbs },
  { verbs: ["serve"], register: registerServeVerb },
  { verbs: ["webhook"], register: registerWebhookVerbs },
  { verbs: ["lock"], register: registerLockVerbs },
];

/** Global options that take a value, so their value is not mistaken for the verb. */
const VALUE_OPTIONS = new Set(["--store", "--agent"]);

export function verbOf(argv: readonly string[]): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (VALUE_OPTIONS.has(arg)) i++;
    else if (!arg.startsWith("-")) return arg;
  }
  return undefined;
}

export function buildProgram(verbName?: string): Command {
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
  const group = VERB_GROUPS.find((g) => verbName !== undefined && g.verbs.includes(verbName));
  for (const g of group ? [group] : VERB_GROUPS) g.register(program);
  return program;
}

export async function runCli(argv: readonly string[]): Promise<ExitCode> {
  const json = argv.includes("--json");
  try {
    await buildProgram(verbOf(argv)).parseAsync([...argv], { from: "user" });
    return ExitCode.ok;
  } catch (error) {
    if (error instanceof Error && error.name === "Verdict") return (error as Error & { exitCode: ExitCode }).exitCode;
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
      ? `${JSON.stringify({ error: { code: failure.code, message: failure.message }, ...failure.batch })}\n`
      : `baton: ${printable(failure.message)}\n`,
  );
}

/** Commander's own refusals (unknown verb or flag, missing argument) are usage errors: exit 2. */
function usageFailure(error: CommanderError, argv: readonly string[]): CliFailure {
  if (error.code === "commander.helpDisplayed" || error.code === "commander.version") {
    return { code: "INVALID_INPUT", message: "", exitCode: ExitCode.ok };
  }
  const verbName = verbOf(argv);
  const help = error.code === "commander.unknownCommand" || !verbName ? "baton --help" : `baton ${verbName} --help`;
  const message = error.message.replace(/^error: /, "").replace(/\s*\n\s*/g, " ").trim();
  return {
    code: "INVALID_INPUT",
    message: error.code === "commander.help" ? `say what to do: baton <verb>; see ${help}` : `${message}; see \`${help}\``,
    exitCode: ExitCode.usage,
  };
}
