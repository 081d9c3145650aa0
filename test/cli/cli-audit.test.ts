/** `baton audit` filters (several types, --errors, --since/--until) and `baton audit stats`, as a real process. */
import { describe, expect, test } from "vitest";
import { baton, batonJson, freshBoardDir, jsonError } from "./cli.js";

/** T-1 completed by A, T-2 failed by B (then retried later), T-3 still pending. */
function workedBoard(): string {
  const cwd = freshBoardDir();
  for (const title of ["one", "two", "three"]) batonJson(["add", title], { cwd });
  batonJson(["claim", "--id", "T-1", "--agent", "A"], { cwd });
  batonJson(["done", "T-1", "--agent", "A"], { cwd });
  batonJson(["claim", "--id", "T-2", "--agent", "B"], { cwd });
  batonJson(["fail", "T-2", "--agent", "B", "--error", "broke"], { cwd });
  return cwd;
}

const shape = (events: { type: string; task_id: string | null; agent_id: string | null }[]): string[] =>
  events.map((e) => `${e.type} ${e.task_id} ${e.agent_id}`);

describe("baton audit", () => {
  test("--type takes several types, --errors only errors, both combine with --agent", () => {
    const cwd = workedBoard();
    expect(shape(batonJson(["audit", "--type", "COMPLETED,FAILED"], { cwd }))).toEqual(["COMPLETED T-1 A", "FAILED T-2 B"]);
    expect(shape(batonJson(["audit", "--type", "claimed", "--agent", "B"], { cwd }))).toEqual(["CLAIMED T-2 B"]);
    expect(shape(batonJson(["audit", "--errors"], { cwd }))).toEqual(["FAILED T-2 B"]);
    expect(shape(batonJson(["audit", "query", "--errors", "--agent", "A"], { cwd }))).toEqual([]);
  });

  test("--since and --until take times and durations ago", () => {
    const cwd = workedBoard();
    const all = batonJson<{ at: string }[]>(["audit"], { cwd });
    expect(batonJson(["audit", "--since", "1h"], { cwd })).toHaveLength(all.length);
    expect(batonJson(["audit", "--until", "2000-01-01"], { cwd })).toEqual([]);
    expect(batonJson(["audit", "--since", all[all.length - 1]!.at], { cwd })).toHaveLength(1);
  });

  test("a bad type or time exits 2 naming the fix, an unknown option too", () => {
    const cwd = workedBoard();
    const badType = baton(["audit", "--type", "FAILED,NOPE", "--json"], { cwd });
    expect(badType.code).toBe(2);
    expect(jsonError(badType).message).toContain("event type must be one of");
    const badTime = baton(["audit", "--since", "yesterday-ish", "--json"], { cwd });
    expect(badTime.code).toBe(2);
    expect(jsonError(badTime).message).toContain('invalid since "yesterday-ish"');
  });

  test("audit query pages like every list: --limit with a cursor to the next page, --all, filters kept across pages", () => {
    const cwd = workedBoard();
    const first = baton(["audit", "query", "--type", "CREATED,CLAIMED", "--limit", "3", "--json"], { cwd });
    expect(first.code).toBe(0);
    expect(shape(JSON.parse(first.stdout))).toEqual(["CREATED T-1 null", "CREATED T-2 null", "CREATED T-3 null"]);
    const notice = JSON.parse(first.stderr.trim().split("\n").pop()!) as { next_cursor: string };
    const rest = batonJson(["audit", "--type", "CREATED,CLAIMED", "--cursor", notice.next_cursor], { cwd });
    expect(shape(rest)).toEqual(["CLAIMED T-1 A", "CLAIMED T-2 B"]);
    expect(shape(batonJson(["audit", "--errors", "--all"], { cwd }))).toEqual(["FAILED T-2 B"]);
    expect(batonJson(["audit", "--all"], { cwd })).toHaveLength(7);
    const human = baton(["audit", "--limit", "2"], { cwd });
    expect(human.code).toBe(0);
    expect(human.stdout).toContain("use --cursor");
    const both = baton(["audit", "--all", "--limit", "2", "--json"], { cwd });
    expect(both.code).toBe(2);
    expect(jsonError(both).message).toContain("give --all or --limit, not both");
  });

  test("audit stats counts by type and by agent and times claims and completions", () => {
    const cwd = workedBoard();
    const stats = batonJson(["audit", "stats"], { cwd });
    expect(stats.events).toBe(7);
    expect(stats.by_type).toEqual({ CREATED: 3, CLAIMED: 2, COMPLETED: 1, FAILED: 1 });
    expect(stats.by_agent).toEqual({ A: 2, B: 2 });
    expect(stats.time_to_claim.count).toBe(2);
    expect(stats.time_to_complete.count).toBe(1);
    const human = baton(["audit", "stats"], { cwd });
    expect(human.code).toBe(0);
    expect(human.stdout).toContain("by type:");
    expect(human.stdout).toContain("time to claim (2 tasks)");
    expect(batonJson(["audit", "stats", "--agent", "B"], { cwd }).by_type).toEqual({ CLAIMED: 1, FAILED: 1 });
  });
});
