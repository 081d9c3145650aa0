import { describe, expect, it } from "vitest";
import { claimBlockers } from "../../src/core/claimability.js";
import type { Task } from "../../src/core/task.js";

const NOW = Date.parse("2026-12-01T10:00:00.000Z");

function task(fields: Partial<Task>): Task {
  return {
    id: "T-1", title: "t", description: "", metadata: {}, result: null, status: "pending", priority: "medium",
    needs: [], dependsOn: [], assignedTo: null, leaseToken: null, leaseExpiresAt: null, attempts: 0, maxAttempts: 3,
    nextAttemptAt: null, lastError: null, createdAt: "2026-12-01T09:00:00.000Z", updatedAt: "2026-12-01T09:00:00.000Z",
    createdBy: null, ...fields,
  } as Task;
}

describe("claimBlockers: every reason nobody can claim a task now", () => {
  it("a ready task with no needs has none", () => {
    expect(claimBlockers(task({}), new Map(), [], NOW)).toEqual([]);
  });

  it("names each unfinished or missing dependency, the reservation and the missing capability together", () => {
    const blockers = claimBlockers(
      task({ dependsOn: ["T-2", "T-3", "T-4"], assignedTo: "ann", needs: ["gpu"] }),
      new Map([["T-2", "completed"], ["T-3", "in_progress"]]),
      [{ id: "bob", capabilities: ["gpu"] }, { id: "ann", capabilities: [] }],
      NOW,
    );
    expect(blockers).toEqual([
      { kind: "dependency", message: "waits for T-3 (in progress)" },
      { kind: "dependency", message: "waits for T-4, which does not exist" },
      { kind: "reservation", message: "reserved for ann: only that agent may claim it" },
      { kind: "capability", message: "ann is not a live agent with gpu" },
    ]);
  });

  it("a capability some live agent has is no blocker", () => {
    expect(claimBlockers(task({ needs: ["gpu"] }), new Map(), [{ id: "bob", capabilities: ["gpu", "x"] }], NOW)).toEqual([]);
    expect(claimBlockers(task({ needs: ["gpu"] }), new Map(), [], NOW)).toEqual([
      { kind: "capability", message: "no live agent has gpu" },
    ]);
  });

  it("a failed task waits for its retry, with the time left", () => {
    const blockers = claimBlockers(
      task({ status: "failed", attempts: 1, nextAttemptAt: "2026-12-01T10:05:00.000Z" }),
      new Map(),
      [],
      NOW,
    );
    expect(blockers).toEqual([
      { kind: "backoff", message: "failed (attempt 1 of 3); retry due in 300 s, at 2026-12-01T10:05:00.000Z" },
    ]);
  });

  it("held, finished and dead tasks say so and nothing else", () => {
    expect(claimBlockers(task({ status: "in_progress", assignedTo: "bob", leaseToken: 7 }), new Map(), [], NOW)).toEqual([
      { kind: "held", message: "held by bob (token 7) until its lease ends" },
    ]);
    expect(claimBlockers(task({ status: "completed" }), new Map(), [], NOW)[0]?.kind).toBe("finished");
    expect(claimBlockers(task({ status: "dead", attempts: 3 }), new Map(), [], NOW)).toEqual([
      { kind: "finished", message: "dead after 3 attempts (a poison pill): revive it to run it again" },
    ]);
  });
});
