/**
 * Crash safety of the JSON store: writers SIGKILLed at random instants, 200 times. After every
 * kill, before anyone repairs anything, tasks.json parses and holds the old or the new state:
 * every acknowledged task is there, and at most one unacknowledged one per killed writer.
 * Locks left by the killed are broken by the next writers, and at the end the audit trail
 * replays to every stored task.
 */
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { replayTask } from "../../src/index.js";
import { spawnWorker } from "../support/processes.js";
import { freshDir, open } from "./json-boards.js";

const ROUNDS = 100;
const WRITERS_PER_ROUND = 2;
/** Writers are killed this many ms (uniformly random) after their board is open. */
const KILL_WITHIN_MS = 40;

function rawIds(path: string): string[] {
  const text = readFileSync(path, "utf8");
  const rows = JSON.parse(text) as unknown;
  if (!Array.isArray(rows)) throw new Error(`tasks.json is not an array after a kill: ${text.slice(0, 200)}`);
  return rows.map((r: { id: string }) => r.id);
}

describe("json store: crash safety", () => {
  it(`${ROUNDS * WRITERS_PER_ROUND} SIGKILLs at random instants: tasks.json always parses with the old or new state; left locks are broken; the audit replays`, async () => {
    const dir = freshDir();
    const path = join(dir, "tasks.json");
    await (await open(path)).close();
    process.env.BATON_JSON_STALE_LOCK_MS = "50";
    let kills = 0;
    /** Locks found left behind at the end of a round (one may outlive several rounds). */
    const leftLocks = new Set<string>();
    let acknowledged = 0;
    const known = new Set<string>();
    try {
      for (let round = 0; round < ROUNDS; round++) {
        const writers = Array.from({ length: WRITERS_PER_ROUND }, (_, i) =>
          spawnWorker("json-crash-writer", { url: `json:${path}`, agent: `writer-${round}-${i}` }),
        );
        await Promise.all(
          writers.map(async (w) => {
            await w.ready;
            await new Promise((resolve) => setTimeout(resolve, Math.random() * KILL_WITHIN_MS));
            w.kill();
          }),
        );
        const exits = await Promise.all(writers.map((w) => w.exited));
        for (const exit of exits) {
          expect(exit.signal, exit.stderr).toBe("SIGKILL");
          kills++;
        }
        if (existsSync(join(dir, "tasks.lock"))) leftLocks.add(readFileSync(join(dir, "tasks.lock"), "utf8"));
        const added = exits.flatMap((e) => [...e.stdout.matchAll(/^added (\S+)$/gm)].map((m) => m[1] as string));
        acknowledged += added.length;
        const ids = rawIds(path);
        const now = new Set(ids);
        expect(now.size).toBe(ids.length);
        for (const id of known) expect(now.has(id), `${id} was lost`).toBe(true);
        for (const id of added) expect(now.has(id), `acknowledged ${id} is missing`).toBe(true);
        const unacknowledged = ids.filter((id) => !known.has(id) && !added.includes(id));
        expect(unacknowledged.length).toBeLessThanOrEqual(WRITERS_PER_ROUND);
        for (const id of ids) known.add(id);
      }
      const board = await open(path, { staleLockMs: 50 });
      const tasks = await board.list();
      // The last round's in-flight commits may be finished by this open (rolled forward).
      const finalIds = new Set(tasks.map((t) => t.id));
      for (const id of known) expect(finalIds.has(id), `${id} was lost`).toBe(true);
      expect(finalIds.size - known.size).toBeLessThanOrEqual(WRITERS_PER_ROUND);
      const events = await board.audit();
      expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
      for (const task of tasks) {
        const own = events.filter((e) => e.taskId === task.id);
        expect(own.filter((e) => e.type === "CREATED")).toHaveLength(1);
        expect(replayTask(own)).toEqual(task);
      }
      const brokenLocks = events.filter((e) => e.type === "LOCK_BROKEN").map((e) => e.data.lock as string);
      const broken = brokenLocks.length;
      console.log(
        `json crash test: ${kills} kills, ${acknowledged} acknowledged adds, ${tasks.length} tasks, ` +
          `${leftLocks.size} locks left behind at the end of a round, ${broken} LOCK_BROKEN events`,
      );
      expect(kills).toBe(ROUNDS * WRITERS_PER_ROUND);
      expect(leftLocks.size).toBeGreaterThan(0);
      // Every lock left behind at the end of a round was broken (none is left, work went on)
      // and logged at most once; a kill leaves at most one lock. (An empty lock — its writer
      // killed between creating and filling it — has no identity and is not traced.)
      const named = [...leftLocks].filter((lock) => lock !== "");
      for (const lock of named) expect(brokenLocks.filter((l) => l === lock).length, lock).toBeLessThanOrEqual(1);
      expect(new Set(brokenLocks.filter((l) => l !== "")).size).toBe(brokenLocks.filter((l) => l !== "").length);
      expect(broken).toBeLessThanOrEqual(kills);
      // Known gap (docs/json-store.md): a breaker that adopts a dead breaker's unlogged break
      // but loses the race for `.breaking` keeps it only in memory; killed then, that break
      // goes unlogged. Here kills land every few ms, so it is allowed for 1 lock in 10.
      const unlogged = named.filter((lock) => !brokenLocks.includes(lock));
      console.log(`json crash test: ${unlogged.length} of ${named.length} left locks broken without a LOCK_BROKEN event`);
      expect(unlogged.length).toBeLessThanOrEqual(Math.ceil(named.length / 10));
      // No lock is left, and the board's own files are all there. (Temp files of the killed
      // are removed by whoever breaks their locks; a few may remain — see docs.)
      const files = readdirSync(dir);
      console.log(`json crash test: files left: ${files.sort().join(", ")}`);
      expect(files.filter((f) => f === "tasks.lock" || f === "tasks.lock.breaking")).toEqual([]);
      for (const own of [".task-id-counters.json", "tasks.audit.jsonl", "tasks.baton.json", "tasks.json", "tasks.json.bak"]) {
        expect(files).toContain(own);
      }
    } finally {
      delete process.env.BATON_JSON_STALE_LOCK_MS;
    }
  });
});
