/** Verbs about the board itself: reserve, counters, heal, agents, watch (audit: audit.ts). */
import { readFileSync } from "node:fs";
import { invalidInput } from "../../core/errors.js";
import { printable } from "../escape.js";
import { eventLine, eventTable } from "../human.js";
import { activityTable } from "../human-coordination.js";
import { agentActivityToWire } from "../../core/wire-shape.js";
import { eventJson, healJson } from "../json-shape.js";
import { durationSeconds, wholeNumber } from "../options.js";
import { action, verb } from "../verb.js";
import type { Command } from "commander";

export function registerRecordVerbs(program: Command): void {
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

  verb(program, "heal", "recover expired leases and due retries now, and declare silent agents dead").action(
    action(async (ctx) => {
      const report = await (await ctx.board()).heal();
      const parts = [
        `${count(report.timedOut.length, "lease", "leases")} timed out${list(report.timedOut)}`,
        `${count(report.poisoned.length, "task", "tasks")} dead${list(report.poisoned)}`,
        `${count(report.retried.length, "retry", "retries")} due${list(report.retried)}`,
        `${count(report.deadAgents.length, "agent", "agents")} declared dead${list(report.deadAgents)}`,
      ];
      return { json: healJson(report), human: `healed: ${printable(parts.join("; "))}` };
    }),
  );

  verb(program, "agents", "agents seen on this board: alive, silent or dead, with their workload and record").action(
    action(async (ctx) => {
      const agents = await (await ctx.board()).activity();
      return {
        // The agent's fields as before, plus its workload (fields are only ever added).
        json: agents.map(agentActivityToWire),
        human: activityTable(agents, ctx.style, Date.now()),
      };
    }),
  );

  verb(program, "watch", "print events as they happen, until Ctrl-C (with --json: one JSON object a line)")
    .option("--after <seq>", "start after this sequence number (0: replay the whole trail first)")
    .option("--poll <duration>", "how often to look for new events on stores that do not push them", "200ms")
    .action(
      action(async (ctx, _args, o) => {
        const afterSeq = wholeNumber("--after", o.after as string | undefined, "0");
        const pollMs = (durationSeconds("--poll", o.poll as string) as number) * 1000;
        const board = await ctx.board();
        const stop = new AbortController();
        const onSignal = (): void => stop.abort();
        process.once("SIGINT", onSignal);
        process.once("SIGTERM", onSignal);
        try {
          for await (const event of board.watch({ pollMs, signal: stop.signal, ...(afterSeq !== undefined && { afterSeq }) })) {
            process.stdout.write(ctx.json ? `${JSON.stringify(eventJson(event))}\n` : `${eventLine(event, ctx.style)}\n`);
          }
        } finally {
          process.off("SIGINT", onSignal);
          process.off("SIGTERM", onSignal);
        }
      }),
    );
}

function list(ids: readonly string[]): string {
  return ids.length ? ` (${ids.join(", ")})` : "";
}

function countersText(values: Record<string, number>): string {
  const entries = Object.entries(values);
  if (entries.length === 0) return "no counters yet (the first `baton add` starts T at 1)";
  const width = entries.reduce((w, [p]) => Math.max(w, p.length), 0);
  return printable(entries.map(([prefix, n]) => `${prefix.padEnd(width)}  ${n}  (next ${prefix}-${n + 1})`).join("\n"), {
    multiline: true,
  });
}

/** "1 retry", "3 retries": plain words, not "retry(ies)". */
function count(n: number, one: string, many: string): string {
  return `${n} ${n === 1 ? one : many}`;
}
