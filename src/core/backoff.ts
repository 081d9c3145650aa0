import type { BoardPolicy } from "./policy.js";

/**
 * Delay before retry number `attempts` (1-based count of failures so far):
 * base × multiplier^(attempts−1), spread by ±jitter. `random` is in [0, 1).
 */
export function retryDelayMs(
  policy: Pick<BoardPolicy, "retryBaseSeconds" | "retryMultiplier" | "retryJitter">,
  attempts: number,
  random: number,
): number {
  const base = policy.retryBaseSeconds * 1000 * policy.retryMultiplier ** Math.max(0, attempts - 1);
  const spread = base * policy.retryJitter * (2 * random - 1);
  return Math.max(0, Math.round(base + spread));
}
