import { describe, expect, it } from "vitest";
import { claimRefusal, compareForClaim, mayTake, unfinishedDependencies } from "../../src/core/selection.js";
import { iso, taskIn } from "./fixtures.js";

describe("claim order", () => {
  it("puts tasks reserved for the agent first, then priority, then oldest, then id", () => {
    const tasks = [
      taskIn("pending", { id: "low-old", priority: "low", createdAt: iso(0) }),
      taskIn("pending", { id: "crit", priority: "critical", createdAt: iso(5) }),
      taskIn("pending", { id: "med-b", createdAt: iso(2) }),
      taskIn("pending", { id: "med-a", createdAt: iso(2) }),
      taskIn("pending", { id: "med-old", createdAt: iso(1) }),
      taskIn("pending", { id: "mine", priority: "low", assignedTo: "A", createdAt: iso(9) }),
    ];
    expect([...tasks].sort(compareForClaim("A")).map((t) => t.id)).toEqual(["mine", "crit", "med-old", "med-a", "med-b", "low-old"]);
  });

  it("lets an agent take only pending tasks that are unreserved or reserved for it, with every capability", () => {
    expect(mayTake(taskIn("pending"), "A", [])).toBe(true);
    expect(mayTake(taskIn("pending", { assignedTo: "B" }), "A", [])).toBe(false);
    expect(mayTake(taskIn("pending", { needs: ["gpu", "cuda"] }), "A", ["gpu"])).toBe(false);
    expect(mayTake(taskIn("pending", { needs: ["gpu"] }), "A", ["gpu", "x"])).toBe(true);
    expect(mayTake(taskIn("failed"), "A", [])).toBe(false);
  });

  it("lists unfinished dependencies, with missing ones named", () => {
    const task = taskIn("pending", { dependsOn: ["D-1", "D-2", "D-3"] });
    const statuses = new Map([["D-1", "completed" as const], ["D-2", "in_progress" as const]]);
    expect(unfinishedDependencies(task, statuses)).toEqual([
      { id: "D-2", status: "in_progress" },
      { id: "D-3", status: "missing" },
    ]);
  });

  it("gives the precise refusal for each reason", () => {
    const reason = (t: ReturnType<typeof taskIn>, caps: string[] = []) => claimRefusal(t, "A", caps, new Map());
    expect(reason(taskIn("pending"))).toBe(null);
    expect(reason(taskIn("in_progress", { assignedTo: "B" }))?.message).toBe("T-1 is already held by B");
    expect(reason(taskIn("in_progress"))?.message).toBe("T-1 is already held by you (A, token 7); heartbeat or finish it");
    expect(reason(taskIn("dead"))?.message).toBe("T-1 is dead (retries exhausted; `baton revive` it first) and cannot be claimed");
    expect(reason(taskIn("failed"))?.code).toBe("NOT_READY");
    expect(reason(taskIn("pending", { assignedTo: "B" }))?.message).toBe("T-1 is reserved for B");
    expect(reason(taskIn("pending", { needs: ["gpu"] }))?.message).toBe(
      "A lacks capability gpu needed by T-1 (claim with --needs gpu)",
    );
    const blocked = claimRefusal(taskIn("pending", { dependsOn: ["D-1"] }), "A", [], new Map([["D-1", "pending"]]));
    expect([blocked?.code, blocked?.message]).toEqual(["NOT_READY", "T-1 is not ready: waiting for D-1 (pending)"]);
  });
});
