/**
 * How a verb is declared and run: every verb takes the global options (--json, --store,
 * --agent) after its name, gets a CliContext, returns what to print, and has its board closed
 * whatever happens. Errors travel up to program.ts, which owns the exit codes.
 */
import { CliContext } from "./context.js";
import type { Command } from "commander";
import type { GlobalOptions } from "./context.js";

/** What a verb prints: `json` with --json, `human` otherwise. */
export interface Printed {
  json: unknown;
  human: string;
  /** Exit with this code after printing (`health` found problems: 1), with nothing on stderr. */
  exitCode?: number;
  /** Print nothing (the verb wrote its own output as it went). */
  quiet?: boolean;
}

/**
 * The exit code of a verb that printed its answer and still must not exit 0. Recognised by
 * name in program.ts, as BatonError is (a lazily loaded verb has its own copy of this class).
 */
export class Verdict extends Error {
  override readonly name = "Verdict";
  constructor(readonly exitCode: number) {
    super(`exit ${exitCode}`);
  }
}

export type VerbOptions = Record<string, unknown>;

export interface VerbSpec {
  /** `list --agent A` and `audit --agent A` filter by agent; their identity comes from BATON_AGENT. */
  agentIsFilter?: boolean;
  /** The subcommand run when its parent is given alone (`baton counters` → `counters show`). */
  isDefault?: boolean;
}

export function verb(parent: Command, nameAndArgs: string, description: string, spec: VerbSpec = {}): Command {
  const command = parent
    .command(nameAndArgs, { isDefault: spec.isDefault === true })
    .description(description)
    .option("--json", "print JSON for machines (errors as {\"error\":{…}} on stderr)")
    .option("--store <url>", "the board: sqlite:PATH, json:PATH or postgres://… (default: $BATON_STORE, else the nearest .baton/)");
  if (!spec.agentIsFilter) command.option("--agent <id>", "your agent id (default: $BATON_AGENT)");
  return command;
}

export function action(
  run: (ctx: CliContext, args: string[], options: VerbOptions) => Promise<Printed | void>,
  spec: VerbSpec = {},
): (...args: unknown[]) => Promise<void> {
  return async (...all: unknown[]) => {
    const command = all[all.length - 1] as Command;
    const options = command.opts();
    const args = all.slice(0, -2).flatMap((a) => (a === undefined ? [] : Array.isArray(a) ? a : [a])) as string[];
    const ctx = new CliContext(globalOptions(command, spec));
    try {
      const printed = await run(ctx, args, options);
      if (printed && !printed.quiet) print(ctx, printed);
      if (printed?.exitCode) throw new Verdict(printed.exitCode);
    } finally {
      await ctx.close();
    }
  };
}

/** Global options may come before the verb (`baton --json list`) or after it; after wins. */
function globalOptions(command: Command, spec: VerbSpec): GlobalOptions {
  const merged: GlobalOptions = {};
  for (let c: Command | null = command; c; c = c.parent) {
    const o = c.opts() as GlobalOptions;
    const agentHere = !(c === command && spec.agentIsFilter);
    merged.json ??= o.json;
    merged.store ??= o.store;
    if (agentHere) merged.agent ??= o.agent;
  }
  return merged;
}

export function print(ctx: CliContext, printed: Printed): void {
  process.stdout.write(ctx.json ? `${JSON.stringify(printed.json)}\n` : `${printed.human}\n`);
}
