/**
 * Version-checked edits through the CLI: `--if-version N` applies the edit only while the task
 * is at version N; otherwise exit 4 (VERSION_MISMATCH) and the board does not change.
 */
import { expect, test } from "vitest";
import { baton, batonJson, freshBoardDir, jsonError, snapshot } from "./cli.js";

test("update --if-version applies at the current version and exits 4 at a stale one, nothing changed", () => {
  const cwd = freshBoardDir();
  const added = batonJson(["add", "Write the parser"], { cwd });
  expect(added.version).toBe(1);
  const edited = batonJson(["update", "T-1", "--priority", "high", "--if-version", "1"], { cwd });
  expect([edited.priority, edited.version]).toEqual(["high", 2]);

  const before = snapshot(cwd);
  const stale = baton(["update", "T-1", "--title", "overwrite", "--if-version", "1", "--json"], { cwd });
  expect(stale.code).toBe(4);
  expect(jsonError(stale)).toEqual({
    code: "VERSION_MISMATCH",
    message: "task T-1 changed since version 1: it is at version 2 now; read it again (`baton show`), then retry against the current version",
  });
  for (const args of [["cancel", "T-1"], ["assign", "T-1", "agent-a"], ["revive", "T-1"]]) {
    expect(baton([...args, "--if-version", "1"], { cwd }).code).toBe(4);
  }
  const bad = baton(["update", "T-1", "--title", "x", "--if-version", "two"], { cwd });
  expect([bad.code, bad.stderr]).toEqual([2, 'baton: invalid --if-version "two": expected a whole number, like --if-version 3\n']);
  expect(snapshot(cwd)).toEqual(before);

  expect(batonJson(["cancel", "T-1", "--if-version", "2"], { cwd }).status).toBe("cancelled");
  expect(batonJson(["show", "T-1"], { cwd }).version).toBe(3);
});
