/**
 * Seed 003's inbox (`baton inbox process`): an id must be reserved (≤ its prefix's counter)
 * and unused; accepted tasks are added and leave the inbox in one step; rejected ones stay
 * with their reason, also while 8 processes append to the inbox under its lock. And the board
 * policy requireReservedIds holds `add --id` to the same rule.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, test } from "vitest";
import { openBoard } from "../src/index.js";
import { batonAsync } from "./cli/cli.js";
import { refusal } from "./conformance/harness.js";
import { spawnWorker } from "./support/processes.js";
import type { Board } from "../src/index.js";

const root = mkdtempSync(join(tmpdir(), "baton-inbox-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

async function fresh(policy = {}): Promise<{ board: Board; dir: string; url: string }> {
  const dir = mkdtempSync(join(root, "b-"));
  const url = `sqlite:${join(dir, "board.db")}`;
  return { board: await openBoard(url, { policy }), dir, url };
}

const inboxOf = (path: string) => (JSON.parse(readFileSync(path, "utf8")) as { tasks: Record<string, unknown>[] }).tasks;

describe("inbox process", () => {
  test("in-range ids are added and leave the inbox; out-of-range, already used and malformed ones stay with their reason", async () => {
    const { board, dir } = await fresh();
    await board.reserve("SEC", 22);
    await board.add({ id: "SEC-5", title: "taken" });
    const path = join(dir, "inbox.json");
    writeFileSync(
      path,
      JSON.stringify({
        tasks: [
          { id: "SEC-20", title: "Fix auth bug", priority: "High", source: "review:security-sentinel", files: ["src/auth.ts"] },
          { id: "SEC-25", title: "Out of range" },
          { id: "SEC-5", title: "Already used" },
          { id: "SEC-21", title: "" },
          "not an object",
          { id: "SEC-22", title: "Depends on SEC-20", dependsOn: ["SEC-20"] },
        ],
      }),
    );
    const outcome = await board.processInbox(path, { agent: "inbox-bot" });
    expect(outcome.accepted).toEqual(["SEC-20", "SEC-22"]);
    const reasons = [
      "Invalid task ID SEC-25: counter at SEC-22. Run: baton reserve SEC to reserve IDs first.",
      "Task ID SEC-5 is already used. Run: baton reserve SEC for a new ID.",
      "entry #4: a task needs a non-empty title",
      'entry #5: an inbox entry is an object like {"id":"SEC-20","title":"…"}, not "not an object"',
    ];
    expect(outcome.rejected.map((r) => r.reason)).toEqual(reasons);
    expect(inboxOf(path)).toEqual([
      { id: "SEC-25", title: "Out of range", rejected: reasons[0] },
      { id: "SEC-5", title: "Already used", rejected: reasons[1] },
      { id: "SEC-21", title: "", rejected: reasons[2] },
      { entry: "not an object", rejected: reasons[3] },
    ]);
    const added = await board.get("SEC-20");
    expect(added).toMatchObject({ title: "Fix auth bug", priority: "high", createdBy: "inbox-bot", metadata: { source: "review:security-sentinel", files: ["src/auth.ts"] } });
    expect((await board.get("SEC-22")).dependsOn).toEqual(["SEC-20"]);
    expect(await board.counters()).toEqual({ SEC: 22 });
    // Processing again adds nothing and keeps the rejected entries; once reserved, SEC-25 goes in.
    expect((await board.processInbox(path)).accepted).toEqual([]);
    await board.reserve("SEC", 3);
    expect((await board.processInbox(path)).accepted).toEqual(["SEC-25"]);
    expect(inboxOf(path).map((e) => e.id ?? e.entry)).toEqual(["SEC-5", "SEC-21", "not an object"]);
    await board.close();
  });

  test("a missing inbox is empty; a broken one is refused and left as it is", async () => {
    const { board, dir } = await fresh();
    expect(await board.processInbox(join(dir, "none.json"))).toEqual({ accepted: [], rejected: [] });
    const path = join(dir, "inbox.json");
    writeFileSync(path, '{"tasks": {');
    const error = await refusal(board.processInbox(path));
    expect(error.code).toBe("INVALID_INPUT");
    expect(error.message).toContain("is not valid JSON");
    expect(readFileSync(path, "utf8")).toBe('{"tasks": {');
    await board.close();
  });

  test("8 processes appending while `baton inbox process` runs: every accepted task exactly once, every rejected one left with its reason", async () => {
    const { board, dir, url } = await fresh();
    await board.reserve("SEC", 100);
    await board.add({ id: "SEC-99", title: "taken" });
    const path = join(dir, "inbox.json");
    const appenders = 8;
    const batchesOf = (i: number): unknown[][] => {
      const valid = Array.from({ length: 8 }, (_, k) => ({ id: `SEC-${i * 10 + k + 1}`, title: `task ${i}.${k}` }));
      const bad = [{ id: `SEC-${200 + i}`, title: "out of range" }, { id: "SEC-99", title: `used ${i}` }, { id: `SEC-${i * 10 + 9}` }, { id: "bad id!", title: "x" }];
      const all = [...valid, ...bad];
      return Array.from({ length: 6 }, (_, b) => all.slice(b * 2, b * 2 + 2));
    };
    const workers = Array.from({ length: appenders }, (_, i) => spawnWorker("inbox-appender", { path, batches: batchesOf(i) }));
    await Promise.all(workers.map((w) => w.ready));
    for (const w of workers) w.go();
    let running = true;
    const exits = Promise.all(workers.map((w) => w.exited)).finally(() => (running = false));
    const processed: string[] = [];
    const processOnce = async (): Promise<void> => {
      const run = await batonAsync(["inbox", "process", path, "--store", url, "--json"], { cwd: dir });
      expect(run.stderr).toBe("");
      expect(run.code).toBe(0);
      processed.push(...(JSON.parse(run.stdout) as { accepted: string[] }).accepted);
    };
    while (running) await processOnce();
    for (const exit of await exits) expect(exit.code, exit.stderr).toBe(0);
    await processOnce();

    const validIds = Array.from({ length: appenders }, (_, i) => Array.from({ length: 8 }, (_, k) => `SEC-${i * 10 + k + 1}`)).flat();
    expect([...processed].sort()).toEqual([...validIds].sort());
    expect((await board.list()).map((t) => t.id).sort()).toEqual([...validIds, "SEC-99"].sort());
    const created = (await board.audit({ type: "CREATED" })).map((e) => e.taskId);
    expect(created.filter((id) => id !== "SEC-99").sort()).toEqual([...validIds].sort());
    const left = inboxOf(path);
    expect(left).toHaveLength(appenders * 4);
    const kinds = left.map((e) => String(e.rejected).replace(/SEC-\d+/g, "SEC-n").replace(/#\d+/, "#n"));
    expect(kinds.filter((k) => k.startsWith("Invalid task ID SEC-n: counter at SEC-n."))).toHaveLength(appenders);
    expect(kinds.filter((k) => k.startsWith("Task ID SEC-n is already used."))).toHaveLength(appenders);
    expect(kinds.filter((k) => k === "entry #n: a task needs a non-empty title")).toHaveLength(appenders);
    expect(kinds.filter((k) => k.startsWith('entry #n: invalid task id "bad id!"'))).toHaveLength(appenders);
    expect((await board.replay()).differences).toEqual([]);
    await board.close();
  }, 120_000);
});

describe("requireReservedIds", () => {
  test("add --id takes only reserved ids, with the inbox's message; without the policy any id goes", async () => {
    const { board } = await fresh({ requireReservedIds: true });
    await board.reserve("SEC", 22);
    expect((await board.add({ id: "SEC-21", title: "reserved" })).id).toBe("SEC-21");
    const error = await refusal(board.add({ id: "SEC-25", title: "not reserved" }));
    expect(error.code).toBe("INVALID_INPUT");
    expect(error.message).toBe(
      "Invalid task ID SEC-25: counter at SEC-22. Run: baton reserve SEC to reserve IDs first. (this board requires reserved ids: requireReservedIds)",
    );
    expect((await refusal(board.add({ id: "UX-1", title: "never reserved" }))).message).toContain("counter at UX-0");
    // Minted ids are reserved by construction.
    expect((await board.add({ title: "minted", prefix: "SEC" })).id).toBe("SEC-23");
    expect(await board.counters()).toEqual({ SEC: 23 });
    await board.close();
    const open = await fresh();
    expect((await open.board.add({ id: "SEC-25", title: "any id" })).id).toBe("SEC-25");
    await open.board.close();
  });
});
