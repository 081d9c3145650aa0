/** `baton audit rotate --before DATE [--archive FILE]` as a real process: what it moves, what it refuses. */
import { existsSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { baton, batonJson, freshBoardDir, jsonError, snapshot } from "./cli.js";

/** Three tasks worked by two agents, then a cut-off time after all of it. */
async function workedBoard(): Promise<{ cwd: string; cut: string }> {
  const cwd = freshBoardDir();
  for (const title of ["one", "two", "three"]) batonJson(["add", title], { cwd });
  batonJson(["claim", "--id", "T-1", "--agent", "A"], { cwd });
  batonJson(["done", "T-1", "--agent", "A"], { cwd });
  batonJson(["claim", "--id", "T-2", "--agent", "B"], { cwd });
  batonJson(["fail", "T-2", "--agent", "B", "--error", "broke"], { cwd });
  const last = batonJson<{ at: string }[]>(["audit", "--recent", "1"], { cwd })[0]!.at;
  const cut = new Date(Date.parse(last) + 1).toISOString();
  // The cut must be in the past when rotate runs: wait until the clock is beyond it.
  while (Date.now() <= Date.parse(cut)) await new Promise((r) => setTimeout(r, 5));
  return { cwd, cut };
}

describe("baton audit rotate", () => {
  test("moves the events to .baton/archive, leaves ROTATED, and audit, stats, export and replay read on", async () => {
    const { cwd, cut } = await workedBoard();
    const before = {
      all: batonJson<{ seq: number }[]>(["audit", "--all"], { cwd }),
      byAgent: batonJson(["audit", "--agent", "B", "--all"], { cwd }),
      byTask: batonJson(["audit", "--task", "T-1", "--all"], { cwd }),
      stats: batonJson<{ by_agent: unknown }>(["audit", "stats"], { cwd }),
    };
    const rotated = batonJson<{ archive: string; from_seq: number; to_seq: number; events: number; sha256: string; marker_seq: number }>(
      ["audit", "rotate", "--before", cut],
      { cwd },
    );
    expect(rotated).toMatchObject({ from_seq: 1, to_seq: before.all.length, events: before.all.length, marker_seq: before.all.length + 1 });
    expect(rotated.archive).toBe(join(cwd, ".baton", "archive", `events-1-${before.all.length}.jsonl`));

    const all = batonJson<{ seq: number; type: string; data: Record<string, unknown> }[]>(["audit", "--all"], { cwd });
    expect(all.slice(0, -1)).toEqual(before.all);
    expect(all.at(-1)).toMatchObject({ type: "ROTATED", data: { file: rotated.archive, sha256: rotated.sha256, count: rotated.events } });
    expect(batonJson(["audit", "--agent", "B", "--all"], { cwd })).toEqual(before.byAgent);
    expect(batonJson(["audit", "--task", "T-1", "--all"], { cwd })).toEqual(before.byTask);
    expect(batonJson<{ by_agent: unknown }>(["audit", "stats"], { cwd }).by_agent).toEqual(before.stats.by_agent);
    expect(baton(["replay", "--all"], { cwd }).code).toBe(0);

    // The archive is exactly `audit export --format jsonl` of the same events.
    const exported = join(cwd, "export.jsonl");
    expect(baton(["audit", "export", exported, "--format", "jsonl"], { cwd }).code).toBe(0);
    const lines = readFileSync(exported, "utf8").split("\n");
    expect(lines.slice(0, rotated.events).join("\n") + "\n").toBe(readFileSync(rotated.archive, "utf8"));

    // Again: nothing older is left outside an archive (the ROTATED event is newer than the cut).
    const again = baton(["audit", "rotate", "--before", cut], { cwd });
    expect(again.code).toBe(0);
    expect(again.stdout).toContain("nothing to rotate");
  });

  test("backup and restore after a rotate keep every event: the restore's replay reads the archive", async () => {
    const { cwd, cut } = await workedBoard();
    batonJson(["audit", "rotate", "--before", cut], { cwd });
    const all = batonJson(["audit", "--all"], { cwd });
    const backup = join(cwd, "copy.db");
    expect(batonJson(["backup", backup], { cwd })).toMatchObject({ verified: true, events: all.length });
    batonJson(["add", "after the backup"], { cwd });
    expect(batonJson(["restore", backup, "--force"], { cwd })).toMatchObject({ restored: true, events: all.length });
    expect(batonJson(["audit", "--all"], { cwd })).toEqual(all);
  });

  test("a bad or future date exits 2, an existing archive 4, a link 2; the board untouched", async () => {
    const { cwd, cut } = await workedBoard();
    const unchanged = snapshot(cwd);
    const bad = baton(["audit", "rotate", "--before", "soon", "--json"], { cwd });
    expect(bad.code).toBe(2);
    expect(jsonError(bad).message).toContain('invalid --before "soon"');
    const future = baton(["audit", "rotate", "--before", "2999-01-01", "--json"], { cwd });
    expect(future.code).toBe(2);
    expect(jsonError(future).message).toContain("in the future");
    const missing = baton(["audit", "rotate", "--json"], { cwd });
    expect(missing.code).toBe(2);
    writeFileSync(join(cwd, "taken.jsonl"), "mine\n");
    const taken = baton(["audit", "rotate", "--before", cut, "--archive", "taken.jsonl", "--json"], { cwd });
    expect(taken.code).toBe(4);
    expect(jsonError(taken).message).toContain("already exists");
    symlinkSync("/etc/passwd", join(cwd, "link.jsonl"));
    const link = baton(["audit", "rotate", "--before", cut, "--archive", "link.jsonl", "--json"], { cwd });
    expect(link.code).toBe(2);
    expect(jsonError(link).message).toContain("link");
    expect(snapshot(cwd)).toEqual(unchanged);
    expect(readFileSync(join(cwd, "taken.jsonl"), "utf8")).toBe("mine\n");
    expect(existsSync(join(cwd, ".baton", "archive"))).toBe(false);
  });

  test("a changed archive makes reads that reach it fail with exit 1 naming the file", async () => {
    const { cwd, cut } = await workedBoard();
    const { archive } = batonJson<{ archive: string }>(["audit", "rotate", "--before", cut, "--archive", "old.jsonl"], { cwd });
    expect(archive).toBe(join(cwd, "old.jsonl"));
    const healthy = batonJson<{ checks: { name: string; ok: boolean }[] }>(["health"], { cwd });
    expect(healthy.checks.find((c) => c.name === "audit archives")).toMatchObject({ ok: true });
    writeFileSync(archive, readFileSync(archive, "utf8").replace('"agent_id":"B"', '"agent_id":"Z"'));
    const read = baton(["audit", "--agent", "B", "--json"], { cwd });
    expect(read.code).toBe(1);
    expect(jsonError(read)).toMatchObject({ code: "CORRUPT_STORE" });
    expect(jsonError(read).message).toContain(archive);
    expect(baton(["replay", "--all"], { cwd }).code).toBe(1);
    const health = baton(["health", "--json"], { cwd });
    expect(health.code).toBe(1);
    const check = (JSON.parse(health.stdout) as { checks: { name: string; ok: boolean; detail: string }[] }).checks.find((c) => c.name === "audit archives");
    expect(check).toMatchObject({ ok: false });
    expect(check!.detail).toContain(archive);
  });
});
