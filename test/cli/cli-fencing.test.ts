/**
 * Fencing through the CLI: an agent whose lease expired and whose task another agent
 * re-claimed is refused with "lease lost" (exit 4, LEASE_LOST) by done, fail and heartbeat,
 * and the board does not change.
 */
import { expect, test } from "vitest";
import { baton, batonJson, freshBoardDir, jsonError, snapshot } from "./cli.js";

/** Waits until the wall clock is past an ISO instant: the lease is over by definition, not by a guess. */
async function until(iso: string): Promise<void> {
  while (Date.now() <= Date.parse(iso)) await new Promise((r) => setTimeout(r, Math.max(5, Date.parse(iso) - Date.now() + 5)));
}

test("a stale holder gets exit 4 'lease lost' from done, fail and heartbeat, and nothing changes", async () => {
  const cwd = freshBoardDir();
  batonJson(["add", "Write the parser"], { cwd });
  const first = batonJson(["claim", "--agent", "agent-a", "--lease", "1s"], { cwd });
  const firstToken = String(first.lease_token);
  await until(first.lease_expires_at);

  const second = batonJson(["claim", "--agent", "agent-b", "--lease", "15m"], { cwd });
  expect(second.id).toBe(first.id);
  expect(second.assigned_to).toBe("agent-b");
  expect(second.lease_token).toBeGreaterThan(first.lease_token); // fencing tokens only rise
  const secondToken = String(second.lease_token);
  expect(second.attempts).toBe(1); // the expired lease counted as an attempt (TIMEOUT)

  const before = snapshot(cwd);
  const stale = [
    ["done", first.id, "--token", firstToken, "--result", "stale work"],
    ["fail", first.id, "--token", firstToken, "--error", "stale failure"],
    ["heartbeat", first.id, "--token", firstToken],
  ];
  for (const args of stale) {
    const text = baton([...args, "--agent", "agent-a"], { cwd });
    expect(text.code).toBe(4);
    expect(text.stderr).toMatch(
      new RegExp(`^baton: lease lost: T-1 is now held by agent-b \\(token ${secondToken}\\); your token ${firstToken} is stale`),
    );
    const json = baton([...args, "--agent", "agent-a", "--json"], { cwd });
    expect(json.code).toBe(4);
    expect(jsonError(json).code).toBe("LEASE_LOST");
  }
  // Without a token, agent-a is simply not the holder.
  const byName = baton(["done", first.id, "--agent", "agent-a"], { cwd });
  expect(byName.code).toBe(4);
  expect(byName.stderr).toMatch(/T-1 is held by agent-b, not by agent-a/);
  expect(snapshot(cwd)).toEqual(before);

  const done = batonJson(["done", first.id, "--token", secondToken, "--result", "the real work"], { cwd });
  expect(done.status).toBe("completed");
  expect(done.result).toBe("the real work");
});

test("an expired lease not yet re-claimed is also lost: exit 4, and the task stays as it was", async () => {
  const cwd = freshBoardDir();
  batonJson(["add", "Write the parser"], { cwd });
  const claim = batonJson(["claim", "--agent", "agent-a", "--lease", "1s"], { cwd });
  await until(claim.lease_expires_at);
  const before = snapshot(cwd);
  const token = String(claim.lease_token);
  for (const args of [["done", "T-1", "--token", token], ["heartbeat", "T-1", "--token", token], ["fail", "T-1", "--token", token, "--error", "x"]]) {
    const result = baton([...args, "--json"], { cwd });
    expect(result.code).toBe(4);
    const error = jsonError(result);
    expect(error.code).toBe("LEASE_LOST");
    expect(error.message).toMatch(/lease lost: the lease on T-1 expired at .*; claim it again/);
  }
  expect(snapshot(cwd)).toEqual(before);
});
