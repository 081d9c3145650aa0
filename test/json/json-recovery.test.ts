/**
 * The commit journal (commit.ts), driven deterministically: a writer "killed" right after its
 * commit point — the sidecar names the pending work, nothing else is done — is finished by the
 * next lock holder; if tasks.json was rewritten meanwhile the pending commit is dropped whole;
 * a torn audit append is cut and written again.
 */
import { appendFileSync, existsSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { basename, join } from "node:path";
import { describe, expect, it } from "vitest";
import { eventLine } from "../../src/store/json/audit-file.js";
import { identityOf } from "../../src/store/json/commit.js";
import { boardPaths } from "../../src/store/json/paths.js";
import { metaText, readMeta } from "../../src/store/json/sidecar-files.js";
import { freshDir, open, readJson } from "./json-boards.js";
import type { Row } from "./json-boards.js";

/** A board with T-1, and a commit adding T-2 stopped right after its commit point. */
async function crashedAfterCommitPoint(): Promise<{ path: string; before: string; line: string }> {
  const path = join(freshDir(), "tasks.json");
  const board = await open(path);
  await board.add({ title: "one" });
  await board.close();
  const paths = boardPaths(path);
  const before = readFileSync(path, "utf8");
  const rows = JSON.parse(before) as Row[];
  const second = { ...(rows[0] as Row), id: "T-2", title: "two", history: [] };
  const temp = paths.tasksTemp("c0ffee");
  writeFileSync(temp, `${JSON.stringify([...rows, second], null, 2)}\n`);
  const meta = readMeta(paths.meta);
  const at = new Date().toISOString();
  const line = eventLine({
    seq: meta.audit_seq + 1,
    at,
    type: "CREATED",
    taskId: "T-2",
    agentId: null,
    from: null,
    to: "pending",
    details: "created \"two\"",
    data: { id: "T-2" },
  });
  writeFileSync(
    paths.meta,
    metaText({
      ...meta,
      audit_seq: meta.audit_seq + 1,
      pending: {
        id: "c0ffee",
        tasks_temp: basename(temp),
        tasks_before: identityOf(path),
        audit_from: statSync(paths.audit).size,
        audit_lines: line,
        counters: { counters: { T: 2 } },
      },
    }),
  );
  return { path, before, line };
}

describe("json store: finishing a crashed commit", () => {
  it("a commit stopped after its commit point is finished by the next transaction: tasks, audit, counters, backup", async () => {
    const { path, before, line } = await crashedAfterCommitPoint();
    const board = await open(path);
    expect((await board.list()).map((t) => t.id)).toEqual(["T-1", "T-2"]);
    expect((await board.audit()).map((e) => `${e.seq} ${e.type} ${e.taskId}`)).toEqual(["1 CREATED T-1", "2 CREATED T-2"]);
    expect(readFileSync(boardPaths(path).audit, "utf8").endsWith(line)).toBe(true);
    expect(readJson(boardPaths(path).counters)).toEqual({ counters: { T: 2 } });
    expect(readFileSync(`${path}.bak`, "utf8")).toBe(before);
    expect(existsSync(boardPaths(path).tasksTemp("c0ffee"))).toBe(false);
    // Finishing is idempotent: the next transactions do not append the lines again.
    expect((await board.add({ title: "three" })).id).toBe("T-3");
    expect((await board.audit()).map((e) => e.seq)).toEqual([1, 2, 3]);
  });

  it("a pending commit is dropped whole when tasks.json was rewritten by hand before it was finished", async () => {
    const { path } = await crashedAfterCommitPoint();
    const rows = readJson(path) as Row[];
    (rows[0] as Row).description = "edited by a person who removed the lock by hand";
    writeFileSync(path, JSON.stringify(rows, null, 2));
    const handVersion = readFileSync(path, "utf8");
    const board = await open(path);
    expect((await board.list()).map((t) => [t.id, t.description])).toEqual([
      ["T-1", "edited by a person who removed the lock by hand"],
    ]);
    expect((await board.audit()).map((e) => e.taskId)).toEqual(["T-1"]);
    expect(readJson(boardPaths(path).counters)).toEqual({ counters: { T: 1 } });
    expect(readFileSync(path, "utf8")).toBe(handVersion);
    expect(existsSync(boardPaths(path).tasksTemp("c0ffee"))).toBe(false);
  });

  it("a torn audit append (half a line) is cut and the pending lines written whole", async () => {
    const { path, line } = await crashedAfterCommitPoint();
    appendFileSync(boardPaths(path).audit, line.slice(0, 20));
    const board = await open(path);
    expect((await board.audit()).map((e) => e.taskId)).toEqual(["T-1", "T-2"]);
    expect(readFileSync(boardPaths(path).audit, "utf8").split("\n").filter(Boolean)).toHaveLength(2);
  });
});
