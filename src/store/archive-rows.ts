/** An archive's row as both SQL stores keep it (SQLite `archives`, PostgreSQL `baton_archives`). */
import type { EventArchive } from "./store.js";

export interface ArchiveRow {
  from_seq: number;
  to_seq: number;
  count: number;
  file: string;
  first_at: string;
  last_at: string;
  sha256: string;
  bytes: number;
  rotated_at: string;
}

export function archiveFromRow(row: ArchiveRow): EventArchive {
  return {
    file: row.file,
    fromSeq: row.from_seq,
    toSeq: row.to_seq,
    count: row.count,
    firstAt: row.first_at,
    lastAt: row.last_at,
    sha256: row.sha256,
    bytes: row.bytes,
    rotatedAt: row.rotated_at,
  };
}
