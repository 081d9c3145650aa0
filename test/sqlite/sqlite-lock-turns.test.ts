/**
 * The SQLite lock hand-over in turns (src/store/sqlite/turn.ts): when a process rings and
 * when it queues behind the waiters, and, with real processes, that a holder or a waiter
 * SIGKILLed at any instant never wedges the others.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { openBoard } from "../../src/index.js";
import { TURN_MS, WriteTurn } from "../../src/store/sqlite/turn.js";
import { LET_IN_MS, retryWhileBusy, retryWhileBusyAsync } from "../../src/store/sqlite/busy.js";
import type { Doorbell } from "../../src/store/sqlite/doorbell.js";
import { spawn } from "node:child_process";
import { spawnWorker, workerScript } from "../support/processes.js";
import { checkBoard } from "../conformance/checks.js";
import type { ChildProcess } from "node:child_process";
import type { WorkerProcess } from "../support/processes.js";

function fakeBell(waiting: boolean) {
  const bell = { rings: 0, waiting, ring: () => void bell.rings++, someoneWaiting: () => bell.waiting };
  return bell;
}

const nextTurnOfTheLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe("WriteTurn", () => {
  it("writes back to back inside a turn ring nobody; the turn ends with one ring and a queued next write", async () => {
    let now = 0;
    const bell = fakeBell(true);
    const turn = new WriteTurn(bell, "turns", () => now);
    for (let i = 0; i < 5; i++) {
      turn.began();
      now += TURN_MS / 10;
      turn.ended();
    }
    expect(bell.rings).toBe(0);
    expect(turn.queueFirst).toBe(false);
    turn.began();
    now += TURN_MS;
    turn.ended();
    expect(bell.rings).toBe(1);
    expect(turn.queueFirst).toBe(true);
    turn.began();
    expect(turn.queueFirst).toBe(false);
  });

  it("a process alone keeps the lock past its turn: no ring, no queueing", () => {
    let now = 0;
    const bell = fakeBell(false);
    const turn = new WriteTurn(bell, "turns", () => now);
    for (let i = 0; i < 10; i++) {
      turn.began();
      now += TURN_MS;
      turn.ended();
    }
    expect(bell.rings).toBe(0);
    expect(turn.queueFirst).toBe(false);
  });

  it("a process that stops writing inside its turn hands it on as its event loop comes round", async () => {
    const bell = fakeBell(true);
    const turn = new WriteTurn(bell, "turns", () => 0);
    turn.began();
    turn.ended();
    expect(bell.rings).toBe(0);
    await nextTurnOfTheLoop();
    expect(bell.rings).toBe(1);
    expect(turn.queueFirst).toBe(true);
    await nextTurnOfTheLoop();
    expect(bell.rings).toBe(1);
  });

  it("hand-over ring rings after every write and never queues first", () => {
    const bell = fakeBell(true);
    const turn = new WriteTurn(bell, "ring", () => 0);
    for (let i = 0; i < 3; i++) {
      turn.began();
      turn.ended();
    }
    expect(bell.rings).toBe(3);
    expect(turn.queueFirst).toBe(false);
  });

  it("close hands on a turn still held, and nothing rings after it", async () => {
    const bell = fakeBell(true);
    const turn = new WriteTurn(bell, "turns", () => 0);
    turn.began();
    turn.ended();
    turn.close();
    expect(bell.rings).toBe(1);
    await nextTurnOfTheLoop();
    turn.ended();
    expect(bell.rings).toBe(1);
  });
});

describe("WriteTurn: who it rings for", () => {
  it("a turn handed on while nobody waits rings nobody and lets nobody in first", async () => {
    const bell = fakeBell(false);
    const turn = new WriteTurn(bell, "turns", () => 0);
    turn.began();
    turn.ended();
    await nextTurnOfTheLoop();
    turn.close();
    expect(bell.rings).toBe(0);
    expect(turn.queueFirst).toBe(false);
  });

  it("the lock taken after a wait starts a new turn: the old one's time does not count", () => {
    let now = 0;
    const bell = fakeBell(true);
    const turn = new WriteTurn(bell, "turns", () => now);
    turn.began();
    now = TURN_MS - 1;
    turn.ended();
    // Another process took the lock in between (this write found it busy and waited).
    turn.began(true);
    now = TURN_MS + 1;
    turn.ended();
    expect(bell.rings).toBe(0);
    turn.began();
    now = 2 * TURN_MS;
    turn.ended();
    expect(bell.rings).toBe(1);
  });
});

describe("the commit mark at a hand-on", () => {
  it("a turn handed on with a ring keeps the commit mark of that moment; without a ring there is none", async () => {
    let mark = 7;
    const bell = fakeBell(true);
    const turn = new WriteTurn(bell, "turns", () => 0, () => mark);
    turn.began();
    turn.ended();
    await nextTurnOfTheLoop();
    expect(turn.queueFirst).toBe(true);
    expect(turn.handedOnAtMark).toBe(7);
    mark = 8; // later commits elsewhere do not change what the hand-on saw
    expect(turn.handedOnAtMark).toBe(7);
    turn.began(true);
    expect(turn.handedOnAtMark).toBeUndefined();
    bell.waiting = false;
    turn.ended();
    await nextTurnOfTheLoop();
    expect(turn.queueFirst).toBe(false);
    expect(turn.handedOnAtMark).toBeUndefined();
  });

  it("closing hands a held turn on without reading the mark (the connection is gone)", () => {
    const bell = fakeBell(true);
    const turn = new WriteTurn(bell, "turns", () => 0, () => {
      throw new Error("The database connection is not open");
    });
    turn.began();
    turn.ended();
    expect(() => turn.close()).not.toThrow();
    expect(bell.rings).toBe(1);
  });
});

describe("waiting in turns (busy.ts)", () => {
  const busyError = (): Error => Object.assign(new Error("database is locked"), { code: "SQLITE_BUSY" });
  const timedOut = (waited: number): never => {
    throw new Error(`timed out after ${waited} ms`);
  };
  function fakeDoorbell(log: string[]) {
    return {
      ready: true,
      drain: () => void log.push("drain"),
      markWaiting: () => void log.push("mark"),
      wait: () => void log.push("wait"),
      waitAsync: async () => void log.push("wait"),
    } as unknown as Doorbell;
  }

  /** A try at the lock that finds it busy twice, then takes it; each try is logged. */
  function busyTwice(log: string[]): () => string {
    let tries = 0;
    return () => {
      log.push("try");
      if (++tries < 3) throw busyError();
      return "locked";
    };
  }

  it("a waiter marks the -waiting file before its last try and keeps the rings (no drain)", async () => {
    const log: string[] = [];
    const policy = { timeoutMs: 10_000, doorbell: fakeDoorbell(log), ordered: true };
    expect(await retryWhileBusyAsync(busyTwice(log), policy, timedOut)).toBe("locked");
    expect(log).toEqual(["try", "mark", "try", "wait", "try"]);
    log.length = 0;
    expect(retryWhileBusy(busyTwice(log), policy, timedOut)).toBe("locked");
    expect(log).toEqual(["try", "mark", "try", "wait", "try"]);
  });

  /** A try at the lock that finds it busy `busy` times, then takes it. */
  function busyFor(log: string[], busy: number): () => string {
    let tries = 0;
    return () => {
      log.push("try");
      if (++tries <= busy) throw busyError();
      return "locked";
    };
  }

  it("a woken waiter that finds the lock taken queues again (no polling: it cost agents that pause)", async () => {
    const policy = (log: string[]) => ({ timeoutMs: 10_000, doorbell: fakeDoorbell(log), ordered: true });
    // Busy 3 times: before the mark, before the wait, then once after the wake.
    const expected = ["try", "mark", "try", "wait", "try", "wait", "try"];
    const asyncLog: string[] = [];
    expect(await retryWhileBusyAsync(busyFor(asyncLog, 3), policy(asyncLog), timedOut)).toBe("locked");
    expect(asyncLog).toEqual(expected);
    const blockingLog: string[] = [];
    expect(retryWhileBusy(busyFor(blockingLog, 3), policy(blockingLog), timedOut)).toBe("locked");
    expect(blockingLog).toEqual(expected);
  });

  it("hand-over ring drains stale rings, and a waiter woken to a taken lock waits for the next ring", async () => {
    const log: string[] = [];
    expect(await retryWhileBusyAsync(busyFor(log, 3), { timeoutMs: 10_000, doorbell: fakeDoorbell(log) }, timedOut)).toBe("locked");
    expect(log).toEqual(["try", "drain", "try", "wait", "try", "wait", "try"]);
  });

  it("hand-over ring drains stale rings instead", async () => {
    const log: string[] = [];
    expect(await retryWhileBusyAsync(busyTwice(log), { timeoutMs: 10_000, doorbell: fakeDoorbell(log) }, timedOut)).toBe("locked");
    expect(log).toEqual(["try", "drain", "try", "wait", "try"]);
  });

  it("a process that handed its turn on tries nothing until another process committed, then queues at the back", async () => {
    for (const wait of ["async", "blocking"] as const) {
      const log: string[] = [];
      let looks = 0;
      // Another connection commits at the fourth look.
      const commitMark = (): number => (++looks >= 4 ? 1 : 0);
      const attempt = (): string => {
        log.push(`try after ${looks} looks`);
        return "locked";
      };
      const policy = { timeoutMs: 10_000, doorbell: fakeDoorbell(log), ordered: true, queueFirst: true, commitMark };
      const result = wait === "async" ? await retryWhileBusyAsync(attempt, policy, timedOut) : retryWhileBusy(attempt, policy, timedOut);
      expect(result).toBe("locked");
      expect(log).toEqual(["mark", "wait", `try after ${looks} looks`]);
      expect(looks).toBeGreaterThanOrEqual(4);
    }
  });

  it("a process that handed its turn on and paused tries at once when another process committed since the hand-on", async () => {
    for (const wait of ["async", "blocking"] as const) {
      const log: string[] = [];
      let looks = 0;
      // The woken waiter committed during this process's pause: the mark is 1, the hand-on saw 0.
      const commitMark = (): number => (looks++, 1);
      const policy = { timeoutMs: 10_000, doorbell: fakeDoorbell(log), ordered: true, queueFirst: true, handOnMark: 0, commitMark };
      const started = performance.now();
      const attempt = (): string => (log.push("try"), "locked");
      expect(wait === "async" ? await retryWhileBusyAsync(attempt, policy, timedOut) : retryWhileBusy(attempt, policy, timedOut)).toBe("locked");
      // No wait for yet another commit (that waited LET_IN_MS at nearly every completion) and no queueing.
      expect(log).toEqual(["try"]);
      expect(looks).toBe(1);
      // The let-in it must not wait for is LET_IN_MS; a loaded machine may add tens of ms to the rest.
      expect(performance.now() - started).toBeLessThan(LET_IN_MS);
    }
  });

  it("with no commit since the hand-on it still lets the woken waiter in first", async () => {
    const log: string[] = [];
    let looks = 0;
    // The hand-on saw 5; the woken waiter commits at the third look.
    const commitMark = (): number => (++looks >= 3 ? 6 : 5);
    const policy = { timeoutMs: 10_000, doorbell: fakeDoorbell(log), ordered: true, queueFirst: true, handOnMark: 5, commitMark };
    expect(await retryWhileBusyAsync(() => (log.push("try"), "locked"), policy, timedOut)).toBe("locked");
    expect(log).toEqual(["mark", "wait", "try"]);
  });

  it("with no commit from anyone (the woken waiter died) it tries the lock itself in the end", async () => {
    const log: string[] = [];
    let looks = 0;
    const policy = { timeoutMs: 10_000, doorbell: fakeDoorbell(log), ordered: true, queueFirst: true, commitMark: () => (looks++, 0) };
    expect(await retryWhileBusyAsync(() => (log.push("try"), "locked"), policy, timedOut)).toBe("locked");
    // It looked for a commit until LET_IN_MS had passed, then tried without queueing.
    expect(log).toEqual(["try"]);
    expect(looks).toBeGreaterThan(1);
  });
});

describe("SQLite lock turns with real processes", () => {
  const dirs: string[] = [];
  const workers: WorkerProcess[] = [];
  const lockers: ChildProcess[] = [];
  afterEach(async () => {
    for (const l of lockers.splice(0)) {
      if (l.exitCode === null && l.signalCode === null) {
        const closed = new Promise((resolve) => l.once("close", resolve));
        l.kill("SIGKILL");
        await closed;
      }
    }
    for (const w of workers.splice(0)) {
      w.kill();
      await w.exited;
    }
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  async function freshBoard(tasks: number): Promise<string> {
    const dir = mkdtempSync(join(tmpdir(), "baton-turns-"));
    dirs.push(dir);
    const url = `sqlite:${join(dir, "board.db")}`;
    const board = await openBoard(url);
    await board.addMany(Array.from({ length: tasks }, (_, i) => ({ title: `turn task ${i}` })));
    await board.close();
    return url;
  }

  function claimer(url: string, agent: string): WorkerProcess {
    const worker = spawnWorker("race-claimer", { url, agent, leaseSeconds: 600, lockHandOver: "turns" });
    workers.push(worker);
    return worker;
  }

  it(
    "waiters blocked on the doorbell go on when the lock holder is SIGKILLed (no ring ever comes)",
    async () => {
      const url = await freshBoard(200);
      const path = url.slice("sqlite:".length);
      // sqlite-locker takes the bare path (not a JSON spec) and holds BEGIN IMMEDIATE.
      const locker = spawn(process.execPath, [workerScript("sqlite-locker"), path], { stdio: ["pipe", "pipe", "inherit"] });
      const lockerExited = new Promise<NodeJS.Signals | null>((resolve) => locker.once("close", (_code, signal) => resolve(signal)));
      lockers.push(locker);
      await new Promise<void>((resolve, reject) => {
        let out = "";
        locker.stdout.setEncoding("utf8").on("data", (chunk: string) => (out += chunk).includes("locked") && resolve());
        locker.once("close", (code) => reject(new Error(`sqlite-locker exited (${code}) before it locked`)));
      });
      const claimers = Array.from({ length: 4 }, (_, i) => claimer(url, `waiter-${i}`));
      await Promise.all(claimers.map((w) => w.ready));
      for (const w of claimers) w.go();
      // The claimers now find the lock busy and block on the doorbell; the holder dies without
      // a COMMIT and without a ring.
      await new Promise((resolve) => setTimeout(resolve, 300));
      locker.kill("SIGKILL");
      expect(await lockerExited).toBe("SIGKILL");
      const exits = await Promise.all(claimers.map((w) => w.exited));
      expect(exits.map((e) => e.code)).toEqual([0, 0, 0, 0]);
      const completed = exits.flatMap((e) => (e.result as { completed: string[] }).completed);
      expect(completed.length).toBe(200);
      expect(new Set(completed).size).toBe(200);
    },
    120_000,
  );

  it(
    "claimers SIGKILLed at random instants during the race never wedge the others; nothing is held twice",
    async () => {
      const TASKS = 600;
      const url = await freshBoard(TASKS);
      const claimers = Array.from({ length: 8 }, (_, i) => claimer(url, `racer-${i}`));
      await Promise.all(claimers.map((w) => w.ready));
      for (const w of claimers) w.go();
      const victims = [1, 4, 6];
      const board = await openBoard(url);
      try {
        for (const [k, victim] of victims.entries()) {
          // Kill once the race has moved on a step, whatever state the victim is in then:
          // holding the lock, holding a turn between writes, or blocked on the doorbell.
          const target = ((k + 1) * TASKS) / 5;
          const deadline = Date.now() + 60_000;
          while ((await board.list()).filter((t) => t.status === "completed").length < target) {
            if (Date.now() > deadline) throw new Error(`the race stalled below ${target} completions`);
            await new Promise((resolve) => setTimeout(resolve, 5 + Math.random() * 20));
          }
          claimers[victim]!.kill();
        }
        const exits = await Promise.all(claimers.map((w) => w.exited));
        const survivors = exits.filter((_, i) => !victims.includes(i));
        expect(survivors.map((e) => e.code)).toEqual([0, 0, 0, 0, 0]);
        expect(victims.map((i) => exits[i]!.signal)).toEqual(["SIGKILL", "SIGKILL", "SIGKILL"]);
        const { tasks, report } = await checkBoard(board);
        // Every task is completed, or held by a killed claimer (its lease has not run out).
        const killedAgents = new Set(victims.map((i) => `racer-${i}`));
        const open = tasks.filter((t) => t.status !== "completed");
        expect(open.every((t) => t.status === "in_progress" && killedAgents.has(t.assignedTo ?? ""))).toBe(true);
        expect(open.length).toBeLessThanOrEqual(victims.length);
        expect([...report.completions.values()].every((n) => n === 1)).toBe(true);
        expect([...report.claims.values()].every((n) => n === 1)).toBe(true);
        const reported = survivors.flatMap((e) => (e.result as { completed: string[] }).completed);
        expect(new Set(reported).size).toBe(reported.length);
      } finally {
        await board.close();
      }
    },
    180_000,
  );
});
