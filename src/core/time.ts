/** Timestamps are ISO 8601 UTC with milliseconds; fixed width, so they also sort as strings. */
let lastMs = Number.NaN;
let lastIso = "";
/** Memoized for the last instant: an operation formats the same `now` several times. */
export const toIso = (ms: number): string => {
  if (ms !== lastMs) {
    lastIso = new Date(ms).toISOString();
    lastMs = ms;
  }
  return lastIso;
};
export const fromIso = (iso: string): number => Date.parse(iso);
