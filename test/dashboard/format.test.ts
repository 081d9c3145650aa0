/** How the dashboard words times: a lease is "expired" exactly when the store would recover it. */
import { describe, expect, it } from "vitest";
import { leaseLeft } from "../../src/http/dashboard/ui/format.js";

describe("leaseLeft", () => {
  const now = Date.parse("2026-12-01T12:00:00.000Z");
  const at = (ms: number) => new Date(now + ms).toISOString();

  it("a lease with under half a second left is not yet expired (heal would find it live)", () => {
    expect(leaseLeft(at(400), now)).toEqual({ text: "expires in 1s", expired: false });
    expect(leaseLeft(at(1), now)).toEqual({ text: "expires in 1s", expired: false });
  });

  it("a lease is expired from its expiry instant on, as the stores judge lease_expires_at <= now", () => {
    expect(leaseLeft(at(0), now)).toEqual({ text: "expired 0s ago", expired: true });
    expect(leaseLeft(at(-400), now)).toEqual({ text: "expired 0s ago", expired: true });
    expect(leaseLeft(at(-61_000), now)).toEqual({ text: "expired 1m 1s ago", expired: true });
  });

  it("no lease reads as such", () => {
    expect(leaseLeft(null, now)).toEqual({ text: "no lease", expired: false });
  });
});
