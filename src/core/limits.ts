/**
 * Limits on the shape of what a board stores, so no input can make baton recurse off the end
 * of the stack (JSON.stringify overflowed at ~5,000 levels of metadata here; a recursive
 * cycle check at ~7,000 chained dependencies) or walk for minutes. Documented in docs/cli.md
 * ("Limits"). Input beyond them is INVALID_INPUT naming the limit; a stored record beyond them
 * (hand-written) is CORRUPT_STORE naming the record, never a crash.
 */
import { BatonError, ErrorCode } from "./errors.js";

/** Levels of nested objects/arrays in a task's metadata (the metadata object itself is level 1). */
export const MAX_METADATA_DEPTH = 64;

/** Tasks on the longest dependency path from a task (a task without dependencies: 1). */
export const MAX_DEPENDENCY_CHAIN = 1_000;

/** How deeply `value` nests objects and arrays, walked with an explicit stack (no recursion). */
export function nestingDepth(value: unknown, stopAbove = Number.POSITIVE_INFINITY): number {
  let deepest = 0;
  const stack: [unknown, number][] = [[value, 1]];
  while (stack.length > 0) {
    const [v, depth] = stack.pop() as [unknown, number];
    if (typeof v !== "object" || v === null) continue;
    if (depth > deepest) deepest = depth;
    if (deepest > stopAbove) return deepest;
    for (const child of Array.isArray(v) ? v : Object.values(v)) {
      if (typeof child === "object" && child !== null) stack.push([child, depth + 1]);
    }
  }
  return deepest;
}

export const metadataTooDeep = (value: unknown): boolean => nestingDepth(value, MAX_METADATA_DEPTH) > MAX_METADATA_DEPTH;

export const METADATA_DEPTH_MESSAGE = `metadata nests deeper than ${MAX_METADATA_DEPTH} levels (the limit): flatten it`;

/** A stored task whose metadata is beyond the limit: the record is named, the board is not rewritten. */
export function storedMetadataTooDeep(where: string): BatonError {
  return new BatonError(
    ErrorCode.CORRUPT_STORE,
    `${where} has metadata nested deeper than ${MAX_METADATA_DEPTH} levels (the limit); flatten it by hand`,
    { where, limit: MAX_METADATA_DEPTH },
  );
}

/** `metadata` as read from a store, or CORRUPT_STORE naming `where` if it is beyond the limit. */
export function checkedMetadata(metadata: Record<string, unknown>, where: string): Record<string, unknown> {
  if (metadataTooDeep(metadata)) throw storedMetadataTooDeep(where);
  return metadata;
}
