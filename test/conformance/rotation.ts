/**
 * `audit rotate` (SPEC §9): old events move to a checksummed archive file and every read of
 * the trail — queries by task, agent, type and time, paging both ways, stats, replay — answers
 * exactly as before; nothing is dropped and no seq is reused.
 */
import { appendFileSync, existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterEach, expect } from "vitest";
import { expectRefusedUnchanged, refusal, snapshot } from "./harness.js";
import type { Board, BoardEvent } from "../../src/index.js";
import type { AuditQuery } from "../../src/board.js";
import type { Conformance, FakeClock } from "./harness.js";

/** Six tasks worked over six hours by three agents: every kind of event on both sides of hour 3. */
async function workedBoard(board: Board, clock: FakeClock): Promise<void> {
  await board.addMany([1, 2, 3, 4, 5, 6].map((n) => ({ title: `task ${n}`, maxAttempts: 2 })));
  for (let hour = 0; hour < 6; hour++) {
    const agent = ["A", "B", "C"][hour % 3] as string;
    const id = `T-${hour + 1}`;
    const claim = await board.claim({ agent, ids: [id], leaseSeconds: 600 });
    clock.advanceSeconds(60);
    await board.heartbeat(id, { token: claim.leaseToken });
    if (hour % 2 === 0) await board.complete(id, { token: claim.leaseToken, result: `done ${hour}` });
    else await board.fail(id, { token: claim.leaseToken, error: `broke ${hour}` });
    await board.note(id, `hour ${hour}`, { agent });
    clock.advanceSeconds(3600 - 60);
  }
}

const QUERIES: AuditQuery[] = [
  {},
  { taskId: "T-2" },
  { taskId: "T-5" },
  { agent: "A" },
  { agent: "C", type: ["CLAIMED", "FAILED"] },
  { type: "NOTE" },
  { type: ["FAILED", "COMPLETED"] },
  { errors: true },
  { limit: 7 },
  { recent: 5 },
  { recent: 40 },
  { recent: 1000 },
  { type: "CLAIMED", recent: 4 },
];

const pages = async (board: Board, size: number, query: Omit<AuditQuery, "recent" | "afterSeq" | "limit">): Promise<BoardEvent[]> => {
  const all: BoardEvent[] = [];
  let cursor: string | undefined;
  do {
    const page = await board.auditPage({ ...query, limit: size, ...(cursor !== undefined && { cursor }) });
    all.push(...page.items);
    cursor = page.nextCursor ?? undefined;
  } while (cursor !== undefined);
  return all;
};

export function rotationTests(c: Conformance): void {
  const folders: string[] = [];
  const folder = (): string => {
    const dir = mkdtempSync(join(tmpdir(), "baton-archive-"));
    folders.push(dir);
    return dir;
  };
  afterEach(() => {
    for (const dir of folders.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  c.test("rotate moves the older events to a checksummed archive and every audit read answers as before", async () => {
    const { board, clock } = await c.open();
    await workedBoard(board, clock);
    const cut = new Date(Date.parse(clock.iso()) - 3 * 3600_000).toISOString();
    const before = await Promise.all(QUERIES.map((q) => board.audit(q)));
    const windowed = await board.audit({ since: new Date(Date.parse(cut) - 1800_000).toISOString(), until: cut });
    const paged = await pages(board, 4, { agent: "B" });
    const stats = await board.auditStats();
    const all = before[0] as BoardEvent[];
    const file = join(folder(), "old.jsonl");

    const report = await board.rotateAudit({ before: cut, archive: file });
    const archived = all.filter((e) => e.at < cut);
    expect(archived.length).toBeGreaterThan(10);
    expect(report.archive).toMatchObject({ file, fromSeq: 1, toSeq: archived.at(-1)!.seq, count: archived.length });
    const lines = readFileSync(file, "utf8").trimEnd().split("\n");
    expect(lines.map((l) => (JSON.parse(l) as { seq: number }).seq)).toEqual(archived.map((e) => e.seq));
    expect(report.archive!.sha256).toMatch(/^[0-9a-f]{64}$/);

    const after = await board.audit();
    const marker = after.at(-1)!;
    expect(marker).toMatchObject({ type: "ROTATED", seq: all.at(-1)!.seq + 1, data: { file, sha256: report.archive!.sha256 } });
    expect(report.markerSeq).toBe(marker.seq);
    expect(after.slice(0, -1)).toEqual(all);
    for (const [i, q] of QUERIES.entries()) {
      if (Object.keys(q).length === 0) continue;
      // The marker is the newest event: it shows only where a query takes the newest of all.
      const expected = q.recent !== undefined && q.type === undefined ? [...(before[i] as BoardEvent[]), marker].slice(-q.recent) : before[i];
      expect(await board.audit(q), JSON.stringify(q)).toEqual(expected);
    }
    expect(await board.audit({ since: new Date(Date.parse(cut) - 1800_000).toISOString(), until: cut })).toEqual(windowed);
    expect(await pages(board, 4, { agent: "B" })).toEqual(paged);
    expect(await pages(board, 3, {})).toEqual(after);
    const statsAfter = await board.auditStats();
    expect(statsAfter.events).toBe(stats.events + 1);
    expect(statsAfter.byAgent).toEqual(stats.byAgent);
    expect(statsAfter.timeToComplete).toEqual(stats.timeToComplete);
    expect(statsAfter.timeToClaim).toEqual(stats.timeToClaim);
    expect((await board.replay()).differences).toEqual([]);
    expect((await snapshot(board)).events).toEqual(after);
  });

  c.test("a second rotate continues where the first stopped; seqs are never reused", async () => {
    const { board, clock } = await c.open();
    await workedBoard(board, clock);
    const all = await board.audit();
    const dir = folder();
    const first = await board.rotateAudit({ before: clock.iso(-4 * 3600), archive: join(dir, "a.jsonl") });
    const second = await board.rotateAudit({ before: clock.iso(-3600), archive: join(dir, "b.jsonl") });
    expect(second.archive!.fromSeq).toBe(first.archive!.toSeq + 1);
    expect(second.archive!.count).toBe(second.archive!.toSeq - second.archive!.fromSeq + 1);
    await board.add({ title: "after" });
    const after = await board.audit();
    // Both markers kept: the first one now archived, the second in the table.
    expect(after.filter((e) => e.type === "ROTATED").map((e) => e.seq)).toEqual([all.length + 1, all.length + 2]);
    expect(after.map((e) => e.seq)).toEqual(after.map((_, i) => i + 1));
    expect(after.slice(0, all.length)).toEqual(all);
    expect((await board.replay()).differences).toEqual([]);
    expect(await board.audit({ recent: 2 })).toEqual(after.slice(-2));
    expect(await board.audit({ beforeSeq: first.archive!.toSeq + 3, recent: 4 })).toEqual(after.slice(first.archive!.toSeq - 2, first.archive!.toSeq + 2));
  });

  c.test("paging through a large archive (past its sparse index marks) gives every event once, in order", async () => {
    const { board, clock } = await c.open();
    await board.addMany(Array.from({ length: 2600 }, (_, i) => ({ title: `bulk ${i}` })));
    clock.advanceSeconds(3600);
    await board.add({ title: "newer" });
    const all = await board.audit();
    const report = await board.rotateAudit({ before: clock.iso(-60), archive: join(folder(), "big.jsonl") });
    expect(report.archive!.count).toBe(2600);
    const seen: BoardEvent[] = [];
    for await (const page of board.auditPages()) seen.push(...page);
    expect(seen.slice(0, -1)).toEqual(all);
    expect(await pages(board, 700, {})).toEqual(seen);
    expect(await board.audit({ afterSeq: 2047, limit: 3 })).toEqual(all.slice(2047, 2050));
    expect(await board.audit({ beforeSeq: 1030, recent: 4 })).toEqual(all.slice(1025, 1029));
    expect(await board.audit({ taskId: "T-1500" })).toEqual(all.filter((e) => e.taskId === "T-1500"));
  });

  c.test("nothing older than the date: nothing changes and no file is written", async () => {
    const { board, clock } = await c.open();
    await workedBoard(board, clock);
    const file = join(folder(), "none.jsonl");
    const unchanged = await snapshot(board);
    const report = await board.rotateAudit({ before: "2029-12-31", archive: file });
    expect(report).toEqual({ archive: null, markerSeq: null, replacedStray: null });
    expect(existsSync(file)).toBe(false);
    expect(await snapshot(board)).toEqual(unchanged);
  });

  c.test("rotate refuses a bad or future date, an existing file and a link, changing nothing", async () => {
    const { board, clock } = await c.open();
    await workedBoard(board, clock);
    const dir = folder();
    const bad = await expectRefusedUnchanged(board, () => board.rotateAudit({ before: "last tuesday", archive: join(dir, "x.jsonl") }), "INVALID_INPUT");
    expect(bad.message).toContain("2026-03-01");
    const future = await expectRefusedUnchanged(board, () => board.rotateAudit({ before: clock.iso(60), archive: join(dir, "x.jsonl") }), "INVALID_INPUT");
    expect(future.message).toContain("future");
    writeFileSync(join(dir, "taken.jsonl"), "mine\n");
    const taken = await expectRefusedUnchanged(board, () => board.rotateAudit({ before: clock.iso(-3600), archive: join(dir, "taken.jsonl") }), "CONFLICT");
    expect(taken.message).toContain(join(dir, "taken.jsonl"));
    expect(readFileSync(join(dir, "taken.jsonl"), "utf8")).toBe("mine\n");
    symlinkSync(join(dir, "elsewhere.jsonl"), join(dir, "link.jsonl"));
    const link = await expectRefusedUnchanged(board, () => board.rotateAudit({ before: clock.iso(-3600), archive: join(dir, "link.jsonl") }), "INVALID_INPUT");
    expect(link.message).toContain("link");
    expect(existsSync(join(dir, "elsewhere.jsonl"))).toBe(false);
  });

  c.test("a changed archive is CORRUPT_STORE naming the file, for reads that reach it only", async () => {
    const { board, clock } = await c.open();
    await workedBoard(board, clock);
    const file = join(folder(), "old.jsonl");
    const report = await board.rotateAudit({ before: clock.iso(-3 * 3600), archive: file });
    const newest = await board.audit({ recent: 3 });
    const text = readFileSync(file, "utf8");
    writeFileSync(file, text.replace('"type":"CLAIMED"', '"type":"CLAIMED" '));
    const error = await refusal(board.audit({ agent: "A" }));
    expect(error.code).toBe("CORRUPT_STORE");
    expect(error.message).toContain(file);
    expect((await refusal(board.replay())).code).toBe("CORRUPT_STORE");
    // The newest events never open the archive.
    expect(await board.audit({ recent: 3 })).toEqual(newest);
    writeFileSync(file, text);
    appendFileSync(file, "");
    expect((await board.audit()).length).toBe(report.markerSeq);
    rmSync(file);
    expect((await refusal(board.audit())).message).toContain("missing");
  });

  c.test("by default the archive goes beside the board, named by its seqs", async () => {
    const { board, clock } = await c.open();
    if (board.store.kind === "postgres") return; // no folder of its own: --archive or .baton/archive
    await workedBoard(board, clock);
    const report = await board.rotateAudit({ before: clock.iso(-3 * 3600) });
    const a = report.archive!;
    expect(a.file).toBe(join(dirname(board.store.location), "archive", `events-1-${a.toSeq}.jsonl`));
    expect(readFileSync(a.file, "utf8").split("\n").length - 1).toBe(a.count);
  });
}
