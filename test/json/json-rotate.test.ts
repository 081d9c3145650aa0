/**
 * `audit rotate` on a JSON board: tasks.audit.jsonl is rewritten without the archived lines,
 * tasks.archives.json lists the archive, and a rotation cut short between those two renames
 * is read without a duplicate and finished by the next lock holder (archive-manifest.ts).
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { freshDir, open, readJson } from "./json-boards.js";

const seqsIn = (text: string): number[] => text.trimEnd().split("\n").map((l) => (JSON.parse(l) as { seq: number }).seq);

async function rotatedBoard(): Promise<{ dir: string; path: string; oldAudit: string; all: string[] }> {
  const dir = freshDir();
  const path = join(dir, "tasks.json");
  const clock = { ms: Date.parse("2030-01-01T00:00:00Z") };
  const board = await open(path, { clock: () => clock.ms });
  await board.addMany([{ title: "one" }, { title: "two" }, { title: "three" }]);
  clock.ms += 3600_000;
  await board.add({ title: "four" });
  const oldAudit = readFileSync(join(dir, "tasks.audit.jsonl"), "utf8");
  const report = await board.rotateAudit({ before: "2030-01-01T00:30:00Z" });
  expect(report.archive).toMatchObject({ file: join(dir, "archive", "events-1-3.jsonl"), fromSeq: 1, toSeq: 3, count: 3 });
  const all = (await board.audit()).map((e) => `${e.seq} ${e.type} ${e.taskId}`);
  await board.close();
  return { dir, path, oldAudit, all };
}

describe("json store: audit rotate", () => {
  it("rewrites the audit file without the archived lines and lists the archive beside tasks.json", async () => {
    const { dir, all } = await rotatedBoard();
    expect(seqsIn(readFileSync(join(dir, "tasks.audit.jsonl"), "utf8"))).toEqual([4, 5]);
    expect(seqsIn(readFileSync(join(dir, "archive", "events-1-3.jsonl"), "utf8"))).toEqual([1, 2, 3]);
    expect(readJson(join(dir, "tasks.archives.json"))).toMatchObject({ archives: [{ from_seq: 1, to_seq: 3, count: 3 }] });
    expect(all).toEqual(["1 CREATED T-1", "2 CREATED T-2", "3 CREATED T-3", "4 CREATED T-4", "5 ROTATED null"]);
  });

  it("cut short after the manifest but before the audit rewrite: each event read once, and the next holder finishes it", async () => {
    const { dir, path, oldAudit, all } = await rotatedBoard();
    // The state a crash between the two renames leaves: manifest written, audit file whole
    // (with the ROTATED line appended, as the commit did before the rewrite).
    const rotatedLine = readFileSync(join(dir, "tasks.audit.jsonl"), "utf8").split("\n")[1] as string;
    writeFileSync(join(dir, "tasks.audit.jsonl"), `${oldAudit}${rotatedLine}\n`);
    expect(seqsIn(readFileSync(join(dir, "tasks.audit.jsonl"), "utf8"))).toEqual([1, 2, 3, 4, 5]);
    const board = await open(path);
    expect((await board.audit()).map((e) => `${e.seq} ${e.type} ${e.taskId}`)).toEqual(all);
    expect((await board.replay()).differences).toEqual([]);
    await board.close();
    // That read, a new process's first lock, finished the journal's pending rotation.
    expect(seqsIn(readFileSync(join(dir, "tasks.audit.jsonl"), "utf8"))).toEqual([4, 5]);
  });

  it("a backup carries the archive list: a board restored from it reads the archived events", async () => {
    const { path, all } = await rotatedBoard();
    const board = await open(path);
    const backup = join(freshDir(), "copy.json");
    expect(await board.backup(backup)).toMatchObject({ ok: true, events: all.length });
    const other = await open(join(freshDir(), "tasks.json"));
    expect(await other.restore(backup, { force: true })).toMatchObject({ ok: true });
    expect((await other.audit()).map((e) => `${e.seq} ${e.type} ${e.taskId}`)).toEqual(all);
    await Promise.all([board.close(), other.close()]);
  });
});
