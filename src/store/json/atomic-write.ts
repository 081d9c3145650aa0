/**
 * Whole-file writes that a crash can never leave half done: write a temp file, then rename it
 * over the target (rename is atomic on POSIX). With `durable` (durability=full) the temp file
 * is fsynced before the rename and the directory after it, so the new version also survives
 * power loss; without, a process crash still leaves the old or the new file, never a mix.
 * The temp file is opened without following links (regular-files.ts); a temp file whose write
 * fails (ENOSPC) is removed, so a full disk leaves no orphans behind.
 */
import { closeSync, fsyncSync, openSync, renameSync, unlinkSync, writeSync } from "node:fs";
import { OpenMode, openRegular } from "./regular-files.js";

export function writeFileDurably(path: string, text: string | Uint8Array, durable: boolean): void {
  const fd = openRegular(path, OpenMode.replace) as number;
  try {
    const bytes = typeof text === "string" ? Buffer.from(text) : text;
    for (let done = 0; done < bytes.length; ) done += writeSync(fd, bytes, done, bytes.length - done);
    if (durable) fsyncSync(fd);
  } catch (error) {
    closeSync(fd);
    removeQuietly(path);
    throw error;
  }
  closeSync(fd);
}

export function replaceFile(path: string, temp: string, text: string | Uint8Array, durable: boolean): void {
  writeFileDurably(temp, text, durable);
  try {
    renameSync(temp, path);
  } catch (error) {
    removeQuietly(temp);
    throw error;
  }
  if (durable) fsyncDirectory(temp);
}

/** Makes renames and creations in the directory of `pathInDir` durable. */
export function fsyncDirectory(pathInDir: string): void {
  const dir = pathInDir.slice(0, Math.max(1, pathInDir.lastIndexOf("/")));
  const fd = openSync(dir, "r");
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

export function removeQuietly(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // already gone
  }
}
