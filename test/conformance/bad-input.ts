/** Bad input at the library level: the exact code, a message naming the problem, the board untouched. */
import { expect } from "vitest";
import { expectRefusedUnchanged } from "./harness.js";
import type { Board, Priority } from "../../src/index.js";
import type { Conformance } from "./harness.js";

export const BAD_TASK_IDS = ["../x", "", "x".repeat(65), "a b", "/etc/passwd", "-leading-dash", "T-1\n"] as const;

/** Every operation that takes a task id, called with `id`. */
function callsWithTaskId(board: Board, id: string): [string, () => Promise<unknown>][] {
  return [
    ["get", () => board.get(id)],
    ["add --id", () => board.add({ title: "x", id })],
    ["add --after", () => board.add({ title: "x", dependsOn: [id] })],
    ["update", () => board.update(id, { title: "y" })],
    ["cancel", () => board.cancel(id)],
    ["revive", () => board.revive(id)],
    ["assign", () => board.assign(id, "A")],
    ["claim --id", () => board.claim({ agent: "A", ids: [id] })],
    ["claimBatch", () => board.claimBatch({ agent: "A", ids: ["T-1", id] })],
    ["heartbeat", () => board.heartbeat(id, { token: 1 })],
    ["complete", () => board.complete(id, { token: 1 })],
    ["fail", () => board.fail(id, { token: 1, error: "e" })],
    ["release", () => board.release(id, { agent: "A" })],
    ["audit --task", () => board.audit({ taskId: id })],
  ];
}

export function badInputTests(c: Conformance): void {
  c.test("invalid task ids (../x, empty, 65 chars, spaces) are INVALID_INPUT everywhere and change nothing", async () => {
    const { board } = await c.open();
    await board.add({ title: "existing" });
    let refusals = 0;
    for (const id of BAD_TASK_IDS) {
      for (const [verb, call] of callsWithTaskId(board, id)) {
        const error = await expectRefusedUnchanged(board, call, "INVALID_INPUT");
        expect(error.message, `${verb} ${JSON.stringify(id)}`).toContain("task id");
        refusals++;
      }
    }
    expect(refusals).toBe(BAD_TASK_IDS.length * 14);
    const longest = "x".repeat(64);
    expect((await board.add({ title: "64 chars is fine", id: longest })).id).toBe(longest);
  });

  c.test("an empty or blank title is INVALID_INPUT naming the title, and changes nothing", async () => {
    const { board } = await c.open();
    for (const title of ["", "   ", "\n\t"]) {
      const error = await expectRefusedUnchanged(board, () => board.add({ title }), "INVALID_INPUT");
      expect(error.message).toBe("invalid task: title: a task needs a non-empty title");
    }
    await board.add({ title: "fine" });
    await expectRefusedUnchanged(board, () => board.update("T-1", { title: " " }), "INVALID_INPUT");
    await expectRefusedUnchanged(board, () => board.addMany([{ title: "ok" }, { title: "" }]), "INVALID_INPUT");
  });

  c.test("an invalid priority is INVALID_INPUT listing the valid ones, and changes nothing", async () => {
    const { board } = await c.open();
    await board.add({ title: "fine" });
    for (const priority of ["urgent", "HIGH", "", "0"]) {
      const error = await expectRefusedUnchanged(
        board,
        () => board.add({ title: "x", priority: priority as Priority }),
        "INVALID_INPUT",
      );
      expect(error.message).toContain("priority must be one of: critical, high, medium, low");
      await expectRefusedUnchanged(board, () => board.update("T-1", { priority: priority as Priority }), "INVALID_INPUT");
    }
  });

  c.test("an unknown task is NOT_FOUND naming it, and changes nothing", async () => {
    const { board } = await c.open();
    await board.add({ title: "existing" });
    for (const [verb, call] of callsWithTaskId(board, "T-404")) {
      if (verb === "add --id" || verb === "audit --task") continue;
      // add --after a missing task too: the task named is not found (exit 3), not bad input.
      const error = await expectRefusedUnchanged(board, call, "NOT_FOUND");
      expect(error.message, verb).toContain("T-404");
    }
    // audit --task T-404 is itself NOT_FOUND now: look through the whole trail instead.
    expect((await board.audit()).filter((e) => e.taskId === "T-404")).toEqual([]);
  });

  c.test("other bad arguments (lease, agent, counts, credentials, error text) are INVALID_INPUT and change nothing", async () => {
    const { board } = await c.open();
    const task = await board.add({ title: "x" });
    const claim = await board.claim({ agent: "A", leaseSeconds: 60 });
    const bad: [string, () => Promise<unknown>][] = [
      ["zero lease", () => board.claim({ agent: "B", leaseSeconds: 0 })],
      ["negative lease", () => board.claim({ agent: "B", leaseSeconds: -5 })],
      ["agent with a space", () => board.claim({ agent: "bad agent" })],
      ["empty agent", () => board.claim({ agent: "" })],
      ["no credential", () => board.complete(task.id, {})],
      ["token zero", () => board.complete(task.id, { token: 0 })],
      ["fractional token", () => board.complete(task.id, { token: 1.5 })],
      ["blank error", () => board.fail(task.id, { token: claim.leaseToken, error: "  " })],
      ["reserve 0", () => board.reserve("SEC", 0)],
      ["reserve 10001", () => board.reserve("SEC", 10_001)],
      ["max attempts 0", () => board.add({ title: "y", maxAttempts: 0 })],
      ["unknown field", () => board.add({ title: "y", colour: "red" } as never)],
      ["id and prefix", () => board.add({ title: "y", id: "Q-1", prefix: "Q" })],
      ["empty batch", () => board.claimBatch({ agent: "A", ids: [] })],
      ["status filter", () => board.list({ status: "done" as never })],
    ];
    for (const [what, call] of bad) {
      const error = await expectRefusedUnchanged(board, call, "INVALID_INPUT");
      expect(error.message.length, what).toBeGreaterThan(10);
    }
    expect((await board.get(task.id)).status).toBe("in_progress");
  });
}
