/**
 * `baton audit export FILE --format jsonl|json|csv [filters]`: the trail streamed a page at a
 * time (board.auditPages), so a million events never sit in memory, written to a temp file
 * renamed into place at the end, with a progress bar on a terminal. csv-stringify and
 * cli-progress load only here (this module is imported by the verb when it runs).
 */
import { createWriteStream, renameSync, rmSync } from "node:fs";
import { once } from "node:events";
import { stringify } from "csv-stringify/sync";
import cliProgress from "cli-progress";
import { invalidInput } from "../../core/errors.js";
import { eventJson } from "../json-shape.js";
import type { Board, AuditQuery } from "../../board.js";
import type { BoardEvent } from "../../core/task.js";

export const AUDIT_EXPORT_FORMATS = ["jsonl", "json", "csv"] as const;
type Format = (typeof AUDIT_EXPORT_FORMATS)[number];

const CSV_COLUMNS = ["seq", "at", "type", "task_id", "agent_id", "from", "to", "details", "data"];

export async function exportAudit(
  board: Board,
  file: string,
  format: string,
  query: AuditQuery,
  showProgress: boolean,
): Promise<{ events: number }> {
  if (!(AUDIT_EXPORT_FORMATS as readonly string[]).includes(format)) {
    throw invalidInput(`unknown format ${JSON.stringify(format)}; use one of ${AUDIT_EXPORT_FORMATS.join(", ")}`);
  }
  const temp = `${file}.${process.pid}.tmp`;
  const out = createWriteStream(temp);
  const write = async (text: string): Promise<void> => {
    if (!out.write(text)) await once(out, "drain");
  };
  const lastSeq = (await board.audit({ recent: 1 }))[0]?.seq ?? 0;
  const bar = showProgress ? new cliProgress.SingleBar({ format: "exporting [{bar}] {value}/{total} seq", clearOnComplete: true }) : null;
  bar?.start(lastSeq, 0);
  let events = 0;
  try {
    if (format === "json") await write("[");
    if (format === "csv") await write(stringify([CSV_COLUMNS]));
    for await (const page of board.auditPages(query)) {
      await write(pageText(format as Format, page, events === 0));
      events += page.length;
      bar?.update((page[page.length - 1] as BoardEvent).seq);
    }
    if (format === "json") await write(events === 0 ? "]\n" : "\n]\n");
    out.end();
    await once(out, "finish");
    renameSync(temp, file);
  } catch (error) {
    out.destroy();
    rmSync(temp, { force: true });
    throw error;
  } finally {
    bar?.stop();
  }
  return { events };
}

function pageText(format: Format, page: readonly BoardEvent[], first: boolean): string {
  switch (format) {
    case "jsonl":
      return page.map((e) => `${JSON.stringify(eventJson(e))}\n`).join("");
    case "json":
      return page.map((e, i) => `${first && i === 0 ? "\n" : ",\n"}${JSON.stringify(eventJson(e))}`).join("");
    case "csv":
      return stringify(page.map((e) => [e.seq, e.at, e.type, e.taskId ?? "", e.agentId ?? "", e.from ?? "", e.to ?? "", e.details, JSON.stringify(e.data)]));
    default:
      return format satisfies never;
  }
}
