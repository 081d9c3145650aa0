/** Verbs that keep a board running: health, monitor, report, backup, restore. */
import { writeFileSync } from "node:fs";
import { invalidInput, isBatonError } from "../../core/errors.js";
import { unreachable } from "../../board/health.js";
import { runMonitor } from "../../board/monitor.js";
import { monitorDuties } from "../../board/monitor-duties.js";
import { ExitCode } from "../exit-codes.js";
import { reportMarkdown } from "../report-markdown.js";
import { printable } from "../escape.js";
import { durationSeconds, wholeNumber } from "../options.js";
import { action, verb } from "../verb.js";
import type { MonitorAction } from "../../board/monitor.js";
import type { HealthReport } from "../../board/health.js";
import type { Style } from "../style.js";
import type { Command } from "commander";

export function registerOperationVerbs(program: Command): void {
  registerMonitor(program);
  verb(program, "report", "a Markdown status report: counts, agents, poison pills, longest waiting, critical path")
    .option("--out <file>", "write it to this file instead of printing it")
    .option("--since <date>", "count agents' activity from this date (e.g. 2026-11-30)")
    .action(
      action(async (ctx, _args, o) => {
        const report = await (await ctx.board()).report(o.since === undefined ? {} : { since: o.since as string });
        const markdown = reportMarkdown(report);
        const out = o.out as string | undefined;
        if (out === undefined) return { json: { markdown }, human: markdown };
        try {
          writeFileSync(out, `${markdown}\n`);
        } catch (error) {
          throw invalidInput(`cannot write --out ${out}: ${(error as Error).message}`);
        }
        return { json: { out }, human: `report written to ${out}` };
      }),
    );
  verb(program, "backup <file>", "a consistent copy of the board in FILE while agents keep working, verified once written").action(
    action(async (ctx, [file]) => {
      const verdict = await (await ctx.board()).backup(file as string);
      return {
        json: { file, tasks: verdict.tasks, events: verdict.events, verified: true },
        human: `backed up ${verdict.tasks} task(s) and ${verdict.events} event(s) to ${file} (integrity and replay verified)`,
      };
    }),
  );
  verb(program, "restore <file>", "replace the board with a backup, once the backup is verified (a live board needs --force)")
    .option("--force", "replace a board that has tasks or events")
    .action(
      action(async (ctx, [file], o) => {
        const verdict = await (await ctx.board()).restore(file as string, { force: o.force === true });
        return {
          json: { file, tasks: verdict.tasks, events: verdict.events, restored: true },
          human: `restored ${verdict.tasks} task(s) and ${verdict.events} event(s) from ${file} (verified before replacing the board)`,
        };
      }),
    );
  verb(program, "health", "check the board: store, schema, integrity, locks, leases, agents, poison pills (exit 1 on problems)")
    .option("--no-integrity", "skip the full integrity scan (SQLite's quick_check)")
    .action(
      action(async (ctx, _args, o) => {
        let health: HealthReport;
        try {
          health = await (await ctx.board()).health({ integrity: o.integrity !== false });
        } catch (error) {
          // A board that cannot be opened (corrupt, unreadable) is a finding, not a crash.
          if (!isBatonError(error) || (error.code !== "CORRUPT_STORE" && error.code !== "STORE_UNAVAILABLE")) throw error;
          const url = ctx.location().url;
          const kind = url.startsWith("postgres") ? "postgres" : (url.split(":")[0] as string);
          const location = kind === "postgres" ? "the database" : url.slice(kind.length + 1);
          health = { healthy: false, checks: [unreachable({ kind, location }, error)] };
        }
        return {
          json: { healthy: health.healthy, checks: health.checks },
          human: healthText(health, ctx.style),
          ...(!health.healthy && { exitCode: ExitCode.error }),
        };
      }),
    );
}

function registerMonitor(program: Command): void {
  verb(program, "monitor", "heal the board every interval (leases, retries, silent agents, stale locks), check its integrity and deliver webhooks")
    .option("--interval <duration>", "time between ticks, e.g. 30s, 5m", "60s")
    .option("--once", "run one tick and exit")
    .option("--integrity-every <n>", "run the full integrity check every n ticks", "10")
    .action(
      action(async (ctx, _args, o) => {
        const intervalMs = (durationSeconds("--interval", o.interval as string) as number) * 1000;
        const integrityEvery = wholeNumber("--integrity-every", o.integrityEvery as string, "10") as number;
        if (integrityEvery < 1) throw invalidInput("invalid --integrity-every 0: expected 1 or more, like --integrity-every 10");
        const board = await ctx.board();
        const stop = new AbortController();
        const onSignal = (): void => stop.abort();
        process.once("SIGINT", onSignal);
        process.once("SIGTERM", onSignal);
        const log = (entry: MonitorAction, at: number): void => {
          process.stdout.write(ctx.json ? `${JSON.stringify(actionJson(entry, at))}\n` : `${actionLine(entry, at)}\n`);
        };
        if (!ctx.json) process.stderr.write(`baton monitor: watching ${board.store.location} every ${o.interval as string}\n`);
        let errors = 0;
        try {
          await runMonitor({
            board,
            duties: monitorDuties({ integrityEvery }),
            intervalMs,
            once: o.once === true,
            signal: stop.signal,
            onAction: (entry, at) => {
              if (entry.action === "error") errors++;
              log(entry, at);
            },
          });
        } finally {
          process.off("SIGINT", onSignal);
          process.off("SIGTERM", onSignal);
        }
        if (!ctx.json && stop.signal.aborted) process.stderr.write("baton monitor: stopped\n");
        // --once is a check a cron job can act on: exit 1 when a duty failed.
        if (o.once === true && errors > 0) return { json: undefined, human: "", exitCode: ExitCode.error, quiet: true };
      }),
    );
}

function actionJson(entry: MonitorAction, at: number): Record<string, unknown> {
  return {
    at: new Date(at).toISOString(),
    duty: entry.duty,
    action: entry.action,
    ...(entry.taskId !== undefined && { task_id: entry.taskId }),
    ...(entry.agentId !== undefined && { agent_id: entry.agentId }),
    detail: entry.detail,
  };
}

function actionLine(entry: MonitorAction, at: number): string {
  return `${new Date(at).toISOString()} ${entry.duty} ${entry.action} ${printable(entry.detail)}`;
}

function healthText(health: HealthReport, style: Style): string {
  const width = Math.max(...health.checks.map((c) => c.name.length));
  const lines = health.checks.map((c) => {
    const mark = c.ok ? style.paint("green", "ok     ") : style.paint("red", "PROBLEM");
    const fix = !c.ok && c.fix ? `\n  ${" ".repeat(width + 9)}fix: ${c.fix}` : "";
    return `${mark}  ${c.name.padEnd(width)}  ${c.detail}${fix}`;
  });
  const problems = health.checks.filter((c) => !c.ok).length;
  lines.push(health.healthy ? "healthy" : `${problems} problem(s)`);
  return lines.join("\n");
}
