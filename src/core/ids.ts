/** Ids of the form PREFIX-N (seed 003) and the counters behind them. */
const NUMBERED_ID = /^([A-Za-z][A-Za-z0-9_]{0,31})-(\d{1,15})$/;

export function formatId(prefix: string, n: number): string {
  return `${prefix}-${n}`;
}

/** "SEC-20" → { prefix: "SEC", n: 20 }; a UUID or other id → null. */
export function parseNumberedId(id: string): { prefix: string; n: number } | null {
  const match = NUMBERED_ID.exec(id);
  return match ? { prefix: match[1] as string, n: Number(match[2]) } : null;
}

/** The highest N per prefix among these ids: what counters must start above. */
export function highestPerPrefix(ids: Iterable<string>): Map<string, number> {
  const highest = new Map<string, number>();
  for (const id of ids) {
    const parsed = parseNumberedId(id);
    if (parsed && parsed.n > (highest.get(parsed.prefix) ?? 0)) highest.set(parsed.prefix, parsed.n);
  }
  return highest;
}

/** Task ids mentioned in a TASKS.md (table rows, headings, list items): every PREFIX-N token. */
export function idsInMarkdown(markdown: string): string[] {
  return [...markdown.matchAll(/\b([A-Z][A-Z0-9_]{0,31}-\d{1,15})\b/g)].map((m) => m[1] as string);
}
