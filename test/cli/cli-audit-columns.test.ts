/** `baton audit`'s human table: column widths come from the page shown, so seq 9 → 10 → 100 shifts nothing. */
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { openBoard } from "../../src/index.js";
import { baton, freshBoardDir } from "./cli.js";

/** Where each column after the seq starts: the time, and the type that follows it. */
function columnStarts(line: string): number[] {
  const time = /\d\d:\d\d:\d\d\.\d\d\d/.exec(line);
  expect(time, line).not.toBeNull();
  const timeAt = time!.index;
  const typeAt = line.indexOf("CREATED", timeAt);
  const taskAt = line.indexOf("T-", typeAt);
  const agentAt = line.indexOf("agent-", taskAt);
  for (const at of [typeAt, taskAt, agentAt]) expect(at, line).toBeGreaterThan(0);
  return [timeAt, typeAt, taskAt, agentAt];
}

describe("baton audit columns", () => {
  test("seqs 1..120 (and an agent id longer than the column) keep every column aligned", async () => {
    const cwd = freshBoardDir();
    const board = await openBoard(`sqlite:${join(cwd, ".baton", "board.db")}`);
    try {
      for (let i = 1; i <= 120; i++) {
        await board.add({ title: `task ${i}` }, { agent: i === 100 ? "agent-with-a-long-name" : `agent-${i % 3}` });
      }
    } finally {
      await board.close();
    }
    const result = baton(["audit", "--all"], { cwd, env: { NO_COLOR: "1" } });
    expect(result.code).toBe(0);
    const lines = result.stdout.split("\n").filter((l) => l.startsWith("#"));
    expect(lines.map((l) => Number(/^#(\d+)/.exec(l)![1]))).toEqual(Array.from({ length: 120 }, (_, i) => i + 1));
    const starts = lines.map(columnStarts);
    for (const [i, line] of lines.entries()) expect(starts[i], line).toEqual(starts[0]);
  });
});
