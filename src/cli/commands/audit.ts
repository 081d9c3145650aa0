/** The audit trail as a tool: audit [query], audit stats, audit export (audit-export.ts), replay. */
import { parseDurationSeconds } from "../../core/duration.js";
import { BatonError, ErrorCode, invalidInput } from "../../core/errors.js";
import { PAGE_MAX, eventCursor } from "../../board/paging.js";
import { printable } from "../escape.js";
import { eventTable } from "../human.js";
import { eventJson } from "../json-shape.js";
import { list, wholeNumber } from "../options.js";
import { pagingOptions, parsePaging, printList } from "../pages.js";
import { action, print, verb } from "../verb.js";
import type { AuditQuery } from "../../board.js";
import type { AuditStats, DurationSummary } from "../../core/audit-stats.js";
import type { ReplayReport } from "../../core/replay.js";
import type { BoardEvent, EventType } from "../../core/task.js";
import type { VerbOptions } from "../verb.js";
import type { Command } from "commander";

/** Default page of `baton audit`: the oldest 100 events after the cursor. */
const AUDIT_PAGE = 100;

export function registerAuditVerbs(program: Command): void {
  const audit = verb(program, "audit", "the audit trail: query it (the default), stats", { agentIsFilter: true });

  pagingOptions(
    withFilters(verb(audit, "query", "events of the audit trail, oldest first, a page at a time (the default)", { agentIsFilter: true, isDefault: true }))
      .option("--recent <n>", "only the newest n events")
      .option("--after <seq>", "only events after this sequence number"),
    AUDIT_PAGE,
  ).action(
    action(
      async (ctx, _args, o) => {
        const board = await ctx.board();
        const recent = wholeNumber("--recent", o.recent as string | undefined, "20");
        const afterSeq = wholeNumber("--after", o.after as string | undefined, "120");
        const filter = filtersOf(o);
        const printer = { noun: "events", json: eventJson, human: (events: readonly BoardEvent[], first: boolean) => eventTable(events, ctx.style, first) };
        if (recent !== undefined) {
          if (o.cursor !== undefined || o.all === true || afterSeq !== undefined) {
            throw invalidInput("--recent shows the newest events; it does not combine with --after, --cursor or --all");
          }
          const events = await board.audit({ ...filter, recent: Math.min(recent, PAGE_MAX) });
          return { json: events.map(eventJson), human: eventTable(events, ctx.style) };
        }
        const paging = parsePaging(o, AUDIT_PAGE);
        if (afterSeq !== undefined) {
          if (o.cursor !== undefined) throw invalidInput("give --after or --cursor, not both");
          paging.query.cursor = eventCursor({ seq: afterSeq });
        }
        await printList(ctx, paging, (page) => board.auditPage({ ...filter, ...page }), printer);
      },
      { agentIsFilter: true },
    ),
  );

  withFilters(verb(audit, "export <file>", "write the trail to FILE, streamed (constant memory), oldest first", { agentIsFilter: true }))
    .requiredOption("--format <format>", "jsonl, json or csv")
    .action(
      action(
        async (ctx, [file], o) => {
          const { exportAudit } = await import("./audit-export.js");
          const board = await ctx.board();
          const result = await exportAudit(board, file as string, o.format as string, filtersOf(o), process.stderr.isTTY === true && !ctx.json);
          return { json: { file, format: o.format, events: result.events }, human: printable(`exported ${result.events} event(s) to ${file}`) };
        },
        { agentIsFilter: true },
      ),
    );

  verb(audit, "rotate", "move events older than DATE to an archive file (checksummed); every audit read still sees them")
    .requiredOption("--before <date>", "archive the oldest events before this time (ISO 8601; a date alone is midnight UTC)")
    .option("--archive <file>", "the archive file (never overwritten); default archive/events-FROM-TO.jsonl beside the board")
    .action(
      action(async (ctx, _args, o) => {
        const report = await (await ctx.board()).rotateAudit({
          before: o.before as string,
          ...(o.archive === undefined ? {} : { archive: o.archive as string }),
        });
        const a = report.archive;
        if (a === null) {
          return { json: { archive: null, events: 0 }, human: printable(`nothing to rotate: no event before ${o.before as string} that is not archived already`) };
        }
        const stray = report.replacedStray === null ? "" : ` (replaced an unrecorded archive left by an interrupted rotate)`;
        return {
          json: {
            archive: a.file,
            from_seq: a.fromSeq,
            to_seq: a.toSeq,
            events: a.count,
            sha256: a.sha256,
            bytes: a.bytes,
            marker_seq: report.markerSeq,
            replaced_stray: report.replacedStray,
          },
          human: printable(`archived ${a.count} event(s), seq ${a.fromSeq}…${a.toSeq}, to ${a.file}${stray}\nsha256 ${a.sha256}; ROTATED event ${report.markerSeq ?? "?"}`),
        };
      }),
    );

  withFilters(verb(audit, "stats", "counts by type and by agent, time to claim and to complete", { agentIsFilter: true })).action(
    action(
      async (ctx, _args, o) => {
        const stats = await (await ctx.board()).auditStats(filtersOf(o));
        return { json: statsJson(stats), human: statsText(stats) };
      },
      { agentIsFilter: true },
    ),
  );
}

export function registerReplayVerb(program: Command): void {
  verb(program, "replay [ids...]", "rebuild tasks from their audit events and compare with the stored ones; exit 1 listing every difference")
    .option("--all", "every task on the board")
    .action(
      action(async (ctx, ids, o) => {
        if ((ids.length === 0) === (o.all !== true)) {
          throw invalidInput("say which tasks: baton replay T-1 [T-2 …], or baton replay --all");
        }
        const report = await (await ctx.board()).replay(o.all === true ? undefined : ids);
        const printed = { json: replayJson(report), human: replayText(report) };
        if (report.differences.length === 0) return printed;
        print(ctx, printed);
        const tasks = new Set(report.differences.map((d) => d.taskId)).size;
        throw new BatonError(
          ErrorCode.CORRUPT_STORE,
          `replay found ${report.differences.length} difference(s) in ${tasks} task(s): the stored tasks no longer match their audit trail ` +
            "(a change made behind baton's back, or a damaged store); see the list above",
        );
      }),
    );
}

function replayJson(report: ReplayReport): Record<string, unknown> {
  return {
    tasks: report.tasks,
    events: report.events,
    matches: report.differences.length === 0,
    differences: report.differences.map((d) => ({ task_id: d.taskId, field: d.field, stored: d.stored, replayed: d.replayed })),
  };
}

function replayText(report: ReplayReport): string {
  const head = `replayed ${report.tasks} task(s) from ${report.events} event(s)`;
  if (report.differences.length === 0) return `${head}: every task matches its audit trail`;
  return (
    [
      `${head}: ${report.differences.length} difference(s)`,
      ...report.differences.map(
        (d) => `${d.taskId}  ${d.field}: stored ${JSON.stringify(d.stored)}, replayed ${JSON.stringify(d.replayed)}`,
      ),
    ]
      .map((line) => printable(line))
      .join("\n")
  );
}

/** The filters every audit verb takes. */
export function withFilters(command: Command): Command {
  return command
    .option("--task <id>", "only this task's events")
    .option("--agent <id>", "only events by this agent")
    .option("--type <types>", "only these event types, comma-separated (e.g. FAILED,TIMEOUT)")
    .option("--errors", "only errors: FAILED, TIMEOUT, POISON_PILL, LOCK_BROKEN, AGENT_DEAD")
    .option("--since <time>", "only events at or after this time (2026-03-01, 2026-03-01T12:00Z, or 24h for 24 hours ago)")
    .option("--until <time>", "only events before this time (same forms as --since)");
}

export function filtersOf(o: VerbOptions, now = Date.now()): AuditQuery {
  const types = o.type === undefined ? undefined : (list(o.type as string) ?? []).map((t) => t.toUpperCase() as EventType);
  return {
    ...(o.task !== undefined && { taskId: o.task as string }),
    ...(o.agent !== undefined && { agent: o.agent as string }),
    ...(types !== undefined && { type: types }),
    ...(o.errors === true && { errors: true }),
    ...(o.since !== undefined && { since: timeArg(o.since as string, now) }),
    ...(o.until !== undefined && { until: timeArg(o.until as string, now) }),
  };
}

/** A duration ("24h", "15m") is that long ago; anything else goes to the library as a time. */
function timeArg(value: string, now: number): string | number {
  if (/^\s*\d+(\.\d+)?(ms|s|m|h|d)/.test(value) && !/^\s*\d{4}-/.test(value)) return now - parseDurationSeconds(value) * 1000;
  return value;
}

function statsJson(stats: AuditStats): Record<string, unknown> {
  const duration = (d: DurationSummary): Record<string, unknown> => ({
    count: d.count,
    mean_seconds: d.meanSeconds,
    p50_seconds: d.p50Seconds,
    p95_seconds: d.p95Seconds,
    max_seconds: d.maxSeconds,
  });
  return {
    events: stats.events,
    first_at: stats.firstAt,
    last_at: stats.lastAt,
    by_type: stats.byType,
    by_agent: stats.byAgent,
    time_to_claim: duration(stats.timeToClaim),
    time_to_complete: duration(stats.timeToComplete),
  };
}

function statsText(stats: AuditStats): string {
  if (stats.events === 0) return "no events";
  const counts = (title: string, values: Record<string, number>): string[] => {
    const entries = Object.entries(values);
    if (entries.length === 0) return [];
    const width = Math.max(...entries.map(([k]) => k.length));
    return [title, ...entries.map(([k, n]) => `  ${k.padEnd(width)}  ${n}`)];
  };
  const seconds = (s: number | null): string => (s === null ? "-" : s < 10 ? `${s.toFixed(2)}s` : `${Math.round(s)}s`);
  const duration = (title: string, d: DurationSummary): string =>
    d.count === 0
      ? `${title}: none yet`
      : `${title} (${d.count} tasks): mean ${seconds(d.meanSeconds)}, p50 ${seconds(d.p50Seconds)}, p95 ${seconds(d.p95Seconds)}, max ${seconds(d.maxSeconds)}`;
  return (
    [
      `${stats.events} events from ${stats.firstAt} to ${stats.lastAt}`,
      ...counts("by type:", stats.byType),
      ...counts("by agent:", stats.byAgent),
      duration("time to claim", stats.timeToClaim),
      duration("time to complete", stats.timeToComplete),
    ]
      .map((line) => printable(line))
      .join("\n")
  );
}
