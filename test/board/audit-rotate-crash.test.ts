/**
 * `audit rotate` killed (SIGKILL) at random instants: the board is always the old one or the
 * new one — every event still read exactly once, in order, replay clean — and the next rotate
 * goes through. One unkilled run first measures how long a rotation takes here, so the kills
 * spread over the whole of one (any instant is a valid outcome; nothing asserts timing).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, test } from "vitest";
import { openBoard } from "../../src/index.js";
import { spawnWorker } from "../support/processes.js";
import type { BoardEvent } from "../../src/index.js";

// A killed JSON writer leaves tasks.lock behind; the next opener breaks it once stale. Only
// this test and one dead worker use each board, so a short staleness cannot break a live holder.
process.env.BATON_JSON_STALE_LOCK_MS = "300";

const root = mkdtempSync(join(tmpdir(), "baton-rotate-crash-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const KILLS = 5;
const TASKS_PER_ROUND = 500;

/** What must survive any crash: the events other than ROTATED and LOCK_BROKEN (a killed JSON writer's lock is broken). */
const lasting = (events: readonly BoardEvent[]): string[] =>
  events.filter((e) => e.type !== "ROTATED" && e.type !== "LOCK_BROKEN").map((e) => `${e.seq} ${e.type} ${e.taskId}`);

async function addRound(url: string, round: number): Promise<{ expected: string[]; before: string }> {
  const board = await openBoard(url);
  try {
    await board.addMany(Array.from({ length: TASKS_PER_ROUND }, (_, i) => ({ title: `round ${round} #${i}` })));
    const events = await board.audit();
    const before = new Date(Date.parse(events.at(-1)!.at) + 1).toISOString();
    while (Date.now() <= Date.parse(before)) await new Promise((r) => setTimeout(r, 2));
    return { expected: lasting(events), before };
  } finally {
    await board.close();
  }
}

async function checkBoard(url: string, expected: readonly string[]): Promise<void> {
  const board = await openBoard(url);
  try {
    const events = await board.audit();
    expect(lasting(events)).toEqual(expected);
    const seqs = events.map((e) => e.seq);
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    expect(new Set(seqs).size).toBe(seqs.length);
    expect((await board.replay()).differences).toEqual([]);
    const archives = await board.store.read((tx) => tx.listArchives());
    archives.forEach((a, i) => expect(a.fromSeq).toBe(i === 0 ? 1 : archives[i - 1]!.toSeq + 1));
  } finally {
    await board.close();
  }
}

describe.each(["sqlite", "json"])("audit rotate killed at random instants (%s)", (kind) => {
  test(`${KILLS} kills, then a rotation that finishes`, async () => {
    const dir = mkdtempSync(join(root, `${kind}-`));
    const url = kind === "sqlite" ? `sqlite:${join(dir, "board.db")}` : `json:${join(dir, "tasks.json")}`;
    let round = await addRound(url, 0);
    const first = spawnWorker("rotate-runner", { url, before: round.before });
    await first.ready;
    first.go();
    const measured = await first.exited;
    expect(measured.code, measured.stderr).toBe(0);
    const ms = (measured.result as { ms: number }).ms;
    await checkBoard(url, round.expected);
    let unarchivedRounds = 0;
    for (let kill = 1; kill <= KILLS; kill++) {
      round = await addRound(url, kill);
      const worker = spawnWorker("rotate-runner", { url, before: round.before });
      await worker.ready;
      worker.go();
      // The kill-free run rotated one round; each killed round leaves its events for the next.
      await new Promise((r) => setTimeout(r, Math.random() * ms * 1.2 * (unarchivedRounds + 1)));
      worker.kill();
      const exit = await worker.exited;
      const finished = exit.stdout.includes("result");
      unarchivedRounds = finished ? 0 : unarchivedRounds + 1;
      if (process.env.BATON_CRASH_LOG) console.log(kind, kill, finished ? "finished" : "killed");
      await checkBoard(url, round.expected);
    }
    const last = spawnWorker("rotate-runner", { url, before: new Date().toISOString() });
    await last.ready;
    last.go();
    const done = await last.exited;
    expect(done.code, done.stderr).toBe(0);
    await checkBoard(url, round.expected);
  }, 240_000);
});
