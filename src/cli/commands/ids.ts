/** Verbs about task ids: reserve fresh ones atomically, and the per-prefix counters (show, init). */
import { readFileSync } from "node:fs";
import { invalidInput } from "../../core/errors.js";
import { printable } from "../escape.js";
import { wholeNumber } from "../options.js";
import { action, verb } from "../verb.js";
import type { Command } from "commander";

export function registerIdVerbs(program: Command): void {
  verb(program, "reserve <prefix> [n]", 'reserve n fresh ids atomically; prints {"ids":[…],"reservedAt":"…"}').action(
    action(async (ctx, [prefix, n]) => {
      const count = wholeNumber("count", n, "3") ?? 1;
      const reservation = await (await ctx.board()).reserve(prefix as string, count, ctx.agent ? { agent: ctx.agent } : {});
      // Seed 003's scripts parse this line, so it is JSON with or without --json.
      return { json: reservation, human: JSON.stringify(reservation) };
    }),
  );

  const counters = verb(program, "counters", "the per-prefix id counters (show, or init from existing ids)");
  verb(counters, "show", "the last id handed out per prefix (the default)", { isDefault: true }).action(
      action(async (ctx) => {
        const values = await (await ctx.board()).counters();
        return { json: values, human: countersText(values) };
      }),
    );
  verb(counters, "init", "raise counters above every PREFIX-N on the board (and in a TASKS.md)")
    .option("--from <file>", "also count the ids in this markdown file (e.g. TASKS.md)")
    .action(
      action(async (ctx, _args, o) => {
        const from = o.from as string | undefined;
        let markdown: string | undefined;
        if (from !== undefined) {
          try {
            markdown = readFileSync(from, "utf8");
          } catch (error) {
            throw invalidInput(`cannot read --from ${from}: ${(error as Error).message}`);
          }
        }
        const values = await (await ctx.board()).initCounters(markdown === undefined ? {} : { markdown });
        return { json: values, human: countersText(values) };
      }),
    );
}

function countersText(values: Record<string, number>): string {
  const entries = Object.entries(values);
  if (entries.length === 0) return "no counters yet (the first `baton add` starts T at 1)";
  const width = entries.reduce((w, [p]) => Math.max(w, p.length), 0);
  return printable(entries.map(([prefix, n]) => `${prefix.padEnd(width)}  ${n}  (next ${prefix}-${n + 1})`).join("\n"), {
    multiline: true,
  });
}

