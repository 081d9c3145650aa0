/**
 * Readable output of the coordination verbs: agents with their workload, balance plans,
 * dependency chains and pipelines. Machines use `--json`; nothing here is a contract.
 */
import { relative, table } from "./human.js";
import type { AgentActivity } from "../board/coordination.js";
import type { Pipeline } from "../board/pipeline.js";
import type { Task, TaskStatus } from "../core/task.js";
import type { ReservationMove } from "../core/workload.js";
import type { Style } from "./style.js";
import { printable } from "./escape.js";

export function activityTable(agents: readonly AgentActivity[], style: Style, now: number): string {
  if (agents.length === 0) return "no agents yet (an agent appears when it first claims, or with `baton agent add`)";
  const paint = { alive: "green", silent: "yellow", dead: "red" } as const;
  return table(
    agents.map((a) => ({
      ...a,
      id: printable(a.id),
      capabilities: a.capabilities.map((c) => printable(c)),
      holding: a.holding.map((h) => printable(h)),
    })),
    [
      { title: "AGENT", cell: (a) => a.id, paint: () => "bold" },
      { title: "STATE", cell: (a) => a.liveness, paint: (a) => paint[a.liveness] },
      { title: "LAST SEEN", cell: (a) => relative(a.lastSeenAt, now) },
      { title: "HOLDING", cell: (a) => String(a.holding.length) },
      { title: "RESERVED", cell: (a) => String(a.reserved) },
      { title: "COMPLETED", cell: (a) => String(a.completed) },
      { title: "FAILED", cell: (a) => String(a.failed) },
      { title: "CAPABILITIES", cell: (a) => a.capabilities.join(", ") },
      { title: "HOLDS", cell: (a) => a.holding.join(", ") },
    ],
    style,
  );
}

export function balanceText(moves: readonly ReservationMove[], applied: boolean): string {
  if (moves.length === 0) return "balanced: no reservation needs to move";
  const why = { dead: "is dead", silent: "is silent", overloaded: "is overloaded" } as const;
  const lines = moves.map(
    (m) => `  ${m.taskId}: ${m.from} → ${m.to}  (${m.from} ${why[m.why]}: load ${m.fromLoad}; ${m.to}: load ${m.toLoad})`,
  );
  return [
    applied ? `moved ${moves.length} reservation(s):` : `plan: ${moves.length} reservation(s) to move`,
    ...lines,
    ...(applied ? [] : ["run `baton balance --apply` to make these moves"]),
  ].join("\n");
}

function taskLine(task: Task, style: Style): string {
  const role = { in_progress: "held by", pending: "reserved for", failed: "reserved for", completed: "by" } as const;
  const how = role[task.status as keyof typeof role];
  const who = task.assignedTo && how ? ` (${how} ${task.assignedTo})` : "";
  return `${style.paint("bold", printable(task.id))} ${style.status(task.status)}${printable(who)}  "${printable(task.title)}"`;
}

function section(title: string, tasks: readonly Task[], style: Style, empty: string): string[] {
  return [style.paint("bold", title), ...(tasks.length ? tasks.map((t) => `  ${taskLine(t, style)}`) : [`  ${empty}`])];
}

export function pipelineText(pipeline: Pipeline, style: Style): string {
  const lines: string[] = [];
  if (pipeline.task) {
    lines.push(taskLine(pipeline.task, style), "");
    lines.push(...section("waits for", pipeline.upstream, style, "nothing"));
    lines.push(...section("waited for by", pipeline.downstream, style, "nothing"));
    lines.push(...section("completing it unblocks", pipeline.unblocks, style, "nothing yet"));
  }
  const path = pipeline.criticalPath;
  lines.push(
    style.paint("bold", pipeline.task ? "critical path through it" : "critical path (the longest chain of open work)"),
    path.length ? `  ${path.map((t) => `${printable(t.id)} (${t.status})`).join(" → ")}` : "  nothing open",
  );
  lines.push("", progressLine(pipeline.counts));
  return lines.join("\n");
}

export function progressLine(counts: Record<TaskStatus, number>): string {
  const live = counts.pending + counts.in_progress + counts.failed + counts.completed + counts.dead;
  const pct = live === 0 ? 100 : Math.floor((counts.completed / live) * 100);
  return (
    `progress: ${counts.completed}/${live} completed (${pct}%) · ${counts.in_progress} in progress · ` +
    `${counts.pending} pending · ${counts.failed} waiting to retry · ${counts.dead} dead` +
    (counts.cancelled ? ` · ${counts.cancelled} cancelled` : "")
  );
}

export function unblockedText(unblocked: readonly Task[], counts: Record<TaskStatus, number>): string {
  const head = unblocked.length
    ? `unblocked: ${unblocked.map((t) => `${printable(t.id)} "${printable(t.title)}"`).join(", ")}`
    : "unblocked: nothing new";
  return `${head}\n${progressLine(counts)}`;
}
