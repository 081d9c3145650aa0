/**
 * Seed 003's rule for submitted ids: an id must have been reserved (its number at most its
 * prefix's counter) and not be on the board yet. Used by `inbox process` and, under the board
 * policy `requireReservedIds`, by `add --id`.
 */
import { parseNumberedId } from "./ids.js";

/** Why `id` may not be used now, in seed 003's words, or null when it may. */
export function reservedIdRefusal(id: string, counters: Readonly<Record<string, number>>): string | null {
  const numbered = parseNumberedId(id);
  if (!numbered) {
    return `Invalid task ID ${id}: not PREFIX-N. Run: baton reserve PREFIX to reserve IDs first.`;
  }
  const counter = counters[numbered.prefix] ?? 0;
  if (numbered.n > counter) {
    return `Invalid task ID ${id}: counter at ${numbered.prefix}-${counter}. Run: baton reserve ${numbered.prefix} to reserve IDs first.`;
  }
  return null;
}
