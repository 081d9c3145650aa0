/**
 * The `baton` command: verbs, global options, and the one place where outcomes become exit
 * codes and errors become stderr (text, or {"error":{"code","message"}} with --json; a refused
 * batch claim adds its "assigned" and "failed" beside "error").
 */
import { Command, CommanderError } from "commander";
import { packageVersion } from "../package-info.js";
import { printable } from "./escape.js";
import { ExitCode, describeFailure } from "./exit-codes.js";
import type { CliFailure } from "./exit-codes.js";

/**
 * Which verbs each group's module declares, and how to load it. Declaring all ~25 commands
 * with their options costs ~5 ms of commander work per call, and evaluating every verb's
 * modules (with the board operations they import) ~4 ms more; a call names one verb, so only
 * its group is loaded and declared (all of them for help and for unknown verbs, so suggestions
 * still work; none for --version). scripts/bundle-cli.mjs keeps each group in the bundle.
 */
type Register = (program: Command) => void;
export const VERB_GROUPS: readonly { verbs: readonly string[]; load: () => Promise<Register> }[] = [
  { verbs: ["init"], load: async () => (await import("./commands/init.js")).registerInit },
  {
    verbs: ["add", "update", "cancel", "revive", "assign", "show", "list", "ready", "next"],
    load: async () => (await import("./commands/tasks.js")).registerTaskVerbs,
  },
  {
    verbs: ["claim", "heartbeat", "done", "fail", "release"],
    load: async () => (await import("./commands/work.js")).registerWorkVerbs,
  },
  { verbs: ["reserve", "counters"], load: async () => (await import("./commands/ids.js")).registerIdVerbs },
  { verbs: ["heal", "agents"], load: async () => (await import("./commands/liveness.js")).registerLivenessVerbs },
  { verbs: ["watch"], load: async () => (await import("./commands/watch.js")).registerWatchVerb },
  { verbs: ["audit"], load: async () => (await import("./commands/audit.js")).registerAuditVerbs },
  { verbs: ["replay"], load: async () => (await import("./commands/audit.js")).registerReplayVerb },
  { verbs: ["import", "export"], load: async () => (await import("./commands/moving.js")).registerMovingVerbs },
  { verbs: ["inbox"], load: async () => (await import("./commands/moving.js")).registerInboxVerbs },
  { verbs: ["mcp", "demo"], load: async () => (await import("./commands/faces.js")).registerFaceVerbs },
  {
    verbs: ["agent", "balance", "deps", "pipeline", "note"],
    load: async () => (await import("./commands/coordination.js")).registerCoordinationVerbs,
  },
  {
    verbs: ["health", "monitor", "report", "backup", "restore"],
    load: async () => (await import("./commands/operations.js")).registerOperationVerbs,
  },
  { verbs: ["serve"], load: async () => (await import("./commands/serve.js")).registerServeVerb },
  { verbs: ["webhook"], load: async () => (await import("./commands/webhooks.js")).registerWebhookVerbs },
  { verbs: ["lock"], load: async () => (await import("./commands/locks.js")).registerLockVerbs },
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

/** `verbName` undefined: every group (help, suggestions); null: none (--version). */
export async function buildProgram(verbName?: string | null): Promise<Command> {
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
  const group = VERB_GROUPS.find((g) => typeof verbName === "string" && g.verbs.includes(verbName));
  const groups = group ? [group] : verbName === null ? [] : VERB_GROUPS;
  for (const register of await Promise.all(groups.map((g) => g.load()))) register(program);
  return program;
}

export async function runCli(argv: readonly string[]): Promise<ExitCode> {
  const json = argv.includes("--json");
  try {
    const verbName = verbOf(argv) ?? (argv.includes("--version") || argv.includes("-V") ? null : undefined);
    await (await buildProgram(verbName)).parseAsync([...argv], { from: "user" });
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
