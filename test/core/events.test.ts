import { describe, expect, it } from "vitest";
import { changedFields, replayTask, taskEvent } from "../../src/core/events.js";
import { applyTransition } from "../../src/core/transitions.js";
import { T0, iso, taskIn } from "./fixtures.js";

describe("task events", () => {
  it("CREATED carries the whole task; later events carry exactly the fields that changed", () => {
    const created = taskIn("pending");
    expect(taskEvent(null, created, "CREATED", "P", "created", T0).data).toEqual(created);
    const { task: claimed } = applyTransition(created, { kind: "claim", agentId: "A", leaseToken: 1, leaseSeconds: 60 }, T0);
    expect(changedFields(created, claimed)).toEqual({
      status: "in_progress",
      assignedTo: "A",
      leaseToken: 1,
      leaseExpiresAt: iso(60),
      updatedAt: iso(0),
      version: 2,
    });
    const event = taskEvent(created, claimed, "CLAIMED", "A", "claimed", T0);
    expect([event.from, event.to, event.at, event.taskId]).toEqual(["pending", "in_progress", iso(0), "T-1"]);
  });

  it("replaying the events of a task's life gives its final state", () => {
    let task = taskIn("pending");
    const events = [taskEvent(null, task, "CREATED", null, "", T0)];
    const steps = [
      { kind: "claim", agentId: "A", leaseToken: 1, leaseSeconds: 60 },
      { kind: "fail", error: "x", retryDelayMs: 1000 },
      { kind: "promote" },
      { kind: "claim", agentId: "B", leaseToken: 2, leaseSeconds: 60 },
      { kind: "heartbeat", leaseSeconds: 60, note: "half" },
      { kind: "complete", result: "done" },
    ] as const;
    steps.forEach((step, i) => {
      const outcome = applyTransition(task, step, T0 + (i + 1) * 1000);
      events.push(taskEvent(task, outcome.task, outcome.eventType, null, "", T0));
      task = outcome.task;
    });
    expect(replayTask(events)).toEqual(task);
    expect(replayTask([])).toBe(null);
  });
});
