/**
 * `baton report`: the Markdown a lead pastes into an issue — counts, per-agent throughput,
 * poison pills with their last error, the longest waiting with why, the critical path — with
 * task text escaped so it can never become Markdown (or HTML) of its own.
 */
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { md } from "../../src/cli/report-markdown.js";
import { baton, batonJson, freshBoardDir, jsonError, snapshot } from "./cli.js";

function boardWithStory(): string {
  const cwd = freshBoardDir();
  batonJson(["agent", "add", "designer", "--capabilities", "design"], { cwd });
  batonJson(["add", "fix *bold* | pipe <script>", "--max-attempts", "1"], { cwd });
  batonJson(["add", "after the fix", "--after", "T-1"], { cwd });
  batonJson(["add", "train the model", "--needs", "gpu"], { cwd });
  batonJson(["add", "quick one"], { cwd });
  batonJson(["claim", "--agent", "A", "--id", "T-4"], { cwd });
  batonJson(["done", "T-4", "--agent", "A"], { cwd });
  batonJson(["claim", "--agent", "A", "--id", "T-1"], { cwd });
  batonJson(["fail", "T-1", "--agent", "A", "--error", "segfault in [x](y)\nsecond line"], { cwd });
  return cwd;
}

describe("baton report", () => {
  test("every section, with task text escaped", () => {
    const cwd = boardWithStory();
    const result = baton(["report"], { cwd });
    expect(result.code).toBe(0);
    const text = result.stdout;
    expect(text).toContain("| pending | 2 |\n| in progress | 0 |\n| completed | 1 |\n| failed | 0 |\n| dead | 1 |\n| cancelled | 0 |");
    expect(text).toMatch(/\| A \| 1 \| 1 \| \d+s \|/);
    expect(text).toContain("| T-1 | fix \\*bold\\* \\| pipe \\<script\\> | 1 | segfault in \\[x\\]\\(y\\) second line |");
    expect(text).toMatch(/\| T-2 \| after the fix \| \d+s \| waits for T\\-1 \\\(dead\\\) \|/);
    expect(text).toMatch(/\| T-3 \| train the model \| \d+s \| no alive agent has gpu \|/);
    expect(text).toContain("## Critical path\n\nT-2 (pending) after the fix");
    expect(text).not.toContain("<script>");
  });

  test("--out writes the same Markdown to a file; --since counts only later activity", () => {
    const cwd = boardWithStory();
    const out = join(mkdtempSync(join(tmpdir(), "baton-report-")), "status.md");
    const written = baton(["report", "--out", out], { cwd });
    expect([written.code, written.stdout.trim()]).toEqual([0, `report written to ${out}`]);
    const printed = batonJson(["report"], { cwd }).markdown as string;
    const strip = (s: string) => s.replace(/Generated \S+/, "").replace(/\| \d+s \|/g, "| Ns |");
    expect(strip(readFileSync(out, "utf8"))).toBe(strip(`${printed}\n`));
    const later = batonJson(["report", "--since", "2999-01-01"], { cwd }).markdown as string;
    expect(later).toContain("activity since 2999-01-01T00:00:00.000Z");
    expect(later).toContain("## Agents\n\nNo completions or failures recorded.");
  });

  test.each([
    [["report", "--since", "yesterday"], "invalid --since"],
    [["report", "--out", "/no/such/dir/report.md"], "cannot write --out /no/such/dir/report.md"],
  ])("%j → exit 2, nothing changed", (args, message) => {
    const cwd = freshBoardDir();
    batonJson(["add", "x"], { cwd });
    const before = snapshot(cwd);
    const result = baton([...args, "--json"], { cwd });
    expect(result.code).toBe(2);
    expect(jsonError(result).message).toContain(message);
    expect(snapshot(cwd)).toEqual(before);
  });

  test("md() escapes every Markdown special character and flattens line breaks", () => {
    expect(md("a*b_c`d[e](f)<g>#h|i!j\\k~l\r\nm\u001b[31m")).toBe("a\\*b\\_c\\`d\\[e\\]\\(f\\)\\<g\\>\\#h\\|i\\!j\\\\k\\~l m\\[31m");
  });
});
