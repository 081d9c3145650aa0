/**
 * `baton webhook …` as a real process: add, list, deliver, log, redeliver, remove against a
 * loopback receiver, and bad input — each refused with its documented exit code and a message
 * naming the problem, with the board's webhooks exactly as before and the secret never shown.
 */
import { spawn } from "node:child_process";
import { chmodSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { openBoard } from "../../src/index.js";
import { Webhooks } from "../../src/webhooks/webhooks.js";
import { baton, batonAsync, batonJson, CLI, freshBoardDir, jsonError } from "../cli/cli.js";
import { startReceiver, TEST_SECRET } from "./receiver.js";
import type { Receiver } from "./receiver.js";

let cwd: string;
let secretFile: string;
let receiver: Receiver;
beforeEach(async () => {
  cwd = freshBoardDir();
  secretFile = join(cwd, "webhook.secret");
  writeFileSync(secretFile, `${TEST_SECRET}\n`);
  receiver = await startReceiver(TEST_SECRET);
});
afterEach(() => receiver.close());

/** Runs `fn` on the board of `cwd` through the library (faster than a CLI process per step). */
async function onBoard<T>(fn: (webhooks: Webhooks, board: Awaited<ReturnType<typeof openBoard>>) => Promise<T>): Promise<T> {
  const board = await openBoard(`sqlite:${join(cwd, ".baton", "board.db")}`, { create: false });
  try {
    return await fn(new Webhooks(board.store), board);
  } finally {
    await board.close();
  }
}

/** Everything stored about webhooks: the hooks (secret included) and the whole log. */
function webhookState(): Promise<unknown> {
  return onBoard(async (webhooks) => ({ hooks: await webhooks.list(), log: await webhooks.log() }));
}

describe("baton webhook", () => {
  it("add, deliver --once, log, redeliver and remove; the secret is never printed", async () => {
    batonJson(["add", "before the hook"], { cwd });
    const hook = batonJson(["webhook", "add", receiver.url, "--events", "CREATED,FAILED", "--secret-file", secretFile], { cwd });
    expect(hook).toMatchObject({ id: 1, url: receiver.url, events: ["CREATED", "FAILED"], cursor: 1, attempts: 0 });
    batonJson(["add", "after the hook"], { cwd });
    // Asynchronous: the receiver runs in this process and must answer while the CLI waits.
    const deliver = await batonAsync(["webhook", "deliver", "--once"], { cwd });
    expect(deliver.stderr).toBe("");
    expect(deliver.code).toBe(0);
    expect(deliver.stdout).toMatch(/^webhook 1 event 2 CREATED attempt 1: delivered \(204, \d+ ms\)\n1 delivered, 0 failed, 0 left to others or backing off\n$/);
    expect(receiver.received.map((r) => [r.id, r.verified])).toEqual([["2", true]]);
    const again = await batonAsync(["webhook", "redeliver", "1", "--seq", "2", "--json"], { cwd });
    expect(again.code).toBe(0);
    expect(JSON.parse(again.stdout)).toMatchObject({ webhook_id: 1, seq: 2, outcome: "delivered", redelivery: true });
    expect(receiver.received.map((r) => r.id)).toEqual(["2", "2"]);
    const log = batonJson<{ seq: number; outcome: string; redelivery: boolean }[]>(["webhook", "log", "1"], { cwd });
    expect(log.map((l) => [l.seq, l.outcome, l.redelivery])).toEqual([
      [2, "delivered", false],
      [2, "delivered", true],
    ]);
    const everything = [
      baton(["webhook", "list"], { cwd }),
      baton(["webhook", "list", "--json"], { cwd }),
      baton(["webhook", "log"], { cwd }),
    ];
    for (const out of everything) expect(out.stdout + out.stderr).not.toContain(TEST_SECRET.slice(6, 20));
    expect(batonJson(["webhook", "remove", "1"], { cwd })).toEqual({ id: 1, removed: true });
    expect(batonJson(["webhook", "list"], { cwd })).toEqual([]);
  });

  it("deliver keeps delivering until SIGTERM, then exits 0 with every attempt recorded", async () => {
    batonJson(["webhook", "add", receiver.url, "--events", "CREATED", "--secret-file", secretFile], { cwd });
    batonJson(["add", "first"], { cwd });
    const child = spawn(process.execPath, [CLI, "webhook", "deliver", "--interval", "100ms"], { cwd, env: { ...process.env, NO_COLOR: "1" } });
    let stdout = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
    const exited = new Promise<number | null>((resolve) => child.on("close", (code) => resolve(code)));
    await receiver.requests(1);
    await batonAsync(["add", "second"], { cwd });
    await receiver.requests(2);
    while (!/event 2 CREATED attempt 1: delivered/.test(stdout)) await new Promise((resolve) => setTimeout(resolve, 20));
    child.kill("SIGTERM");
    expect(await exited).toBe(0);
    expect(receiver.acceptedIds()).toEqual(["1", "2"]);
    const log = await onBoard((webhooks) => webhooks.log());
    expect(log.map((l) => [l.seq, l.outcome])).toEqual([
      [1, "delivered"],
      [2, "delivered"],
    ]);
    expect((await onBoard((webhooks) => webhooks.get(1))).leaseHolder).toBeNull();
  });

  it("a redelivery the receiver refuses exits 1 naming the failure, and is logged", async () => {
    batonJson(["webhook", "add", receiver.url, "--events", "CREATED", "--secret-file", secretFile], { cwd });
    batonJson(["add", "t"], { cwd });
    receiver.behave(() => "down");
    const result = await batonAsync(["webhook", "redeliver", "1", "--seq", "1", "--json"], { cwd });
    expect(result.code).toBe(1);
    expect(jsonError(result).message).toMatch(/^redelivery of event 1 to webhook 1 failed: cannot reach 127\.0\.0\.1:\d+: .*; see `baton webhook log 1`$/);
    expect(batonJson<{ outcome: string }[]>(["webhook", "log"], { cwd }).map((l) => l.outcome)).toEqual(["failed"]);
  });

  describe("bad input: documented exit code, message naming the problem, nothing changed", () => {
    const unreadable = (): string => {
      const path = join(cwd, "locked.secret");
      writeFileSync(path, TEST_SECRET);
      chmodSync(path, 0o000);
      return path;
    };
    const cases: { name: string; args: () => string[]; exit: number; code: string; message: RegExp }[] = [
      { name: "a URL that is not one", args: () => ["add", "not a url", "--events", "FAILED", "--secret-file", secretFile], exit: 2, code: "INVALID_INPUT", message: /"not a url" is not a URL/ },
      { name: "a URL that is not http(s)", args: () => ["add", "ftp://example.com/x", "--events", "FAILED", "--secret-file", secretFile], exit: 2, code: "INVALID_INPUT", message: /must start with http:\/\/ or https:\/\/, not ftp:/ },
      { name: "a URL with a password", args: () => ["add", "https://u:p@example.com/x", "--events", "FAILED", "--secret-file", secretFile], exit: 2, code: "INVALID_INPUT", message: /must not carry a user name or password/ },
      { name: "an unknown event type", args: () => ["add", "https://example.com/x", "--events", "FAILED,EXPLODED", "--secret-file", secretFile], exit: 2, code: "INVALID_INPUT", message: /unknown event type EXPLODED; the types are CREATED, / },
      { name: "no event types", args: () => ["add", "https://example.com/x", "--events", ",", "--secret-file", secretFile], exit: 2, code: "INVALID_INPUT", message: /say which events to deliver/ },
      { name: "a missing secret file", args: () => ["add", "https://example.com/x", "--events", "FAILED", "--secret-file", join(cwd, "nope")], exit: 2, code: "INVALID_INPUT", message: /cannot read --secret-file .*nope: ENOENT/ },
      { name: "a secret file that is a directory", args: () => ["add", "https://example.com/x", "--events", "FAILED", "--secret-file", cwd], exit: 2, code: "INVALID_INPUT", message: /cannot read --secret-file .*: EISDIR/ },
      // root reads a file whatever its mode: the directory case above stands in for it there.
      ...(process.getuid?.() === 0
        ? []
        : [{ name: "an unreadable secret file", args: () => ["add", "https://example.com/x", "--events", "FAILED", "--secret-file", unreadable()], exit: 2, code: "INVALID_INPUT", message: /cannot read --secret-file .*locked\.secret: EACCES/ }]),
      { name: "a secret file without a secret", args: () => { writeFileSync(join(cwd, "short"), "hunter2\n"); return ["add", "https://example.com/x", "--events", "FAILED", "--secret-file", join(cwd, "short")]; }, exit: 2, code: "INVALID_INPUT", message: /short does not hold a Standard Webhooks secret/ },
      { name: "add without --secret-file", args: () => ["add", "https://example.com/x", "--events", "FAILED"], exit: 2, code: "INVALID_INPUT", message: /required option '--secret-file <file>'/ },
      { name: "an unknown hook id (remove)", args: () => ["remove", "7"], exit: 3, code: "NOT_FOUND", message: /no webhook 7 on this board/ },
      { name: "an unknown hook id (log)", args: () => ["log", "7"], exit: 3, code: "NOT_FOUND", message: /no webhook 7 on this board/ },
      { name: "an unknown hook id (redeliver)", args: () => ["redeliver", "7", "--seq", "1"], exit: 3, code: "NOT_FOUND", message: /no webhook 7 on this board/ },
      { name: "a hook id that is not a number", args: () => ["remove", "first"], exit: 2, code: "INVALID_INPUT", message: /"first" is not a webhook id/ },
      { name: "redelivery of an event that does not exist", args: () => ["redeliver", "1", "--seq", "999"], exit: 3, code: "NOT_FOUND", message: /no event 999 in the audit trail/ },
      { name: "redelivery of an event the hook does not deliver", args: () => ["redeliver", "1", "--seq", "1"], exit: 2, code: "INVALID_INPUT", message: /event 1 is CREATED, which webhook 1 does not deliver \(it delivers FAILED\)/ },
      { name: "a bad interval", args: () => ["deliver", "--interval", "soon"], exit: 2, code: "INVALID_INPUT", message: /--interval: invalid duration "soon"/ },
    ];
    for (const c of cases) {
      it(`${c.name} → exit ${c.exit} ${c.code}`, async () => {
        await onBoard(async (webhooks, board) => {
          await board.add({ title: "t" });
          await webhooks.add({ url: "https://example.com/existing", events: ["FAILED"], secret: TEST_SECRET });
        });
        const before = await webhookState();
        const result = await batonAsync(["webhook", ...c.args(), "--json"], { cwd });
        expect(result.code, result.stderr).toBe(c.exit);
        const error = jsonError(result);
        expect(error.code).toBe(c.code);
        expect(error.message).toMatch(c.message);
        expect(error.message).not.toContain(TEST_SECRET.slice(6));
        expect(await webhookState()).toEqual(before);
      });
    }
  });
});
