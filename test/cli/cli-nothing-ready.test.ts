/** `next` and `claim` on a board whose only task is dead: exit 5, naming the dead task and how to revive it. */
import { describe, expect, it } from "vitest";
import { baton, batonJson, freshBoardDir, jsonError, snapshot } from "./cli.js";

describe("nothing ready while a task is dead", () => {
  it("next and claim exit 5 and say which task is dead and how to revive it; the board is untouched", () => {
    const dir = freshBoardDir();
    const task = batonJson<{ id: string }>(["add", "doomed", "--max-attempts", "1"], { cwd: dir });
    const claim = batonJson<{ lease_token: number }>(["claim", "--agent", "A"], { cwd: dir });
    expect(baton(["fail", task.id, "--agent", "A", "--token", String(claim.lease_token), "--error", "boom"], { cwd: dir }).code).toBe(0);
    const before = snapshot(dir);
    for (const verb of ["next", "claim"]) {
      const result = baton([verb, "--agent", "A", "--json"], { cwd: dir });
      expect(result.code).toBe(5);
      const error = jsonError(result);
      expect(error.code).toBe("NOTHING_READY");
      expect(error.message).toBe(
        `nothing ready for A: no open tasks, but 1 dead (${task.id}), which no agent gets until revived: ` +
          "see `baton list --status dead`, then `baton revive ID`",
      );
    }
    expect(snapshot(dir)).toEqual(before);
  });
});
