/**
 * Polling in tests: every wait for a condition has a deadline, so a test whose condition
 * never comes fails with what it waited for instead of hanging until the runner kills it.
 */
export async function pollUntil(
  what: string,
  probe: () => boolean | Promise<boolean>,
  { timeoutMs = 60_000, everyMs = 20 }: { timeoutMs?: number; everyMs?: number } = {},
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`still waiting for ${what} after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}
