/** Fresh JSON boards for the store's own tests: one temp directory per board. */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach } from "vitest";
import { openBoard } from "../../src/index.js";
import type { Board, OpenBoardOptions } from "../../src/index.js";

const root = mkdtempSync(join(tmpdir(), "baton-json-"));
const opened: Board[] = [];
afterEach(async () => {
  for (const board of opened.splice(0)) await board.close().catch(() => undefined);
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

export function freshDir(): string {
  return mkdtempSync(join(root, "board-"));
}

export async function open(path: string, options: OpenBoardOptions & { staleLockMs?: number } = {}): Promise<Board> {
  const board = await openBoard(`json:${path}`, options);
  opened.push(board);
  return board;
}

export function readJson(path: string): unknown {
  return JSON.parse(readFileSync(path, "utf8"));
}

export type Row = Record<string, unknown>;
