import { describe, expect, it } from "vitest";
import { retryDelayMs } from "../../src/core/backoff.js";
import { resolvePolicy } from "../../src/core/policy.js";

describe("retryDelayMs", () => {
  const defaults = resolvePolicy();

  it("follows seed 002's schedule: 300 s, 600 s, 1200 s, 2400 s with jitter pinned to zero", () => {
    expect([1, 2, 3, 4].map((attempt) => retryDelayMs(defaults, attempt, 0.5))).toEqual([300_000, 600_000, 1_200_000, 2_400_000]);
  });

  it("jitter spreads the delay by at most ±10% by default", () => {
    expect(retryDelayMs(defaults, 1, 0)).toBe(270_000);
    expect(retryDelayMs(defaults, 1, 0.999999)).toBe(330_000);
    expect(retryDelayMs(defaults, 2, 0.25)).toBe(570_000);
  });

  it("honours the policy: base, multiplier, no jitter, and never negative", () => {
    const policy = { retryBaseSeconds: 10, retryMultiplier: 3, retryJitter: 0 };
    expect([1, 2, 3].map((a) => retryDelayMs(policy, a, 0.9))).toEqual([10_000, 30_000, 90_000]);
    expect(retryDelayMs({ retryBaseSeconds: 0, retryMultiplier: 2, retryJitter: 1 }, 5, 0)).toBe(0);
    expect(retryDelayMs({ retryBaseSeconds: 1, retryMultiplier: 1, retryJitter: 1 }, 1, 0)).toBe(0);
  });

  it("rejects a policy with impossible values", () => {
    expect(() => resolvePolicy({ retryMultiplier: 0.5 })).toThrow(/retryMultiplier must be at least 1/);
    expect(() => resolvePolicy({ retryJitter: 2 })).toThrow(/retryJitter is a fraction from 0 to 1/);
    expect(() => resolvePolicy({ maxAttempts: 0 })).toThrow(/maxAttempts must be at least 1/);
  });
});
