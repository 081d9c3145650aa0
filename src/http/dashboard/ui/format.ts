/** How times and durations read on the page. */

export function ago(iso: string | null, now: number): string {
  if (!iso) return "never";
  const seconds = Math.round((now - Date.parse(iso)) / 1000);
  // The page knows the server's clock to about a second (the Date header): a moment "in 1s" is now.
  if (seconds < 2) return seconds > -2 ? "just now" : `in ${duration(-seconds)}`;
  return `${duration(seconds)} ago`;
}

export function duration(seconds: number): string {
  if (seconds < 60) return `${seconds}s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)}m ${seconds % 60}s`;
  if (seconds < 86400) return `${Math.floor(seconds / 3600)}h ${Math.floor((seconds % 3600) / 60)}m`;
  return `${Math.floor(seconds / 86400)}d ${Math.floor((seconds % 86400) / 3600)}h`;
}

/** "expires in 4m 10s" / "expired 3s ago". */
export function leaseLeft(expiresAt: string | null, now: number): { text: string; expired: boolean } {
  if (!expiresAt) return { text: "no lease", expired: false };
  // Expired exactly when the store would judge it so (lease_expires_at <= now): rounding to the
  // nearest second called a lease with 0.4 s left "expired", and a heal run on that word found it live.
  const left = Date.parse(expiresAt) - now;
  return left > 0
    ? { text: `expires in ${duration(Math.ceil(left / 1000))}`, expired: false }
    : { text: `expired ${duration(Math.floor(-left / 1000))} ago`, expired: true };
}

export function label(status: string): string {
  return status.replace("_", " ");
}

export function clock(iso: string): string {
  return iso.replace("T", " ").replace(/\.\d+Z$/, "Z");
}
