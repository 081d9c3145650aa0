/**
 * How the CLI's lists (`list`, `ready`, `audit`) page: the library's keyset pages
 * (src/board/paging.ts, the cursors MCP and HTTP hand out too). A list prints one page,
 * `--limit` items (default per verb) after `--cursor`, and says how to get the rest; `--all`
 * streams every page in constant memory (a 450k-task board printed whole, page by page).
 *
 * `--json` stays exactly the JSON array of the items printed; the "more" notice then goes to
 * stderr as one JSON line, {"more":N,"next_cursor":"…"}, so stdout parses unchanged.
 */
import { once } from "node:events";
import { invalidInput } from "../core/errors.js";
import { PAGE_MAX } from "../board/paging.js";
import { wholeNumber } from "./options.js";
import type { Page } from "../board/paging.js";
import type { PageQuery } from "../board/types.js";
import type { CliContext } from "./context.js";
import type { VerbOptions } from "./verb.js";
import type { Command } from "commander";

/** Page size of `--all`: large enough that a round trip per page costs little, small enough to stay flat in memory. */
const STREAM_PAGE = 1_000;

export interface Paging {
  all: boolean;
  query: PageQuery;
}

export function pagingOptions(command: Command, defaultLimit: number): Command {
  return command
    .option("--limit <n>", `at most this many (default ${defaultLimit}, at most ${PAGE_MAX})`)
    .option("--cursor <c>", "the page after this cursor (printed with the previous page)")
    .option("--all", "every match, streamed page by page");
}

export function parsePaging(o: VerbOptions, defaultLimit: number): Paging {
  const limit = wholeNumber("--limit", o.limit as string | undefined, "50");
  const cursor = o.cursor as string | undefined;
  if (o.all === true) {
    if (limit !== undefined) throw invalidInput("give --all or --limit, not both");
    return { all: true, query: { limit: STREAM_PAGE, ...(cursor !== undefined && { cursor }) } };
  }
  return { all: false, query: { limit: limit ?? defaultLimit, ...(cursor !== undefined && { cursor }) } };
}

export interface ListPrinter<T> {
  /** What one item is, plural, for the notice ("tasks", "events"). */
  noun: string;
  json: (item: T) => unknown;
  /** The items as text; `first` says whether this is the first block printed (with a header). */
  human: (items: readonly T[], first: boolean) => string;
  /** How many follow a page, when the list can say cheaply (none: "more … follow", JSON `more: null`). */
  remaining?: (page: Page<T>) => Promise<number | null>;
}

/** Prints the page(s) the options ask for, writing stdout as it goes. */
export async function printList<T>(
  ctx: CliContext,
  paging: Paging,
  fetch: (query: PageQuery) => Promise<Page<T>>,
  printer: ListPrinter<T>,
): Promise<void> {
  if (paging.all) return streamAll(ctx, paging.query, fetch, printer);
  const page = await fetch(paging.query);
  if (ctx.json) await write(`${JSON.stringify(page.items.map(printer.json))}\n`);
  else await write(`${printer.human(page.items, true)}\n`);
  if (page.nextCursor === null) return;
  const remaining = printer.remaining ? await printer.remaining(page) : null;
  if (ctx.json) {
    process.stderr.write(`${JSON.stringify({ more: remaining, next_cursor: page.nextCursor })}\n`);
  } else {
    const more = remaining === null ? `more ${printer.noun} follow` : `${remaining} more ${printer.noun}`;
    await write(`${more}; use --cursor ${page.nextCursor} for the next page, or --limit N / --all\n`);
  }
}

async function streamAll<T>(
  ctx: CliContext,
  first: PageQuery,
  fetch: (query: PageQuery) => Promise<Page<T>>,
  printer: ListPrinter<T>,
): Promise<void> {
  let query = first;
  let printed = 0;
  if (ctx.json) await write("[");
  for (;;) {
    const page = await fetch(query);
    if (ctx.json) {
      const items = page.items.map((item) => JSON.stringify(printer.json(item)));
      if (items.length > 0) await write((printed > 0 ? "," : "") + items.join(","));
    } else if (page.items.length > 0 || printed === 0) {
      await write(`${printer.human(page.items, printed === 0)}\n`);
    }
    printed += page.items.length;
    if (page.nextCursor === null) break;
    query = { ...query, cursor: page.nextCursor };
  }
  if (ctx.json) await write("]\n");
}

/** Writes and waits when the pipe is full, so a slow reader never makes the output pile up in memory. */
async function write(text: string): Promise<void> {
  if (!process.stdout.write(text)) await once(process.stdout, "drain");
}
