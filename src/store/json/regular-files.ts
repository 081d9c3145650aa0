/**
 * Every file of a JSON board (and every FILE.lock of `withFileLock`) is opened here, and only
 * as what it must be: a regular file, never through a symbolic link. A board is often a file in
 * a git repository someone else wrote; were `tasks.audit.jsonl` a link to `~/.bashrc`, a
 * following open would let that repository overwrite any file the user can write. So:
 *  - O_NOFOLLOW on every open (a link in the last component fails with ELOOP), and the board's
 *    files are checked with lstat before a transaction touches anything (`refuseLinks`), so a
 *    refusal comes before any write;
 *  - O_NONBLOCK on every open, so a FIFO planted where a file should be cannot block the open,
 *    and fstat after it: anything but a regular file (FIFO, device, directory) is refused;
 *  - reads that are capped where the file is small by design (a lock record), so a lock that is
 *    huge or grows forever cannot exhaust memory.
 * I/O failures (ENOSPC, EACCES, EROFS…) become STORE_UNAVAILABLE naming the file and the fix,
 * never an unexplained internal error.
 */
import { closeSync, constants, fstatSync, lstatSync, openSync, readSync, readlinkSync } from "node:fs";
import { dirname } from "node:path";
import { BatonError, ErrorCode } from "../../core/errors.js";

const { O_RDONLY, O_WRONLY, O_RDWR, O_CREAT, O_EXCL, O_TRUNC, O_APPEND, O_NOFOLLOW, O_NONBLOCK } = constants;
const SAFE = O_NOFOLLOW | O_NONBLOCK;

/** How a file is opened; each mode adds O_NOFOLLOW | O_NONBLOCK. */
export const OpenMode = {
  read: O_RDONLY | SAFE,
  /** Read and write in place (the journal's compaction). */
  update: O_RDWR | SAFE,
  append: O_WRONLY | O_APPEND | O_CREAT | SAFE,
  /** Create or truncate (temp files). */
  replace: O_WRONLY | O_CREAT | O_TRUNC | SAFE,
  /** Create, failing with EEXIST if anything — even a dangling link — is there (locks). */
  createNew: O_WRONLY | O_CREAT | O_EXCL | SAFE,
} as const;
export type OpenMode = (typeof OpenMode)[keyof typeof OpenMode];

/**
 * Opens `path` as a regular file. Null when it does not exist (and the mode does not create).
 * A link or a non-regular file is CORRUPT_STORE naming it; other failures are thrown as they are
 * for the caller to report with `storeError`, saying what became of its change.
 */
export function openRegular(path: string, mode: OpenMode): number | null {
  let fd: number;
  try {
    fd = openSync(path, mode, 0o666);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT" && (mode & O_CREAT) === 0) return null;
    if (code === "ELOOP") throw linkRefusal(path);
    // O_NONBLOCK write-open of a FIFO nobody reads.
    if (code === "ENXIO") throw notRegular(path, "a FIFO (named pipe)");
    throw error; // as it is: the caller knows what became of the change (storeError)
  }
  const stat = fstatSync(fd);
  if (!stat.isFile()) {
    closeSync(fd);
    throw notRegular(path, kindOf(stat));
  }
  return fd;
}

/** The file's text, or null when it does not exist; at most `maxBytes` of it when given. */
export function readRegular(path: string, maxBytes = Infinity): string | null {
  return readWithTime(path, maxBytes)?.text ?? null;
}

/** The file's text (at most `maxBytes`) and its mtime, or null when it does not exist. */
export function readWithTime(path: string, maxBytes = Infinity): { text: string; mtimeMs: number } | null {
  let fd: number | null;
  try {
    fd = openRegular(path, OpenMode.read);
  } catch (error) {
    throw storeError(path, error, "read");
  }
  if (fd === null) return null;
  try {
    const { size, mtimeMs } = fstatSync(fd);
    // One byte more than the size (or the cap) so a file growing meanwhile is read to its end.
    let buffer = Buffer.allocUnsafe(Math.min(maxBytes, size + 1));
    let length = 0;
    for (;;) {
      if (length === buffer.length) {
        if (length >= maxBytes) break;
        const bigger = Buffer.allocUnsafe(Math.min(maxBytes, length * 2 + 1));
        buffer.copy(bigger, 0, 0, length);
        buffer = bigger;
      }
      const got = readSync(fd, buffer, length, buffer.length - length, null);
      if (got === 0) break;
      length += got;
    }
    return { text: buffer.toString("utf8", 0, length), mtimeMs };
  } catch (error) {
    throw storeError(path, error, "read");
  } finally {
    closeSync(fd);
  }
}

/**
 * Refuses, before anything is written, any of `paths` that exists as something other than a
 * regular file (a link, above all). Missing files are fine: they are created when needed.
 */
export function refuseLinks(paths: readonly string[]): void {
  for (const path of paths) {
    let stat;
    try {
      stat = lstatSync(path);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") continue;
      throw storeError(path, error, "read");
    }
    if (stat.isSymbolicLink()) throw linkRefusal(path);
    if (!stat.isFile()) throw notRegular(path, kindOf(stat));
  }
}

export function linkRefusal(path: string): BatonError {
  let target = "";
  try {
    target = ` to ${readlinkSync(path)}`;
  } catch {
    // gone meanwhile: the message names the link alone
  }
  return new BatonError(
    ErrorCode.CORRUPT_STORE,
    `${path} is a symbolic link${target}; baton never reads or writes through a link, so that a board ` +
      "from someone else's repository cannot make it overwrite other files. Nothing was changed. " +
      `If the link is yours, replace it with the file it points to (cp --remove-destination "$(readlink '${path}')" '${path}'); otherwise remove it`,
    { location: path },
  );
}

function notRegular(path: string, kind: string): BatonError {
  return new BatonError(
    ErrorCode.CORRUPT_STORE,
    `${path} is ${kind}, not a regular file; baton uses only regular files there. Nothing was changed: remove it (rm '${path}') and retry`,
    { location: path },
  );
}

function kindOf(stat: { isDirectory(): boolean; isFIFO(): boolean; isCharacterDevice(): boolean; isBlockDevice(): boolean; isSocket(): boolean }): string {
  if (stat.isDirectory()) return "a directory";
  if (stat.isFIFO()) return "a FIFO (named pipe)";
  if (stat.isCharacterDevice() || stat.isBlockDevice()) return "a device";
  if (stat.isSocket()) return "a socket";
  return "not a regular file";
}

/** Is this an error from a system call (ENOSPC, EACCES…), as opposed to a bug? */
export function isSystemError(error: unknown): error is NodeJS.ErrnoException {
  return error instanceof Error && typeof (error as NodeJS.ErrnoException).syscall === "string";
}

/**
 * A failed read or write of a store file as STORE_UNAVAILABLE naming the file and the fix.
 * `outcome` says what became of the change ("nothing was saved"), when the caller knows.
 */
export function storeError(path: string, error: unknown, doing: "read" | "write", outcome?: string): BatonError {
  if (error instanceof BatonError) return error;
  const e = error as NodeJS.ErrnoException;
  const where = e.path ?? path;
  const after = outcome ? `; ${outcome}` : "";
  let message: string;
  switch (e.code) {
    case "ENOSPC":
    case "EDQUOT":
      message = `cannot write ${where}: the disk holding ${dirname(where)} is full (${e.code})${after}. Free some space and retry`;
      break;
    case "EACCES":
    case "EPERM":
      message = `cannot ${doing} ${where}: permission denied (${e.code})${after}. Check the permissions of the file and its directory (ls -l)`;
      break;
    case "EROFS":
      message = `cannot write ${where}: the file system is read-only (EROFS)${after}`;
      break;
    default:
      message = `cannot ${doing} ${where}: ${e.message}${after}`;
  }
  return new BatonError(ErrorCode.STORE_UNAVAILABLE, message, { location: where, ...(e.code && { errno: e.code }) });
}
