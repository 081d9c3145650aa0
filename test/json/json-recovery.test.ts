/**
 * The commit journal (commit.ts), driven deterministically: a writer "killed" right after its
 * commit point — the sidecar's last journal line names the pending work, nothing else is done —
 * is finished by the next lock holder; if tasks.json was rewritten meanwhile the pending commit
 * is dropped whole; a torn audit append is cut and written again; a torn journal line is no
 * commit at all. A board whose sidecar is only the snapshot (tasks.baton.json, as written
 * before the journal existed) is finished the same way.
 */
import { appendFileSync, existsSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { basename, join } from "node:path";
import { describe, expect, it } from "vitest";
import { eventLine } from "../../src/store/json/audit-file.js";
import { identityOf } from "../../src/store/json/commit.js";
import { boardPaths } from "../../src/store/json/paths.js";
import { metaText } from "../../src/store/json/sidecar-files.js";
import { SidecarJournal } from "../../src/store/json/sidecar-journal.js";
import { Board } from "../../src/board.js";
import { openJsonStore } from "../../src/store/json/json-store.js";
import { freshDir, open, readJson } from "./json-boards.js";
import type { Row } from "./json-boards.js";

/**
 * A board with T-1, and a commit adding T-2 stopped right after its commit point: its line
 * appended to the journal, or (`snapshot`) written into a snapshot with no journal beside it.
 */
async function crashedAfterCommitPoint(
  sidecar: "journal" | "snapshot" = "journal",
): Promise<{ path: string; before: string; line: string }> {
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
  const journal = new SidecarJournal(paths, false);
  const read = journal.read();
  const meta = read.meta;
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
  const crashed = {
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
  };
  if (sidecar === "journal") {
    journal.append(crashed, read);
  } else {
    rmSync(paths.journal);
    writeFileSync(paths.meta, metaText(crashed));
  }
  return { path, before, line };
}

describe("json store: finishing a crashed commit", () => {
  it.each(["journal", "snapshot"] as const)(
    "a commit stopped after its commit point (in the %s) is finished by the next transaction: tasks, audit, counters, backup",
    async (sidecar) => {
      const { path, before, line } = await crashedAfterCommitPoint(sidecar);
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
    },
  );

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
    // The dropped commit's event seq is free again: the trail stays 1, 2, 3…
    await board.add({ title: "after" });
    expect((await board.audit()).map((e) => e.seq)).toEqual([1, 2]);
  });

  it("a torn audit append (half a line) is cut and the pending lines written whole", async () => {
    const { path, line } = await crashedAfterCommitPoint();
    appendFileSync(boardPaths(path).audit, line.slice(0, 20));
    const board = await open(path);
    expect((await board.audit()).map((e) => e.taskId)).toEqual(["T-1", "T-2"]);
    expect(readFileSync(boardPaths(path).audit, "utf8").split("\n").filter(Boolean)).toHaveLength(2);
  });

  it("a torn journal line (its writer killed mid-append, before its commit point) is no commit, and the next writer cuts it", async () => {
    const path = join(freshDir(), "tasks.json");
    const board = await open(path);
    await board.add({ title: "one" });
    const paths = boardPaths(path);
    const whole = readFileSync(paths.journal, "utf8");
    appendFileSync(paths.journal, '{"lease_token":99,"audit_seq":7,"agents":{},"pend');
    expect((await board.list()).map((t) => t.id)).toEqual(["T-1"]);
    expect((await board.add({ title: "two" })).id).toBe("T-2");
    expect((await board.audit()).map((e) => e.seq)).toEqual([1, 2]);
    const lines = readFileSync(paths.journal, "utf8");
    expect(lines.startsWith(whole)).toBe(true);
    expect(lines.slice(whole.length).split("\n")).toHaveLength(2); // one whole line, then ""
    expect(JSON.parse(lines.slice(whole.length))).toMatchObject({ audit_seq: 2 });
  });

  it("a whole journal line that does not parse is CORRUPT_STORE naming the journal, and nothing is written", async () => {
    const path = join(freshDir(), "tasks.json");
    const board = await open(path);
    await board.add({ title: "one" });
    const paths = boardPaths(path);
    appendFileSync(paths.journal, "not json\n");
    const files = [path, paths.journal, paths.audit].map((f) => readFileSync(f, "utf8"));
    await expect(board.add({ title: "two" })).rejects.toMatchObject({
      code: "CORRUPT_STORE",
      message: expect.stringContaining(`${paths.journal} (the line ending at byte`),
    });
    expect([path, paths.journal, paths.audit].map((f) => readFileSync(f, "utf8"))).toEqual(files);
  });

  it("past 1 MiB the journal is emptied into the snapshot, and the board reads on from it", async () => {
    const path = join(freshDir(), "tasks.json");
    const board = await open(path);
    const paths = boardPaths(path);
    // One add of 2,000 tasks journals their 2,000 audit lines (~600 B each) in one line.
    await board.addMany(Array.from({ length: 2_000 }, (_, i) => ({ title: `t${i}` })));
    expect(statSync(paths.journal).size).toBe(0);
    expect(readJson(paths.meta)).toMatchObject({ audit_seq: 2_000, pending: null });
    const claim = await board.claim({ agent: "A" });
    expect(claim.leaseToken).toBe(1);
    expect(JSON.parse(readFileSync(paths.journal, "utf8"))).toMatchObject({ audit_seq: 2_001, lease_token: 1 });
    expect((await board.audit({ recent: 1 }))[0]).toMatchObject({ seq: 2_001, type: "CLAIMED" });
  });

  it("a commit refused with CONFLICT (tasks.json rewritten without the lock mid-transaction) leaves no audit line behind, then or later", async () => {
    const path = join(freshDir(), "tasks.json");
    const store = await openJsonStore(path);
    const board = new Board(store);
    try {
      const one = await board.add({ title: "one" });
      const refused = store.transaction(async (tx) => {
        const task = (await tx.getTask(one.id)) as NonNullable<Awaited<ReturnType<typeof tx.getTask>>>;
        // A program ignoring the lock rewrites the file while baton holds it.
        writeFileSync(path, readFileSync(path, "utf8").replace('"description": ""', '"description": "by hand"'));
        await tx.updateTask({ ...task, title: "changed" }, task);
        await tx.appendEvent({ at: task.updatedAt, type: "UPDATED", taskId: task.id, agentId: null, from: null, to: null, details: "", data: { title: "changed" } });
      });
      await expect(refused).rejects.toMatchObject({ code: "CONFLICT" });
      expect(await board.get(one.id)).toMatchObject({ title: "one", description: "by hand" });
      await board.add({ title: "two" });
      expect((await board.audit()).map((e) => `${e.seq} ${e.type} ${e.taskId}`)).toEqual(["1 CREATED T-1", "2 CREATED T-2"]);
    } finally {
      await board.close();
    }
  });
});
