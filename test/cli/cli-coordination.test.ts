/**
 * The coordination verbs end to end: agent add/remove, agents with workload, assign --auto,
 * balance, deps, pipeline, note, and what `done` tells a person; bad input for each is a
 * documented exit code with the board untouched.
 */
import { describe, expect, test } from "vitest";
import { baton, batonJson, freshBoardDir, jsonError, snapshot } from "./cli.js";

describe("coordination verbs", () => {
  test("agents registered ahead of their first claim get work by capability and load", () => {
    const cwd = freshBoardDir();
    expect(batonJson(["agent", "add", "A", "--capabilities", "technical"], { cwd })).toEqual({
      id: "A",
      capabilities: ["technical"],
      last_seen_at: expect.any(String),
    });
    batonJson(["agent", "add", "B", "--capabilities", "technical,content"], { cwd });
    batonJson(["add", "content work", "--needs", "content"], { cwd });
    batonJson(["add", "technical work", "--needs", "technical"], { cwd });
    expect(batonJson(["assign", "T-1", "--auto"], { cwd }).assigned_to).toBe("B");
    expect(batonJson(["assign", "T-2", "--auto"], { cwd }).assigned_to).toBe("A");
    const agents = batonJson(["agents"], { cwd });
    expect(agents.map((a: Record<string, unknown>) => [a.id, a.state, a.holding, a.reserved, a.completed, a.failed])).toEqual([
      ["A", "alive", [], 1, 0, 0],
      ["B", "alive", [], 1, 0, 0],
    ]);
    const removed = baton(["agent", "remove", "A"], { cwd });
    expect([removed.code, removed.stdout.trim()]).toEqual([0, "agent A removed"]);
    expect(batonJson(["show", "T-2"], { cwd }).assigned_to).toBeNull();
  });

  test("done tells what it unblocked and the progress; with --json it prints only the task", () => {
    const cwd = freshBoardDir();
    batonJson(["add", "first"], { cwd });
    batonJson(["add", "second", "--after", "T-1"], { cwd });
    batonJson(["add", "third", "--after", "T-1,T-2"], { cwd });
    batonJson(["claim", "--agent", "A"], { cwd });
    const done = baton(["done", "T-1", "--agent", "A"], { cwd });
    expect(done.code).toBe(0);
    expect(done.stdout).toContain('unblocked: T-2 "second"');
    expect(done.stdout).toContain("progress: 1/3 completed (33%) · 0 in progress · 2 pending");
    batonJson(["claim", "--agent", "A"], { cwd });
    const json = batonJson(["done", "T-2", "--agent", "A"], { cwd });
    expect(Object.keys(json)).toEqual(Object.keys(batonJson(["show", "T-2"], { cwd })));
    expect(json).toMatchObject({ id: "T-2", status: "completed" });
  });

  test("deps and pipeline show the chain, what completing unblocks, and the critical path", () => {
    const cwd = freshBoardDir();
    batonJson(["add", "schema"], { cwd });
    batonJson(["add", "api", "--after", "T-1"], { cwd });
    batonJson(["add", "docs", "--after", "T-1"], { cwd });
    batonJson(["add", "release", "--after", "T-2,T-3"], { cwd });
    const deps = batonJson(["deps", "T-2"], { cwd });
    expect(deps.upstream).toEqual([{ id: "T-1", status: "pending" }]);
    expect(deps.downstream).toEqual([{ id: "T-4", status: "pending" }]);
    expect(deps.unblocks).toEqual([]);
    expect(deps.critical_path.map((t: { id: string }) => t.id)).toEqual(["T-1", "T-2", "T-4"]);
    expect(batonJson(["deps", "T-1"], { cwd }).unblocks).toEqual(["T-2", "T-3"]);
    expect(batonJson(["pipeline"], { cwd }).critical_path.map((t: { id: string }) => t.id)).toEqual(["T-1", "T-2", "T-4"]);
    const human = baton(["pipeline", "T-3"], { cwd });
    expect(human.stdout).toContain("T-1 (pending) → T-3 (pending) → T-4 (pending)");
  });

  test("balance prints a plan and moves nothing until --apply", () => {
    const cwd = freshBoardDir();
    batonJson(["agent", "add", "A"], { cwd });
    batonJson(["agent", "add", "B"], { cwd });
    for (const title of ["one", "two", "three"]) batonJson(["add", title], { cwd });
    for (const id of ["T-1", "T-2", "T-3"]) batonJson(["assign", id, "A"], { cwd });
    const before = snapshot(cwd);
    const plan = baton(["balance"], { cwd });
    expect(plan.stdout).toContain("plan: 1 reservation(s) to move\n  T-3: A → B");
    expect(snapshot(cwd)).toEqual(before);
    expect(batonJson(["balance", "--apply"], { cwd })).toEqual({
      applied: true,
      moves: [{ task_id: "T-3", from: "A", to: "B", from_load: 3, to_load: 0, why: "overloaded" }],
    });
    expect(batonJson(["show", "T-3"], { cwd }).assigned_to).toBe("B");
  });

  test("note writes a NOTE event and leaves the task as it was", () => {
    const cwd = freshBoardDir();
    batonJson(["add", "noted"], { cwd });
    const task = batonJson(["show", "T-1"], { cwd });
    expect(batonJson(["note", "T-1", "blocked", "on", "review", "--agent", "lead"], { cwd })).toMatchObject({
      type: "NOTE",
      task_id: "T-1",
      agent_id: "lead",
      details: "blocked on review",
    });
    expect(batonJson(["show", "T-1"], { cwd })).toEqual(task);
    expect(batonJson(["audit", "--type", "NOTE"], { cwd })).toHaveLength(1);
  });

  test.each([
    [["agent", "remove", "ghost"], 3, "NOT_FOUND", "no agent ghost on this board"],
    [["agent", "add", "bad id!"], 2, "INVALID_INPUT", "agent"],
    [["assign", "T-1"], 2, "INVALID_INPUT", "--auto to choose"],
    [["assign", "T-1", "A", "--auto"], 2, "INVALID_INPUT", "give one of an agent, --auto or --clear"],
    [["assign", "T-404", "--auto"], 3, "NOT_FOUND", "T-404"],
    [["assign", "T-1", "--auto"], 4, "CONFLICT", "no alive agent with design to assign T-1 to"],
    [["deps", "T-404"], 3, "NOT_FOUND", "T-404"],
    [["pipeline", "bad id!"], 2, "INVALID_INPUT", "id"],
    [["note", "T-404", "x"], 3, "NOT_FOUND", "T-404"],
    [["note", "T-1", " "], 2, "INVALID_INPUT", "say what to note"],
    [["balance", "--aply"], 2, "INVALID_INPUT", "unknown option"],
  ])("%j → exit %i (%s), nothing changed", (args, code, errorCode, message) => {
    const cwd = freshBoardDir();
    batonJson(["add", "design work", "--needs", "design"], { cwd });
    const before = snapshot(cwd);
    const result = baton([...args, "--json"], { cwd });
    expect(result.code).toBe(code);
    const error = jsonError(result);
    expect(error.code).toBe(errorCode);
    expect(error.message).toContain(message);
    expect(snapshot(cwd)).toEqual(before);
  });
});
