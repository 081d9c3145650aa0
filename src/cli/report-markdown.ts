/** `baton report` as Markdown a lead can paste into an issue. Task text is escaped, never raw. */
import { formatDuration } from "../core/duration.js";
import { TASK_STATUSES } from "../core/task.js";
import type { BoardReport } from "../board/report.js";

/** Markdown's special characters escaped and line breaks flattened, so task text stays text. */
export function md(text: string): string {
  return text
    .replace(/[\r\n\u2028\u2029]+/g, " ")
    // eslint-disable-next-line no-control-regex
    .replace(/[\u0000-\u001f\u007f]/g, "")
    .replace(/[\\`*_{}[\]()<>#+\-.!|~]/g, (c) => `\\${c}`);
}

export function reportMarkdown(report: BoardReport): string {
  const lines: string[] = [];
  lines.push(`# Board report`, "", `Generated ${report.generatedAt}${report.since ? ` · activity since ${report.since}` : ""}`, "");

  lines.push("## Tasks by status", "", "| status | tasks |", "|---|---:|");
  for (const status of TASK_STATUSES) lines.push(`| ${status.replace("_", " ")} | ${report.counts[status]} |`);
  lines.push("");

  lines.push("## Agents", "");
  if (report.agents.length === 0) lines.push("No completions or failures recorded.", "");
  else {
    lines.push("| agent | completed | failed | mean time to complete |", "|---|---:|---:|---:|");
    for (const a of report.agents) {
      lines.push(`| ${md(a.agent)} | ${a.completed} | ${a.failed} | ${a.meanMs === null ? "–" : formatDuration(a.meanMs)} |`);
    }
    lines.push("");
  }

  lines.push("## Poison pills", "");
  if (report.poisonPills.length === 0) lines.push("None.", "");
  else {
    lines.push("| task | title | attempts | last error |", "|---|---|---:|---|");
    for (const t of report.poisonPills) lines.push(`| ${t.id} | ${md(t.title)} | ${t.attempts} | ${md(t.lastError ?? "")} |`);
    lines.push("", "Fix the cause, then `baton revive ID`.", "");
  }

  lines.push("## Longest waiting", "");
  if (report.longestWaiting.length === 0) lines.push("Nothing is waiting.", "");
  else {
    lines.push("| task | title | waiting | why |", "|---|---|---:|---|");
    for (const w of report.longestWaiting) {
      lines.push(`| ${w.task.id} | ${md(w.task.title)} | ${formatDuration(w.waitedMs)} | ${md(w.why)} |`);
    }
    lines.push("");
  }

  lines.push("## Critical path", "");
  lines.push(
    report.criticalPath.length === 0
      ? "Nothing open."
      : report.criticalPath.map((t) => `${t.id} (${t.status.replace("_", " ")}) ${md(t.title)}`).join(" → "),
    "",
  );
  return lines.join("\n");
}
