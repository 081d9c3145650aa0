/** Timestamps are ISO 8601 UTC with milliseconds; fixed width, so they also sort as strings. */
export const toIso = (ms: number): string => new Date(ms).toISOString();
export const fromIso = (iso: string): number => Date.parse(iso);
