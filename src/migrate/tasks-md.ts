/**
 * Seed 003's TASKS.md: markdown tables whose header names the columns, e.g.
 * `| ID | Title | Estimate | Priority | Status | Depends | Source |`. Columns are found by
 * header name, so any order and any extra column work; a table without an ID column (a
 * summary, a legend) is not tasks and is skipped. Extra columns are kept in metadata under
 * the header's name in snake_case (Estimate → estimate). CRLF line endings are fine.
 */
import { blankRow, checkedCapabilities, checkedId, checkedTitle, priorityOf, rowError, statusOf } from "./rows.js";
import type { ImportRow } from "./rows.js";

const COLUMN_NAMES: Record<string, string> = {
  id: "id", task_id: "id", key: "id",
  title: "title", task: "title", name: "title", summary: "title",
  description: "description", details: "description",
  priority: "priority", prio: "priority",
  status: "status", state: "status",
  depends: "dependsOn", depends_on: "dependsOn", dependencies: "dependsOn", deps: "dependsOn", blocked_by: "dependsOn", after: "dependsOn",
  needs: "needs", type: "needs", capabilities: "needs",
  assignee: "assignedTo", assigned_to: "assignedTo", owner: "assignedTo", claimed_by: "assignedTo",
  result: "result",
};

/** Cells that mean "nothing here". */
export const EMPTY_CELLS: ReadonlySet<string> = new Set(["", "-", "—", "–", "n/a", "none"]);
const EMPTY = EMPTY_CELLS;

export function headerKey(header: string): string {
  return header.trim().toLowerCase().replace(/[^a-z0-9]+/g, "_").replace(/^_|_$/g, "");
}

export function splitRow(line: string): string[] | null {
  const trimmed = line.trim();
  if (!trimmed.startsWith("|")) return null;
  const cells: string[] = [];
  let cell = "";
  for (let i = 1; i < trimmed.length; i++) {
    const ch = trimmed[i] as string;
    if (ch === "\\" && trimmed[i + 1] === "|") {
      cell += "|";
      i++;
    } else if (ch === "|") {
      cells.push(cell.trim());
      cell = "";
    } else cell += ch;
  }
  if (cell.trim() !== "") cells.push(cell.trim());
  return cells;
}

const isSeparator = (cells: readonly string[]): boolean => cells.length > 0 && cells.every((c) => /^:?-{2,}:?$/.test(c));

export function parseTasksMd(text: string): ImportRow[] {
  const lines = text.replace(/^\uFEFF/, "").split(/\r?\n/);
  const rows: ImportRow[] = [];
  let headers: string[] | null = null;
  for (let i = 0; i < lines.length; i++) {
    const cells = splitRow(lines[i] as string);
    if (cells === null) {
      headers = null;
      continue;
    }
    if (headers === null) {
      const next = splitRow(lines[i + 1] ?? "");
      if (next && isSeparator(next)) {
        headers = cells.map(headerKey);
        i++;
        if (!headers.some((h) => COLUMN_NAMES[h] === "id")) headers = [];
      }
      continue;
    }
    if (headers.length === 0) continue; // a table that is not tasks
    rows.push(rowOf(headers, cells, i + 1));
  }
  return rows;
}

function plain(cell: string): string {
  return cell.replace(/^\*\*(.*)\*\*$/, "$1").replace(/^`(.*)`$/, "$1").trim();
}

function rowOf(headers: readonly string[], cells: readonly string[], line: number): ImportRow {
  const known: Record<string, string> = {};
  const metadata: Record<string, unknown> = {};
  // "-" means an empty cell; `-` (in backticks, as export writes it) is the text "-".
  const text = (raw: string): string => (EMPTY.has(raw.toLowerCase()) ? "" : plain(raw));
  cells.forEach((raw, i) => {
    const header = headers[i] ?? `column_${i + 1}`;
    const field = COLUMN_NAMES[header];
    if (field) {
      if (!(field in known) || known[field] === "") known[field] = text(raw);
    } else if (text(raw) !== "") metadata[header] = text(raw);
  });
  const value = (field: string): string => known[field] ?? "";
  if (value("id") === "") throw rowError(line, "this table row has no ID");
  const list = (cell: string): string[] => [...new Set(cell.split(/[,\s]+/).map(plain).filter((s) => s !== "" && !EMPTY.has(s.toLowerCase())))];
  const row = blankRow(line, checkedId(value("id"), line), checkedTitle(value("title"), line));
  return {
    ...row,
    description: value("description"),
    status: statusOf(value("status"), line),
    priority: priorityOf(value("priority"), line),
    needs: checkedCapabilities(list(value("needs")).filter((n) => n.toLowerCase() !== "any"), line),
    dependsOn: list(value("dependsOn")).map((d) => checkedId(d, line)),
    assignedTo: value("assignedTo") || null,
    result: value("result") || null,
    metadata,
  };
}
