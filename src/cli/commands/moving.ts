/** Moving in and out: import, export (the seeds' formats, src/migrate), inbox. */
import { readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { invalidInput } from "../../core/errors.js";
import { IMPORT_FORMATS } from "../../migrate/rows.js";
import { BATON_DIR, findBoardRoot } from "../discovery.js";
import { printable } from "../escape.js";
import { action, verb } from "../verb.js";
import type { ImportPlan } from "../../board/importing.js";
import type { Command } from "commander";

const FORMATS = IMPORT_FORMATS.join("|");

export function registerMovingVerbs(program: Command): void {
  verb(program, "import <file>", "add the tasks of a seed's file: tasks-json (seed 001), task-queue (TASK_QUEUE.json), tasks-md (TASKS.md)")
    .requiredOption("--format <format>", FORMATS)
    .option("--dry-run", "show what would be created or changed, and change nothing")
    .option("--prefix <prefix>", "task-queue: numeric ids become PREFIX-N", "Q")
    .action(
      action(async (ctx, [file], o) => {
        const text = readInput(file as string);
        const plan = await (await ctx.board()).importTasks(text, {
          format: o.format as string,
          dryRun: o.dryRun === true,
          queuePrefix: o.prefix as string,
          ...(ctx.agent && { agent: ctx.agent }),
        });
        return { json: planJson(plan), human: planText(plan) };
      }),
    );

  verb(program, "export", "write the board's tasks in a seed's format (tasks-json keeps every field)")
    .requiredOption("--format <format>", FORMATS)
    .option("--out <file>", "write to this file (default: standard output)")
    .option("--prefix <prefix>", "task-queue: PREFIX-N ids become the number N", "Q")
    .action(
      action(async (ctx, _args, o) => {
        const text = await (await ctx.board()).exportTasks({ format: o.format as string, queuePrefix: o.prefix as string });
        const out = o.out as string | undefined;
        if (out === undefined) {
          process.stdout.write(text);
          return;
        }
        // Temp file and rename: a reader never sees half an export.
        const temp = `${out}.${process.pid}.tmp`;
        writeFileSync(temp, text);
        renameSync(temp, out);
        return { json: { out, format: o.format }, human: printable(`exported to ${out}`) };
      }),
    );
}

export function registerInboxVerbs(program: Command): void {
  const inbox = verb(program, "inbox", "seed 003's task inbox: process it (add tasks with reserved ids), or add to it");
  verb(inbox, "process [file]", "add each submitted task whose id was reserved and is unused; the rest stay with their reason (default .baton/inbox.json)").action(
    action(async (ctx, [file]) => {
      const board = await ctx.board();
      const path = file ?? join(findBoardRoot(ctx.cwd) ?? ctx.cwd, BATON_DIR, "inbox.json");
      const outcome = await board.processInbox(path, ctx.agent ? { agent: ctx.agent } : {});
      const lines = [`accepted ${outcome.accepted.length}${outcome.accepted.length ? `: ${outcome.accepted.join(", ")}` : ""}`];
      for (const r of outcome.rejected) lines.push(`rejected ${typeof r.id === "string" ? r.id : JSON.stringify(r.id)}: ${r.reason}`);
      return { json: outcome, human: lines.map((line) => printable(line)).join("\n") };
    }),
  );
}

export function readInput(file: string): string {
  try {
    return readFileSync(file, "utf8");
  } catch (error) {
    throw invalidInput(`cannot read ${file}: ${(error as Error).message}`);
  }
}

function planJson(plan: ImportPlan): Record<string, unknown> {
  return {
    format: plan.format,
    dry_run: plan.dryRun,
    created: plan.created,
    changed: plan.changed,
    unchanged: plan.unchanged,
    warnings: plan.warnings,
    counters: plan.counters,
  };
}

function planText(plan: ImportPlan): string {
  const verbs = plan.dryRun ? ["would create", "would change"] : ["created", "changed"];
  const lines = [
    `${plan.dryRun ? "dry run: " : ""}${verbs[0]} ${plan.created.length}, ${verbs[1]} ${plan.changed.length}, unchanged ${plan.unchanged.length}`,
  ];
  if (plan.created.length > 0) lines.push(`  ${verbs[0]}: ${plan.created.join(", ")}`);
  for (const c of plan.changed) lines.push(`  ${verbs[1]} ${c.id}: ${c.fields.join(", ")}`);
  for (const w of plan.warnings) lines.push(`  warning: ${w}`);
  const counters = Object.entries(plan.counters);
  if (counters.length > 0) lines.push(`  counters: ${counters.map(([p, n]) => `${p} → ${n}`).join(", ")}`);
  if (plan.dryRun) lines.push("nothing was changed; run again without --dry-run to import");
  return lines.map((line) => printable(line)).join("\n");
}
