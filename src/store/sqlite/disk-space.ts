/**
 * The free space under a board, which bounds its WAL. SQLite appends every commit to the WAL
 * and copies it back into the database file (a checkpoint) only once it holds
 * `wal_autocheckpoint` pages; until then the WAL only grows. At the 10,000 pages chosen for
 * speed (sqlite-store.ts) that is ~40 MB, so on a disk with less free than that a running agent
 * filled the disk with its own WAL (a 16 MiB tmpfs after ~460 adds, bench/chaos/disk-faults.ts)
 * and then stayed full for good: the checkpoint that would empty the WAL needs room to grow the
 * database file, and there was none.
 */
import { statfsSync } from "node:fs";
import { BatonError } from "../../core/errors.js";

/** wal_autocheckpoint where the disk has room: the speed choice explained in sqlite-store.ts. */
export const CHECKPOINT_PAGES = 10_000;
/** Never checkpoint more often than every 100 pages (~4 claim+complete cycles of ~23 pages). */
const FEWEST_CHECKPOINT_PAGES = 100;
/** Under one 64 KiB WAL growth step free: the disk is full. */
const FULL_BELOW_BYTES = 64 * 1024;

/** Bytes this process may still write on the file system holding `dir`; Infinity when unknown. */
export function freeBytes(dir: string): number {
  try {
    const fs = statfsSync(dir);
    return fs.bavail * fs.bsize;
  } catch {
    return Infinity;
  }
}

/**
 * Is the file system holding `dir` out of room? SQLite reports a write that hit ENOSPC in its
 * WAL or shared-memory file as a plain SQLITE_IOERR ("disk I/O error", SQLITE_IOERR_SHMSIZE;
 * seen on a full tmpfs by bench/chaos/disk-faults.ts), so the free space itself decides.
 */
export function diskFull(dir: string): boolean {
  return freeBytes(dir) < FULL_BELOW_BYTES;
}

/**
 * The WAL size (in pages) at which to checkpoint a board in `dir`: CHECKPOINT_PAGES, or a
 * quarter of the free space when that is less, so the WAL cannot fill the disk by itself and
 * the checkpoint that empties it has room to grow the database file.
 */
export function checkpointPages(dir: string, pageSize: number): number {
  const quarter = Math.floor(freeBytes(dir) / pageSize / 4);
  return Math.max(FEWEST_CHECKPOINT_PAGES, Math.min(CHECKPOINT_PAGES, quarter));
}

/** A refusal of connection.ts's `guard` for a full disk. */
export function isDiskFull(error: unknown): boolean {
  return error instanceof BatonError && error.details.errno === "ENOSPC";
}
