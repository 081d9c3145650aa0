import { describe, expect, it } from "vitest";
import { checkHolder } from "../../src/core/fencing.js";
import { T0, iso, taskIn } from "./fixtures.js";
import type { Credential } from "../../src/core/validation.js";
import type { Task } from "../../src/core/task.js";

function refusal(task: Task, credential: Credential, nowMs = T0): { code: string; message: string } | null {
  try {
    checkHolder(task, credential, nowMs);
    return null;
  } catch (error) {
    return { code: (error as { code: string }).code, message: (error as Error).message };
  }
}

describe("checkHolder", () => {
  const held = taskIn("in_progress"); // held by A, token 7, lease until T0+60 s

  it("accepts the current token, or the holder without a token, while the lease is live", () => {
    expect(refusal(held, { token: 7 })).toBe(null);
    expect(refusal(held, { agent: "A" })).toBe(null);
    expect(refusal(held, { token: 7, agent: "B" }, T0 + 59_999)).toBe(null);
  });

  it("rejects a stale token with LEASE_LOST naming the current holder", () => {
    expect(refusal(held, { token: 6 })).toEqual({
      code: "LEASE_LOST",
      message: "lease lost: T-1 is now held by A (token 7); your token 6 is stale",
    });
  });

  it("rejects the right token once the lease has expired (at the expiry instant itself)", () => {
    expect(refusal(held, { token: 7 }, T0 + 60_000)).toEqual({
      code: "LEASE_LOST",
      message: `lease lost: the lease on T-1 expired at ${iso(60)}; claim it again`,
    });
    expect(refusal(held, { agent: "A" }, T0 + 60_000)?.code).toBe("LEASE_LOST");
  });

  it("rejects another agent without a token with CONFLICT", () => {
    expect(refusal(held, { agent: "B" })).toEqual({ code: "CONFLICT", message: "T-1 is held by A, not by B" });
  });

  it("rejects any token on a task that is no longer in progress with LEASE_LOST", () => {
    expect(refusal(taskIn("completed", { leaseToken: 7, assignedTo: "A" }), { token: 7 })).toEqual({
      code: "LEASE_LOST",
      message: "lease lost: T-1 is already completed by A",
    });
    expect(refusal(taskIn("pending", { leaseToken: 7 }), { agent: "A" })?.message).toBe(
      "lease lost: T-1 is pending again (the lease expired or was released)",
    );
    expect(refusal(taskIn("dead", { leaseToken: 7 }), { token: 7 })?.message).toBe("lease lost: T-1 is now dead");
  });

  it("tells an agent to claim first when the task was never claimed", () => {
    expect(refusal(taskIn("pending"), { agent: "A" })).toEqual({
      code: "CONFLICT",
      message: "T-1 is not in progress (it is pending); claim it first",
    });
  });
});
