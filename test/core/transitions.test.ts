import { describe, expect, it } from "vitest";
import { BatonError } from "../../src/core/errors.js";
import { TASK_STATUSES } from "../../src/core/task.js";
import { applyTransition } from "../../src/core/transitions.js";
import { T0, iso, taskIn } from "./fixtures.js";
import type { TaskStatus } from "../../src/core/task.js";
import type { Transition } from "../../src/core/transitions.js";

/** Each transition, the statuses it may start from, and the status it leads to (written out, not read from the code). */
const TABLE: { transition: Transition; from: TaskStatus[]; to: TaskStatus | "same" }[] = [
  { transition: { kind: "claim", agentId: "B", leaseToken: 8, leaseSeconds: 60 }, from: ["pending"], to: "in_progress" },
  { transition: { kind: "heartbeat", leaseSeconds: 60 }, from: ["in_progress"], to: "in_progress" },
  { transition: { kind: "complete", result: "ok" }, from: ["in_progress"], to: "completed" },
  { transition: { kind: "fail", error: "boom", retryDelayMs: 300_000 }, from: ["in_progress"], to: "failed" },
  { transition: { kind: "release" }, from: ["in_progress"], to: "pending" },
  { transition: { kind: "expire" }, from: ["in_progress"], to: "pending" },
  { transition: { kind: "promote" }, from: ["failed"], to: "pending" },
  { transition: { kind: "cancel" }, from: ["pending", "in_progress", "failed", "dead"], to: "cancelled" },
  { transition: { kind: "assign", agentId: "Z" }, from: ["pending", "failed"], to: "same" },
  {
    transition: { kind: "update", patch: { title: "renamed" } },
    from: ["pending", "in_progress", "failed", "dead", "completed", "cancelled"],
    to: "same",
  },
  { transition: { kind: "revive" }, from: ["failed", "dead", "cancelled"], to: "pending" },
];

describe("applyTransition", () => {
  for (const { transition, from, to } of TABLE) {
    for (const status of TASK_STATUSES) {
      const allowed = from.includes(status);
      it(`${transition.kind} from ${status} is ${allowed ? `allowed (→ ${to === "same" ? status : to})` : "CONFLICT"}`, () => {
        const task = taskIn(status);
        if (allowed) {
          const outcome = applyTransition(task, transition, T0);
          expect(outcome.task.status).toBe(to === "same" ? status : to);
          expect(outcome.task.updatedAt).toBe(iso(0));
          expect(outcome.task.id).toBe(task.id);
        } else {
          let error: unknown;
          try {
            applyTransition(task, transition, T0);
          } catch (e) {
            error = e;
          }
          expect(error).toBeInstanceOf(BatonError);
          expect((error as BatonError).code).toBe("CONFLICT");
          expect((error as BatonError).message).toContain(`cannot ${transition.kind} T-1: it is ${status.replace("_", " ")}`);
        }
      });
    }
  }

  it("claim sets holder, token and lease expiry and clears the retry time", () => {
    const { task, eventType } = applyTransition(
      taskIn("pending", { attempts: 1 }),
      { kind: "claim", agentId: "B", leaseToken: 8, leaseSeconds: 90 },
      T0,
    );
    expect(task).toMatchObject({ assignedTo: "B", leaseToken: 8, leaseExpiresAt: iso(90), nextAttemptAt: null, attempts: 1 });
    expect(eventType).toBe("CLAIMED");
  });

  it("fail below max attempts schedules the retry; at max attempts it is a poison pill", () => {
    const first = applyTransition(taskIn("in_progress"), { kind: "fail", error: "boom", retryDelayMs: 300_000 }, T0);
    expect(first.eventType).toBe("FAILED");
    expect(first.task).toMatchObject({ status: "failed", attempts: 1, nextAttemptAt: iso(300), assignedTo: null, leaseExpiresAt: null, lastError: "boom" });
    const last = applyTransition(taskIn("in_progress", { attempts: 2 }), { kind: "fail", error: "boom", retryDelayMs: 1 }, T0);
    expect(last.eventType).toBe("POISON_PILL");
    expect(last.task).toMatchObject({ status: "dead", attempts: 3, nextAttemptAt: null, assignedTo: null, leaseExpiresAt: null });
  });

  it("expire counts an attempt and is pending at once, or dead on the last attempt", () => {
    const timeout = applyTransition(taskIn("in_progress"), { kind: "expire" }, T0);
    expect(timeout.eventType).toBe("TIMEOUT");
    expect(timeout.task).toMatchObject({ status: "pending", attempts: 1, assignedTo: null, leaseExpiresAt: null });
    expect(timeout.task.lastError).toBe("lease expired: A (token 7) stopped heartbeating");
    const poisoned = applyTransition(taskIn("in_progress", { attempts: 2 }), { kind: "expire" }, T0);
    expect([poisoned.eventType, poisoned.task.status, poisoned.task.attempts]).toEqual(["POISON_PILL", "dead", 3]);
  });

  it("release does not count an attempt; revive restores a fresh set of attempts", () => {
    const released = applyTransition(taskIn("in_progress", { attempts: 1 }), { kind: "release", reason: "lunch" }, T0);
    expect(released.task).toMatchObject({ status: "pending", attempts: 1, assignedTo: null, leaseExpiresAt: null });
    expect(released.details).toBe("released by A: lunch");
    const byHolder = applyTransition(taskIn("in_progress"), { kind: "release", by: "A" }, T0);
    expect(byHolder.details).toBe("released by A");
    // Forced with A's token (or taken back by a person): the actor is named, not the old holder.
    const forced = applyTransition(taskIn("in_progress"), { kind: "release", reason: "stuck", by: "ops" }, T0);
    expect(forced.details).toBe("released by ops (held by A): stuck");
    const revived = applyTransition(taskIn("dead", { attempts: 3 }), { kind: "revive" }, T0);
    expect(revived.task).toMatchObject({ status: "pending", attempts: 0, nextAttemptAt: null });
  });

  it("the lease token survives completion, so a later stale call is recognisably stale", () => {
    const { task } = applyTransition(taskIn("in_progress"), { kind: "complete", result: "r" }, T0);
    expect(task).toMatchObject({ status: "completed", result: "r", leaseToken: 7, leaseExpiresAt: null, assignedTo: "A" });
  });

  it("heartbeat extends the lease from now and records a checkpoint note on its event, not in the user's metadata", () => {
    const before = { ...taskIn("in_progress"), metadata: { checkpoint: "the user's own" } };
    const { task, details } = applyTransition(before, { kind: "heartbeat", leaseSeconds: 120, note: "step 3" }, T0 + 30_000);
    expect(task.leaseExpiresAt).toBe(iso(150));
    expect(task.metadata).toEqual({ checkpoint: "the user's own" });
    expect(details).toBe("checkpoint: step 3");
  });
});
