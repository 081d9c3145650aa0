/**
 * tasks.json as bytes: its layout, and the reusable buffers it is read into and written from.
 *
 * The file is `[` + HEAD + the records' texts joined by BOUNDARY + TAIL + `\n]\n` (2-space
 * pretty-printing, as JSON.stringify(rows, null, 2) and jq print it), or `[]\n` when empty. A
 * record's text is what lies between its braces. JSON strings cannot hold a raw newline, so in
 * such a file BOUNDARY only ever separates two top-level records; a file laid out otherwise is
 * parsed whole (tasks-file.ts).
 *
 * Why buffers that are kept and reused: a fresh 780 kB buffer costs ~190 page faults, and
 * `readFileSync` of a 1,000-task file took 0.31 ms (0.58 ms decoded to a string) against
 * 0.08 ms read into a buffer already mapped (measured on this machine).
 */
import { closeSync, fstatSync, readSync } from "node:fs";
import { OpenMode, openRegular } from "./regular-files.js";

export const HEAD = Buffer.from("\n  {");
export const BOUNDARY = Buffer.from("\n  },\n  {");
export const TAIL = Buffer.from("\n  }");
const OPEN = Buffer.from("[");
const CLOSE = Buffer.from("\n]\n");
export const EMPTY = Buffer.from("[]\n");

/** A buffer that grows when asked and is otherwise reused. */
export class ImageBuffer {
  private bytes: Buffer = Buffer.allocUnsafeSlow(0);

  /** Whether `view` lies in this buffer. */
  holds(view: Buffer): boolean {
    return view.buffer === this.bytes.buffer;
  }

  /** At least `size` bytes; the content is kept only up to `keep` bytes. */
  ensure(size: number, keep = 0): Buffer {
    if (this.bytes.length < size) {
      const bigger = Buffer.allocUnsafeSlow(Math.max(size, this.bytes.length * 2, 64 * 1024));
      this.bytes.copy(bigger, 0, 0, keep);
      this.bytes = bigger;
    }
    return this.bytes;
  }
}

/**
 * The whole file, read into `into`, and its identity (inode:size:mtime) from just before the
 * read; null when it does not exist.
 */
export function readImage(path: string, into: ImageBuffer): { bytes: Buffer; identity: string } | null {
  const fd = openRegular(path, OpenMode.read);
  if (fd === null) return null;
  try {
    // One byte more than the size, so that a read of 0 bytes, not the size, ends the file
    // (a hand agent writing without the lock may be making it longer).
    const stat = fstatSync(fd, { bigint: true });
    const identity = `${stat.ino}:${stat.size}:${stat.mtimeNs}`;
    let bytes = into.ensure(Number(stat.size) + 1);
    let length = 0;
    for (;;) {
      if (length === bytes.length) bytes = into.ensure(length * 2, length);
      const got = readSync(fd, bytes, length, bytes.length - length, length);
      if (got === 0) return { bytes: bytes.subarray(0, length), identity };
      length += got;
    }
  } finally {
    closeSync(fd);
  }
}

/**
 * Where the records' texts lie: after `[` + HEAD and before TAIL + `]`; start === end for an
 * empty array; null when the file is not laid out that way.
 */
export function recordsBounds(image: Buffer): { start: number; end: number } | null {
  let open = 0;
  while (open < image.length && isBlank(image[open] as number)) open++;
  let close = image.length - 1;
  while (close > open && isBlank(image[close] as number)) close--;
  if (image[open] !== 0x5b /* [ */ || image[close] !== 0x5d /* ] */ || close === open) return null;
  let last = close;
  while (last > open + 1 && isBlank(image[last - 1] as number)) last--;
  if (last === open + 1) return { start: last, end: last };
  const start = open + 1 + HEAD.length;
  const end = last - TAIL.length;
  if (end < start || !matchesAt(image, HEAD, open + 1) || !matchesAt(image, TAIL, end)) return null;
  return { start, end };
}

export function matchesAt(image: Buffer, bytes: Buffer, at: number): boolean {
  return at >= 0 && at + bytes.length <= image.length && image.compare(bytes, 0, bytes.length, at, at + bytes.length) === 0;
}

/** JSON's whitespace: space, tab, line feed, carriage return. */
function isBlank(byte: number): boolean {
  return byte === 0x20 || byte === 0x0a || byte === 0x09 || byte === 0x0d;
}

/** How many leading bytes `a` and `b` share. Gallops, then bisects: O(shared length) memcmp. */
export function sharedPrefix(a: Buffer, b: Buffer, limit = Math.min(a.length, b.length)): number {
  let lo = 0;
  for (let step = 4096; lo < limit; step *= 2) {
    let hi = Math.min(limit, lo + step);
    if (a.compare(b, lo, hi, lo, hi) === 0) {
      lo = hi;
      continue;
    }
    while (hi - lo > 1) {
      const mid = (lo + hi) >>> 1;
      if (a.compare(b, lo, mid, lo, mid) === 0) lo = mid;
      else hi = mid;
    }
    return lo;
  }
  return limit;
}

/** How many trailing bytes `a` and `b` share, at most `limit`. */
export function sharedSuffix(a: Buffer, b: Buffer, limit: number): number {
  let n = 0;
  for (let step = 4096; n < limit; step *= 2) {
    let hi = Math.min(limit, n + step);
    if (a.compare(b, b.length - hi, b.length - n, a.length - hi, a.length - n) === 0) {
      n = hi;
      continue;
    }
    // a and b differ within their last `hi` bytes but share their last `n`.
    while (hi - n > 1) {
      const mid = (n + hi) >>> 1;
      if (a.compare(b, b.length - mid, b.length - n, a.length - mid, a.length - n) === 0) n = mid;
      else hi = mid;
    }
    return n;
  }
  return limit;
}

/** A record's text as the image lays it out, read from its serialized form. */
export interface ImagePiece {
  /** Bytes copied from `source` [from, to). */
  source: Buffer;
  from: number;
  to: number;
}

/**
 * Writes `[` HEAD pieces joined by BOUNDARY TAIL `]` into `into`; `pieces` each hold one or
 * more whole records (a run of records copied at once carries its own BOUNDARYs).
 * Returns the image and where each piece starts in it.
 */
export function writeImage(pieces: readonly ImagePiece[], into: ImageBuffer): { image: Buffer; starts: number[] } {
  if (pieces.length === 0) return { image: EMPTY, starts: [] };
  let size = OPEN.length + HEAD.length + TAIL.length + CLOSE.length + BOUNDARY.length * (pieces.length - 1);
  for (const p of pieces) size += p.to - p.from;
  const out = into.ensure(size);
  const starts: number[] = [];
  let at = OPEN.copy(out, 0);
  at += HEAD.copy(out, at);
  for (let i = 0; i < pieces.length; i++) {
    const p = pieces[i] as ImagePiece;
    if (i > 0) at += BOUNDARY.copy(out, at);
    starts.push(at);
    at += p.source.copy(out, at, p.from, p.to);
  }
  at += TAIL.copy(out, at);
  at += CLOSE.copy(out, at);
  return { image: out.subarray(0, at), starts };
}
