/**
 * Where the CLI finds its board and who it acts as: discovery upwards like git, --store and
 * BATON_STORE, --agent and BATON_AGENT, the board policy in .baton/config.json; plus the
 * output contracts scripts rely on (reserve's line, claim's exit 5, batch claims, watch).
 */
import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { buildProgram, VERB_GROUPS } from "../../src/cli/program.js";
import { CLI, baton, batonJson, freshBoardDir, jsonError, snapshot } from "./cli.js";

describe("finding the board", () => {
  test("a subdirectory uses the nearest .baton/ above it", () => {
    const root = freshBoardDir();
    const deep = join(root, "src", "deeper", "still");
    mkdirSync(deep, { recursive: true });
    const added = batonJson(["add", "from below"], { cwd: deep });
    expect(added.id).toBe("T-1");
    expect(batonJson(["list"], { cwd: root }).map((t: { id: string }) => t.id)).toEqual(["T-1"]);
  });

  test("--store beats BATON_STORE, which beats the .baton/ found upwards", () => {
    const local = freshBoardDir();
    const viaEnv = freshBoardDir();
    const viaFlag = freshBoardDir();
    const envStore = `sqlite:${join(viaEnv, ".baton", "board.db")}`;
    const flagStore = `sqlite:${join(viaFlag, ".baton", "board.db")}`;
    batonJson(["add", "local"], { cwd: local });
    batonJson(["add", "env"], { cwd: local, env: { BATON_STORE: envStore } });
    batonJson(["add", "flag", "--store", flagStore], { cwd: local, env: { BATON_STORE: envStore } });
    batonJson(["--store", flagStore, "add", "flag before the verb"], { cwd: local });
    const titles = (cwd: string) => batonJson(["list"], { cwd }).map((t: { title: string }) => t.title);
    expect(titles(local)).toEqual(["local"]);
    expect(titles(viaEnv)).toEqual(["env"]);
    expect(titles(viaFlag)).toEqual(["flag", "flag before the verb"]);
  });

  test("--store naming a board that does not exist: exit 3, and nothing is created", () => {
    const dir = mkdtempSync(join(tmpdir(), "baton-cli-"));
    const missing = join(dir, "nope.db");
    const result = baton(["list", "--store", `sqlite:${missing}`], { cwd: dir });
    expect(result.code).toBe(3);
    expect(result.stderr).toContain(`no board at ${missing}; run \`baton init\``);
    expect(existsSync(missing)).toBe(false);
  });

  test("`baton init --store json:tasks.json` records the store, relative to the board's directory", () => {
    const root = mkdtempSync(join(tmpdir(), "baton-cli-"));
    const init = batonJson(["init", "--store", "json:tasks.json"], { cwd: root });
    expect(init.store).toBe(`json:${join(root, "tasks.json")}`);
    expect(JSON.parse(readFileSync(join(root, ".baton", "config.json"), "utf8"))).toEqual({ store: "json:tasks.json" });
    mkdirSync(join(root, "sub"));
    batonJson(["add", "kept in tasks.json"], { cwd: join(root, "sub") });
    const file = JSON.parse(readFileSync(join(root, "tasks.json"), "utf8")) as { id: string }[];
    expect(file.map((t) => t.id)).toEqual(["T-1"]);
  });

  test("the board policy in .baton/config.json applies to every call", () => {
    const root = freshBoardDir(["--lease", "90s", "--max-attempts", "5", "--prefix", "SEC"]);
    expect(JSON.parse(readFileSync(join(root, ".baton", "config.json"), "utf8"))).toEqual({
      leaseSeconds: 90,
      maxAttempts: 5,
      defaultPrefix: "SEC",
    });
    const added = batonJson(["add", "policy"], { cwd: root });
    expect(added.id).toBe("SEC-1");
    expect(added.max_attempts).toBe(5);
    const claimed = batonJson(["claim", "--agent", "a1"], { cwd: root });
    expect(Date.parse(claimed.lease_expires_at) - Date.parse(claimed.updated_at)).toBe(90_000);
  });

  test("a broken config.json is reported with its path and exit 2", () => {
    const root = freshBoardDir();
    writeFileSync(join(root, ".baton", "config.json"), '{"leaseSecs": 5}');
    const result = baton(["list"], { cwd: root });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(join(root, ".baton", "config.json"));
    expect(result.stderr).toMatch(/unknown field leaseSecs/);
  });
});

describe("who the CLI acts as", () => {
  test("BATON_AGENT names the claimer; --agent overrides it", () => {
    const cwd = freshBoardDir();
    batonJson(["add", "one"], { cwd });
    batonJson(["add", "two"], { cwd });
    expect(batonJson(["claim"], { cwd, env: { BATON_AGENT: "from-env" } }).assigned_to).toBe("from-env");
    expect(batonJson(["claim", "--agent", "from-flag"], { cwd, env: { BATON_AGENT: "from-env" } }).assigned_to).toBe("from-flag");
    // Without a token, the holder is recognised by its agent id.
    expect(batonJson(["done", "T-1"], { cwd, env: { BATON_AGENT: "from-env" } }).status).toBe("completed");
    expect(batonJson(["list", "--agent", "from-flag"], { cwd, env: { BATON_AGENT: "from-env" } }).map((t: { id: string }) => t.id)).toEqual(["T-2"]);
    const audit = batonJson(["audit", "--agent", "from-env", "--type", "COMPLETED"], { cwd });
    expect(audit.map((e: { task_id: string }) => e.task_id)).toEqual(["T-1"]);
  });
});

describe("output contracts", () => {
  test('reserve prints exactly {"ids":[…],"reservedAt":"…"}, with or without --json', () => {
    const cwd = freshBoardDir();
    const plain = baton(["reserve", "SEC", "2"], { cwd });
    expect(plain.code).toBe(0);
    expect(plain.stdout).toMatch(/^\{"ids":\["SEC-1","SEC-2"\],"reservedAt":"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z"\}\n$/);
    const json = baton(["reserve", "SEC", "--json"], { cwd });
    expect(json.stdout).toMatch(/^\{"ids":\["SEC-3"\],"reservedAt":"[^"]+"\}\n$/);
    expect(batonJson(["counters"], { cwd })).toEqual({ SEC: 3 });
  });

  test("a claimed task is one JSON object with the SPEC §1 fields in snake_case", () => {
    const cwd = freshBoardDir();
    batonJson(["add", "shape", "--needs", "technical", "--priority", "high"], { cwd });
    const task = batonJson(["claim", "--agent", "a1", "--needs", "technical,content"], { cwd });
    expect(Object.keys(task)).toEqual([
      "id", "title", "description", "metadata", "result", "status", "priority", "needs", "depends_on",
      "assigned_to", "lease_token", "lease_expires_at", "attempts", "max_attempts", "next_attempt_at",
      "last_error", "created_at", "updated_at", "created_by", "version",
    ]);
    expect(task).toMatchObject({ id: "T-1", status: "in_progress", assigned_to: "a1", needs: ["technical"] });
    // A fencing token is the seq of the claim's own audit event: after T-1's CREATED (1), 2.
    expect(task.lease_token).toBe(2);
  });

  test("claim exits 5 when nothing is ready, and says why", () => {
    const cwd = freshBoardDir();
    batonJson(["add", "first"], { cwd });
    batonJson(["add", "second", "--after", "T-1"], { cwd });
    batonJson(["claim", "--agent", "a1"], { cwd });
    const result = baton(["claim", "--agent", "a2", "--json"], { cwd });
    expect(result.code).toBe(5);
    expect(result.stdout).toBe("");
    const error = jsonError(result);
    expect(error.code).toBe("NOTHING_READY");
    expect(error.message).toMatch(/1 pending \(blocked by dependencies.*1 in progress/);
  });

  test("a batch claim (several --id) takes all or none: one unready id, exit 4, nothing claimed", () => {
    const cwd = freshBoardDir();
    batonJson(["add", "a"], { cwd });
    batonJson(["add", "b"], { cwd });
    batonJson(["add", "c", "--after", "T-1"], { cwd });
    const before = snapshot(cwd);
    const refused = baton(["claim", "--agent", "a1", "--id", "T-1", "--id", "T-3", "--json"], { cwd });
    expect(refused.code).toBe(4);
    const waiting = "T-3 is not ready: waiting for T-1 (pending)";
    expect(JSON.parse(refused.stderr)).toEqual({
      error: { code: "NOT_READY", message: waiting },
      assigned: [],
      failed: [{ id: "T-3", code: "NOT_READY", reason: waiting }],
    });
    // Every blocker is named, not only the first (seed 000's atomic_batch_assign result).
    expect(snapshot(cwd)).toEqual(before);
    batonJson(["claim", "--agent", "x", "--id", "T-2"], { cwd });
    const held = snapshot(cwd);
    const several = baton(["claim", "--agent", "a1", "--id", "T-2", "--id", "T-9", "--id", "T-3", "--json"], { cwd });
    expect(several.code).toBe(4);
    const notFound = "task T-9 not found (see `baton list` for the tasks on this board)";
    expect(JSON.parse(several.stderr)).toEqual({
      error: {
        code: "CONFLICT",
        message: `claimed none of T-2, T-9, T-3 (all or nothing): T-2 is already held by x; ${notFound}; ${waiting}`,
      },
      assigned: [],
      failed: [
        { id: "T-2", code: "CONFLICT", reason: "T-2 is already held by x" },
        { id: "T-9", code: "NOT_FOUND", reason: notFound },
        { id: "T-3", code: "NOT_READY", reason: waiting },
      ],
    });
    const human = baton(["claim", "--agent", "a1", "--id", "T-2", "--id", "T-9", "--id", "T-3"], { cwd });
    expect(human.stderr).toBe(`baton: claimed none of T-2, T-9, T-3 (all or nothing): T-2 is already held by x; ${notFound}; ${waiting}\n`);
    expect(snapshot(cwd)).toEqual(held);
    batonJson(["release", "T-2", "--agent", "x"], { cwd });
    const both = batonJson(["claim", "--agent", "a1", "--id", "T-1", "--id", "T-2"], { cwd });
    // One token each, rising: the seqs of the two CLAIMED events after the three CREATED and
    // x's CLAIMED and RELEASED.
    expect(both.map((t: { id: string; lease_token: number }) => [t.id, t.lease_token])).toEqual([["T-1", 6], ["T-2", 7]]);
  });

  test("counters init raises counters above the ids in a TASKS.md", () => {
    const cwd = freshBoardDir();
    writeFileSync(join(cwd, "TASKS.md"), "| SEC-20 | old |\n- DOC-4 notes\n");
    expect(batonJson(["counters", "init", "--from", "TASKS.md"], { cwd })).toEqual({ DOC: 4, SEC: 20 });
    expect(baton(["reserve", "SEC"], { cwd }).stdout).toMatch(/^\{"ids":\["SEC-21"\]/);
  });

  test("watch --json prints each event as one JSON line as it happens", async () => {
    const cwd = freshBoardDir();
    batonJson(["add", "before watching"], { cwd });
    const watcher = spawn(process.execPath, [CLI, "watch", "--json", "--after", "0", "--poll", "50ms"], { cwd, env: { ...process.env, NO_COLOR: "1" } });
    const lines: Record<string, unknown>[] = [];
    const waiters: (() => void)[] = [];
    let buffer = "";
    watcher.stdout.on("data", (chunk: Buffer) => {
      buffer += chunk.toString();
      const parts = buffer.split("\n");
      buffer = parts.pop() as string;
      for (const part of parts) lines.push(JSON.parse(part) as Record<string, unknown>);
      for (const wake of waiters.splice(0)) wake();
    });
    const seen = async (n: number): Promise<void> => {
      while (lines.length < n) await new Promise<void>((resolve) => waiters.push(resolve));
    };
    await seen(1);
    batonJson(["claim", "--agent", "a1"], { cwd });
    batonJson(["done", "T-1", "--agent", "a1"], { cwd });
    await seen(3);
    const exit = new Promise<number | null>((resolve) => watcher.on("close", resolve));
    watcher.kill("SIGINT");
    expect(await exit).toBe(0);
    expect(lines.map((e) => [e.seq, e.type, e.task_id])).toEqual([[1, "CREATED", "T-1"], [2, "CLAIMED", "T-1"], [3, "COMPLETED", "T-1"]]);
  });

  test("--help and --version exit 0; no verb at all is a usage error (exit 2)", () => {
    const cwd = mkdtempSync(join(tmpdir(), "baton-cli-"));
    const help = baton(["--help"], { cwd });
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/claim \[options\]/);
    expect(baton(["claim", "--help"], { cwd }).stdout).toMatch(/--lease <duration>/);
    expect(baton(["--version"], { cwd }).stdout).toBe(`${JSON.parse(readFileSync("package.json", "utf8")).version}\n`);
    const bare = baton([], { cwd });
    expect(bare.code).toBe(2);
    expect(bare.stderr).toMatch(/baton --help/);
  });

  test("the verb table that speeds up start-up lists every verb exactly once", async () => {
    const declared = (await buildProgram()).commands.map((c) => c.name()).sort();
    const grouped = VERB_GROUPS.flatMap((g) => g.verbs).sort();
    expect(grouped).toEqual(declared);
    expect(declared).toEqual(
      [
        "add", "agent", "agents", "assign", "audit", "backup", "balance", "cancel", "claim", "counters", "demo", "deps", "done", "export", "import", "inbox", "replay",
        "fail", "heal", "health", "heartbeat", "init", "list", "lock", "mcp", "monitor", "next", "note", "pipeline", "ready", "release",
        "report", "reserve", "restore", "revive", "serve", "show", "update", "watch", "webhook",
      ].sort(),
    );
  });

  test("a verb loads only its own group, and that group declares exactly its verbs; --version loads none", async () => {
    for (const group of VERB_GROUPS) {
      for (const verb of group.verbs) {
        const declared = (await buildProgram(verb)).commands.map((c) => c.name()).sort();
        expect(declared).toEqual([...group.verbs].sort());
      }
    }
    expect((await buildProgram(null)).commands).toEqual([]);
  });
});

describe("a repeated done (a network retry)", () => {
  test("the holder's second `done` with the same token: exit 0, \"already completed by you\", nothing changed", () => {
    const cwd = freshBoardDir();
    batonJson(["add", "once"], { cwd });
    const token = batonJson(["claim", "--agent", "a1"], { cwd }).lease_token as number;
    expect(baton(["done", "T-1", "--token", String(token), "--result", "r"], { cwd }).code).toBe(0);
    const before = snapshot(cwd);
    const again = baton(["done", "T-1", "--token", String(token), "--result", "r"], { cwd });
    expect(again).toEqual({ code: 0, stdout: `T-1 was already completed by you (token ${token}); nothing changed\n`, stderr: "" });
    const json = batonJson(["done", "T-1", "--token", String(token)], { cwd });
    expect([json.id, json.status, json.result]).toEqual(["T-1", "completed", "r"]);
    expect(snapshot(cwd)).toEqual(before);
    const stale = baton(["done", "T-1", "--token", String(token + 1)], { cwd });
    expect(stale.code).toBe(4);
  });
});
