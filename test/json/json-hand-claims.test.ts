/**
 * A task a seed-001 hand agent set IN_PROGRESS (no baton lease fields) has a defined lease:
 * the board's lease length from the hand agent's last sign of life (the later of updated_at and
 * its last history entry). Its holder — assigned_to, else the agent of that history entry — can
 * heartbeat, complete and release it through baton; once the lease has run out, others recover
 * it; and a baton agent that held the task before keeps no power over it through its old token.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { refusal } from "../conformance/harness.js";
import { freshDir, open } from "./json-boards.js";

const LEASE_SECONDS = 600;

function handTask(id: string, fields: Record<string, unknown>): Record<string, unknown> {
  const at = new Date().toISOString();
  return {
    id,
    description: `hand task ${id}`,
    status: "IN_PROGRESS",
    assigned_to: null,
    created_at: at,
    updated_at: at,
    history: [{ timestamp: at, event: "STATUS_CHANGED", agent_id: "h1", details: "PENDING -> IN_PROGRESS" }],
    ...fields,
  };
}

async function boardWith(records: Record<string, unknown>[]) {
  const path = join(freshDir(), "tasks.json");
  writeFileSync(path, `${JSON.stringify(records, null, 2)}\n`);
  return open(path, { policy: { leaseSeconds: LEASE_SECONDS } });
}

describe("json store: tasks a hand agent set in progress", () => {
  it("its holder (assigned_to) heartbeats and completes it; its lease runs from its last update", async () => {
    const updated = new Date(Date.now() - 60_000).toISOString();
    const board = await boardWith([handTask("H-1", { assigned_to: "h1", updated_at: updated, history: [] })]);
    const task = await board.get("H-1");
    expect(task).toMatchObject({ status: "in_progress", assignedTo: "h1", leaseToken: null });
    expect(task.leaseExpiresAt).toBe(new Date(Date.parse(updated) + LEASE_SECONDS * 1000).toISOString());
    const beat = await board.heartbeat("H-1", { agent: "h1" });
    expect(Date.parse(beat.leaseExpiresAt as string)).toBeGreaterThan(Date.parse(task.leaseExpiresAt as string));
    expect((await board.complete("H-1", { agent: "h1", result: "by hand" })).status).toBe("completed");
  });

  it("without assigned_to, the agent of its last history entry is its holder and can release it", async () => {
    const board = await boardWith([handTask("H-2", {})]);
    expect((await board.get("H-2")).assignedTo).toBe("h1");
    const other = await refusal(board.release("H-2", { agent: "h9" }));
    expect(other.message).toBe("H-2 is held by h1, not by h9");
    expect((await board.release("H-2", { agent: "h1" })).status).toBe("pending");
  });

  it("once its lease has run out, heal recovers it and another agent claims it", async () => {
    const old = new Date(Date.now() - 2 * LEASE_SECONDS * 1000).toISOString();
    const board = await boardWith([handTask("H-3", { assigned_to: "h1", updated_at: old, history: [] })]);
    expect((await board.heal()).timedOut).toEqual(["H-3"]);
    const claim = await board.claim({ agent: "A" });
    expect(claim.task).toMatchObject({ id: "H-3", assignedTo: "A" });
  });

  it("a baton agent's token from before the hand claim is stale: it cannot complete the hand agent's task", async () => {
    const path = join(freshDir(), "tasks.json");
    const board = await open(path, { policy: { leaseSeconds: LEASE_SECONDS } });
    await board.add({ title: "t" });
    const { leaseToken } = await board.claim({ agent: "A" });
    await board.release("T-1", { token: leaseToken });
    const [record] = JSON.parse((await import("node:fs")).readFileSync(path, "utf8")) as Record<string, unknown>[];
    writeFileSync(path, `${JSON.stringify([{ ...record, status: "IN_PROGRESS", assigned_to: "h1", updated_at: new Date().toISOString() }], null, 2)}\n`);
    const error = await refusal(board.complete("T-1", { token: leaseToken }));
    expect(error.code).toBe("LEASE_LOST");
    expect(error.message).toBe("lease lost: T-1 is now held by h1 (claimed by hand, without a token); your token 1 is stale");
    expect((await board.complete("T-1", { agent: "h1" })).status).toBe("completed");
    // Tokens still only rise: the next claim's token is above the one the hand claim voided.
    await board.add({ title: "u" });
    expect((await board.claim({ agent: "A" })).leaseToken).toBe(leaseToken + 1);
  });

  it("claims by id name the holder; one that recorded no id at all is named as such, never as null", async () => {
    const board = await boardWith([handTask("H-4", { assigned_to: "h1" }), handTask("H-5", { history: [] })]);
    expect((await refusal(board.claim({ agent: "A", ids: ["H-4"] }))).message).toBe("H-4 is already held by h1");
    const anonymous = await board.get("H-5");
    expect(anonymous.assignedTo).toBeNull();
    const byId = await refusal(board.claimBatch({ agent: "A", ids: ["H-5"] }));
    expect(byId.message).toBe("H-5 is already held by an agent that did not record its id (assigned_to is empty)");
    const finish = await refusal(board.complete("H-5", { agent: "A" }));
    expect(finish.message).toBe("H-5 is held by an agent that did not record its id (assigned_to is empty), not by A");
  });
});
