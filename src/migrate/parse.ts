/** One entry point for the import parsers. */
import { invalidInput } from "../core/errors.js";
import { checkPrefix } from "../core/validation.js";
import { IMPORT_FORMATS } from "./rows.js";
import { DEFAULT_QUEUE_PREFIX, parseTaskQueue } from "./task-queue.js";
import { parseTasksJson } from "./tasks-json.js";
import { parseTasksMd } from "./tasks-md.js";
import type { ImportFormat, ImportRow } from "./rows.js";

export function checkFormat(format: unknown): ImportFormat {
  if (typeof format === "string" && (IMPORT_FORMATS as readonly string[]).includes(format)) return format as ImportFormat;
  throw invalidInput(`unknown format ${JSON.stringify(format)}; use one of ${IMPORT_FORMATS.join(", ")}`);
}

export function parseImport(format: ImportFormat, text: string, queuePrefix = DEFAULT_QUEUE_PREFIX): ImportRow[] {
  switch (format) {
    case "tasks-json":
      return parseTasksJson(text);
    case "task-queue":
      return parseTaskQueue(text, checkPrefix(queuePrefix));
    case "tasks-md":
      return parseTasksMd(text);
    default:
      return format satisfies never;
  }
}
