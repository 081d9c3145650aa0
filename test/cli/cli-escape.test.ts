/**
 * Terminal injection: whatever a task's writer chose (titles, descriptions, results, notes,
 * errors) and whatever a caller typed (unknown verbs, store paths, agent ids) reaches a
 * person's terminal with its control characters made visible (src/cli/escape.ts): no ESC,
 * OSC, BEL, CR, BS, C1 or bidi override gets through raw. `--json` keeps the strings exact.
 */
import { spawn } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { printable } from "../../src/cli/escape.js";
import { CLI, baton, batonJson, freshBoardDir } from "./cli.js";

const CLEAR = "\x1b[2J\x1b[H";
const LINK = "\x1b]8;;https://evil.example/\x07click me\x1b]8;;\x07";
const HOSTILE_TITLE = `fix ${CLEAR}the ${LINK} bug\rOK\b\b\u009b31m\u202eevil`;
const HOSTILE_TEXT = `line one\nline two ${CLEAR}\x07 end`;

/** Any control character a terminal would act on (newlines are checked separately). */
const RAW_CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;

function expectSafe(output: string): void {
  expect(output).not.toMatch(RAW_CONTROL);
}

describe("printable", () => {
  it("makes every control character visible and keeps ordinary text, newlines only when multiline", () => {
    expect(printable(`a${CLEAR}b`)).toBe("a\\x1b[2J\\x1b[Hb");
    expect(printable("bell\x07 cr\r bs\b del\x7f c1\u009b bidi\u202e")).toBe(
      "bell\\x07 cr\\r bs\\x08 del\\x7f c1\\x9b bidi\\u202e",
    );
    expect(printable("two\nlines")).toBe("two\\nlines");
    expect(printable("two\nlines", { multiline: true })).toBe("two\nlines");
    expect(printable("naïve — 日本語 ✓\ttab")).toBe("naïve — 日本語 ✓\ttab");
  });
});

describe("hostile strings through the CLI", () => {
  it("list, show, audit, claim, fail and heartbeat notes print them escaped; --json keeps them exact", () => {
    const cwd = freshBoardDir();
    expect(baton(["add", HOSTILE_TITLE, "--description", HOSTILE_TEXT], { cwd }).code).toBe(0);
    for (const args of [["list"], ["show", "T-1"], ["ready"]]) {
      const result = baton(args, { cwd });
      expect(result.code).toBe(0);
      expectSafe(result.stdout);
      expect(result.stdout).toContain("\\x1b[2J\\x1b[H");
      expect(result.stdout).toContain("\\x1b]8;;https://evil.example/\\x07click me");
    }
    const claim = baton(["claim", "--agent", "a1"], { cwd });
    expectSafe(claim.stdout);
    const hb = baton(["heartbeat", "T-1", "--agent", "a1", "--note", `50% ${CLEAR}done\rfaked`], { cwd });
    expect(hb.code).toBe(0);
    expectSafe(hb.stdout);
    const fail = baton(["fail", "T-1", "--agent", "a1", "--error", `boom ${LINK}\r\x1b[32mall good`], { cwd });
    expect(fail.code).toBe(0);
    expectSafe(fail.stdout);
    for (const args of [["show", "T-1"], ["audit"], ["list"]]) {
      const result = baton(args, { cwd });
      expect(result.code).toBe(0);
      expectSafe(result.stdout);
    }
    // The description keeps its line break in `show`, with the rest of it escaped.
    expect(baton(["show", "T-1"], { cwd }).stdout).toContain("line one\nline two \\x1b[2J\\x1b[H\\x07 end");

    const task = batonJson<{ title: string; description: string; last_error: string }>(["show", "T-1"], { cwd });
    expect(task.title).toBe(HOSTILE_TITLE);
    expect(task.description).toBe(HOSTILE_TEXT);
    expect(task.last_error).toBe(`boom ${LINK}\r\x1b[32mall good`);
  });

  it("inbox process prints the ids its file holds escaped", () => {
    const cwd = freshBoardDir();
    const inbox = join(cwd, "hostile-inbox.json");
    writeFileSync(inbox, JSON.stringify({ tasks: [{ id: `SEC-1${CLEAR}`, title: "t" }] }));
    const processed = baton(["inbox", "process", inbox], { cwd });
    expect(processed.stdout).toContain("rejected SEC-1\\x1b[2J");
    expectSafe(processed.stdout);
  });

  it("error messages escape unknown verbs, store paths and agent ids", () => {
    const cwd = freshBoardDir();
    for (const args of [
      [`fr${CLEAR}ob`],
      ["list", "--store", `sqlite:${join(cwd, `no${CLEAR}where`, "board.db")}`],
      ["claim", "--agent", `a${CLEAR}1`],
      ["list", "--status", `pend${LINK}ing`],
    ]) {
      const result = baton(args, { cwd });
      expect(result.code).not.toBe(0);
      expect(result.stderr).toMatch(/^baton: /);
      expectSafe(result.stderr);
      expect(result.stdout).toBe("");
    }
  });

  it("watch prints each event escaped", async () => {
    const cwd = freshBoardDir();
    expect(baton(["add", HOSTILE_TITLE], { cwd }).code).toBe(0);
    const child = spawn(process.execPath, [CLI, "watch", "--after", "0", "--poll", "0.1s"], {
      cwd,
      env: { ...process.env, NO_COLOR: "1", BATON_AGENT: "" },
    });
    let out = "";
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`watch printed nothing in 60 s: ${out}`)), 60_000);
      child.stdout.on("data", (chunk: Buffer) => {
        out += chunk.toString();
        if (out.includes("CREATED")) {
          clearTimeout(timer);
          resolve();
        }
      });
    });
    child.kill("SIGINT");
    expectSafe(out);
    expect(out).toContain("\\x1b[2J");
  }, 90_000);
});
