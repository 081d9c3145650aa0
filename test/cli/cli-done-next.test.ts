/**
 * `baton done ID --next`: completes the task and claims the next ready one in one transaction
 * (board.completeAndClaimNext); a refused completion claims nothing (exit 4, board unchanged).
 */
import { expect, test } from "vitest";
import { baton, batonJson, freshBoardDir, jsonError, snapshot } from "./cli.js";

test("done --next completes the task and claims the next for its holder: {completed, next}, one event each", () => {
  const cwd = freshBoardDir();
  batonJson(["add", "first"], { cwd });
  batonJson(["add", "second"], { cwd });
  const claim = batonJson(["claim", "--agent", "agent-a"], { cwd });
  const done = batonJson(["done", "T-1", "--token", String(claim.lease_token), "--result", "ok", "--next"], { cwd });
  expect(Object.keys(done)).toEqual(["completed", "next"]);
  expect([done.completed.id, done.completed.status, done.completed.result]).toEqual(["T-1", "completed", "ok"]);
  expect([done.next.id, done.next.status, done.next.assigned_to]).toEqual(["T-2", "in_progress", "agent-a"]);
  expect(done.next.lease_token).toBeGreaterThan(claim.lease_token);
  const types = batonJson(["audit"], { cwd }).map((e: { type: string; task_id: string }) => `${e.type} ${e.task_id}`);
  expect(types.slice(-3)).toEqual(["CLAIMED T-1", "COMPLETED T-1", "CLAIMED T-2"]);
  // The last task: completed, nothing else ready, still exit 0.
  const last = baton(["done", "T-2", "--token", String(done.next.lease_token), "--next"], { cwd });
  expect(last.code).toBe(0);
  expect(last.stdout).toContain("nothing else is ready now");
  expect(batonJson(["show", "T-2"], { cwd }).status).toBe("completed");
});

test("done --next with a stale token is exit 4 LEASE_LOST and claims nothing", () => {
  const cwd = freshBoardDir();
  batonJson(["add", "held"], { cwd });
  batonJson(["add", "untouched"], { cwd });
  const claim = batonJson(["claim", "--agent", "agent-a", "--id", "T-1"], { cwd });
  const before = snapshot(cwd);
  const refused = baton(["done", "T-1", "--token", String(claim.lease_token + 5), "--next", "--json"], { cwd });
  expect(refused.code).toBe(4);
  expect(jsonError(refused).code).toBe("LEASE_LOST");
  expect(snapshot(cwd)).toEqual(before);
});
