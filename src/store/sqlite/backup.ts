/**
 * A SQLite board's backup and restore through SQLite's online backup API (better-sqlite3's
 * `db.backup`): pages are copied in steps between which writers go on; a step that sees the
 * source changed by another connection starts over, so the copy is one consistent snapshot.
 */
import { existsSync } from "node:fs";
import Database from "better-sqlite3";
import { BatonError, ErrorCode } from "../../core/errors.js";

export async function backupSqlite(db: Database.Database, file: string): Promise<void> {
  await db.backup(file);
}

/**
 * Copies a verified backup over the live board, page by page through the same API, so
 * processes that have the board open see either the old board or the restored one.
 */
export async function restoreSqlite(file: string, location: string): Promise<void> {
  if (!existsSync(file)) throw new BatonError(ErrorCode.NOT_FOUND, `no backup at ${file}`, { file });
  const source = new Database(file, { readonly: true, fileMustExist: true });
  try {
    await source.backup(location);
  } finally {
    source.close();
  }
}
