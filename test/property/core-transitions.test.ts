/**
 * Property on the pure core: any sequence of transitions, applied where allowed, keeps a task
 * consistent (in_progress ⇔ holder, token and lease expiry) and its events replay to it.
 * The store-level property (board-interleavings.ts) runs inside every store's conformance suite.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { BatonError } from "../../src/core/errors.js";
import { replayTask, taskEvent } from "../../src/core/events.js";
import { applyTransition } from "../../src/core/transitions.js";
import { checkLeaseConsistency } from "../conformance/checks.js";
import type { Task } from "../../src/core/task.js";
import type { Transition } from "../../src/core/transitions.js";

const transition: fc.Arbitrary<Omit<Transition, "leaseToken"> | Transition> = fc.oneof(
  fc.record({ kind: fc.constant("claim" as const), agentId: fc.constantFrom("A", "B"), leaseToken: fc.constant(0), leaseSeconds: fc.integer({ min: 1, max: 600 }) }),
  fc.record({ kind: fc.constant("heartbeat" as const), leaseSeconds: fc.integer({ min: 1, max: 600 }) }),
  fc.record({ kind: fc.constant("complete" as const), result: fc.option(fc.string(), { nil: null }) }),
  fc.record({ kind: fc.constant("fail" as const), error: fc.string({ minLength: 1 }), retryDelayMs: fc.nat(1_000_000) }),
  fc.record({ kind: fc.constant("release" as const) }),
  fc.record({ kind: fc.constant("expire" as const) }),
  fc.record({ kind: fc.constant("promote" as const) }),
  fc.record({ kind: fc.constant("cancel" as const) }),
  fc.record({ kind: fc.constant("revive" as const) }),
  fc.record({ kind: fc.constant("assign" as const), agentId: fc.constantFrom("A", "B", null) }),
);

describe("core transitions (property)", () => {
  it("any sequence keeps lease/status consistent, tokens increasing, attempts bounded, and replays exactly", () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(transition, fc.nat(100_000)), { maxLength: 60 }), (steps) => {
        const start = Date.parse("2030-01-01T00:00:00.000Z");
        let now = start;
        let token = 0;
        let task: Task = {
          id: "T-1", title: "t", description: "", metadata: {}, result: null, status: "pending", priority: "medium",
          needs: [], dependsOn: [], assignedTo: null, leaseToken: null, leaseExpiresAt: null, attempts: 0,
          maxAttempts: 3, nextAttemptAt: null, lastError: null, createdAt: new Date(start).toISOString(),
          updatedAt: new Date(start).toISOString(), createdBy: null, version: 1,
        };
        const events = [taskEvent(null, task, "CREATED", null, "", now)];
        for (const [step, elapsed] of steps) {
          now += elapsed;
          const applied = (step.kind === "claim" ? { ...step, leaseToken: token + 1 } : step) as Transition;
          try {
            const outcome = applyTransition(task, applied, now);
            if (applied.kind === "claim") token++;
            events.push(taskEvent(task, outcome.task, outcome.eventType, null, "", now));
            task = outcome.task;
          } catch (error) {
            if (!(error instanceof BatonError) || error.code !== "CONFLICT") throw error;
          }
          checkLeaseConsistency([task]);
          expect(task.attempts).toBeLessThanOrEqual(task.maxAttempts);
          if (task.leaseToken !== null) expect(task.leaseToken).toBe(token);
        }
        expect(replayTask(events)).toEqual(task);
      }),
      { numRuns: 300 },
    );
  });
});
