/**
 * The board's local writer (src/local-writer/): processes that open a SQLite board with
 * `localWriter` send their hot writes to one writer process, which commits them together.
 * Real processes race through it; the writer is SIGKILLed under them; two writers are
 * started at once; it goes when idle; and a client writes to the board itself whenever no
 * writer can be reached, so the writer is never needed for correctness.
 */
import { execFileSync, spawn, spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { connect, createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { locateBoard } from "../../src/cli/discovery.js";
import { openBoard } from "../../src/index.js";
import { ensurePrivateDirectory, writerAddress } from "../../src/local-writer/address.js";
import { localWriterCounts } from "../../src/local-writer/client.js";
import { readStartRecord } from "../../src/local-writer/start-record.js";
import { GREETING_LINE } from "../../src/local-writer/wire.js";
import { parseStoreUrl } from "../../src/store/open.js";
import { checkBoard } from "../conformance/checks.js";
import { CLI } from "../support/lockers.js";
import { canConnect, localWriterPids, repoRoot, spawnWorker } from "../support/processes.js";
import type { Board } from "../../src/index.js";
import type { WriterAddress } from "../../src/local-writer/address.js";
import type { WorkerProcess } from "../support/processes.js";

interface RaceResult {
  completed: string[];
  counts: { viaWriter: number; direct: number; writersStarted: number };
  lostClaims: number;
  lostCompletions: number;
}

const DAEMON = join(repoRoot(), "dist", "src", "local-writer", "daemon.js");
const dirs: string[] = [];
const workers: WorkerProcess[] = [];

beforeAll(() => {
  // Writers the tests start go soon after their last client (the default is 5 s).
  process.env.BATON_LOCAL_WRITER_IDLE_MS = "1500";
});

afterEach(async () => {
  for (const w of workers.splice(0)) {
    w.kill();
    await w.exited;
  }
  for (const pid of localWriterPids("baton-local-writer-")) killQuietly(pid);
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function killQuietly(pid: number): void {
  try {
    process.kill(pid, "SIGKILL");
  } catch {
    // gone already
  }
}

async function freshBoard(tasks: number): Promise<{ url: string; path: string }> {
  const dir = mkdtempSync(join(tmpdir(), "baton-local-writer-"));
  dirs.push(dir);
  const path = join(dir, "board.db");
  const url = `sqlite:${path}`;
  const board = await openBoard(url);
  await board.addMany(Array.from({ length: tasks }, (_, i) => ({ title: `writer task ${i}` })));
  await board.close();
  return { url, path };
}

function claimer(url: string, agent: string): WorkerProcess {
  const worker = spawnWorker("race-claimer", { url, agent, leaseSeconds: 600, localWriter: true });
  workers.push(worker);
  return worker;
}

async function until(what: string, condition: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/**
 * Exactly one writer is left within 3 s. A writer that is shutting down (idle) or one that lost
 * the election shows in `ps` for a few milliseconds beside the one that holds it; a second writer
 * that stayed up would still be there after 3 s, short of the 5 s a writer idles before it goes.
 */
async function untilOneWriter(path: string): Promise<void> {
  await until("exactly one writer", () => localWriterPids(path).length === 1, 3000);
}

/** Claims and releases until a call went through the writer (the first calls start it and go to the board itself). */
async function untilThroughTheWriter(board: Board): Promise<void> {
  await until("a claim through the writer", async () => {
    const claim = await board.claim({ agent: "a" });
    await board.release(claim.task.id, { token: claim.leaseToken });
    return (localWriterCounts(board)?.viaWriter ?? 0) > 0;
  });
}

/** `agents` claimers, started together. */
async function race(url: string, agents: number): Promise<WorkerProcess[]> {
  const started = Array.from({ length: agents }, (_, i) => claimer(url, `agent-${i + 1}`));
  await Promise.all(started.map((w) => w.ready));
  for (const w of started) w.go();
  return started;
}

async function finish(started: WorkerProcess[]): Promise<RaceResult[]> {
  const exits = await Promise.all(started.map((w) => w.exited));
  for (const exit of exits) expect(exit.code, exit.stderr).toBe(0);
  return exits.map((exit) => exit.result as RaceResult);
}

/** The board after a race: every task completed, the trail replays to it, never two holders at once. */
async function expectEveryTaskCompletedOnce(url: string): Promise<void> {
  const board = await openBoard(url);
  try {
    const { tasks, report } = await checkBoard(board);
    expect(tasks.every((t) => t.status === "completed")).toBe(true);
    expect(report.violations).toEqual([]);
  } finally {
    await board.close();
  }
}

describe("the local writer", () => {
  it(
    "8 processes start together with no writer: one of them starts it, every task completed exactly once, one holder at a time",
    async () => {
      const { url, path } = await freshBoard(600);
      const started = await race(url, 8);
      const results = await finish(started);
      const completed = results.flatMap((r) => r.completed);
      expect(completed.length).toBe(600);
      expect(new Set(completed).size).toBe(600);
      // Every call counted once, through the writer or (before it was up) not: 600 claims, 600
      // completions and each claimer's last claim (NOTHING_READY). How many went which way is
      // the machine's pace: a writer's start takes 0.15 s here alone, seconds under CI's load.
      expect(results.reduce((a, r) => a + r.counts.viaWriter + r.counts.direct, 0)).toBe(1208);
      expect(results.reduce((a, r) => a + r.lostClaims + r.lostCompletions, 0)).toBe(0);
      // One writer, started by one process (the others found the start name taken).
      expect(results.reduce((a, r) => a + r.counts.writersStarted, 0)).toBe(1);
      await untilOneWriter(path);
      await expectEveryTaskCompletedOnce(url);
    },
    60_000,
  );

  it(
    "8 processes race through a writer that is up: every write goes through it, every task completed exactly once, one holder at a time",
    async () => {
      const { url, path } = await freshBoard(600);
      // This connection keeps the writer from going idle while the claimers start.
      const holder = await openBoard(url, { localWriter: true });
      try {
        await untilThroughTheWriter(holder);
        const results = await finish(await race(url, 8));
        const completed = results.flatMap((r) => r.completed);
        expect(completed.length).toBe(600);
        expect(new Set(completed).size).toBe(600);
        // 600 claims, 600 completions and each claimer's last claim (NOTHING_READY).
        expect(results.reduce((a, r) => a + r.counts.viaWriter, 0)).toBe(1208);
        expect(results.reduce((a, r) => a + r.counts.direct + r.counts.writersStarted, 0)).toBe(0);
        expect(results.reduce((a, r) => a + r.lostClaims + r.lostCompletions, 0)).toBe(0);
      } finally {
        await holder.close();
      }
      await untilOneWriter(path);
      await expectEveryTaskCompletedOnce(url);
    },
    60_000,
  );

  it(
    "SIGKILLed mid-race, the processes go on (a new writer, or the board itself): no task completed twice, nothing lost beyond the answers that died with it",
    async () => {
      const { url, path } = await freshBoard(1500);
      const started = await race(url, 6);
      await until("a writer", () => localWriterPids(path).length === 1);
      const check = await openBoard(url);
      try {
        await until("200 completions", async () => (await check.count({ status: "completed" })) >= 200);
      } finally {
        await check.close();
      }
      for (const pid of localWriterPids(path)) process.kill(pid, "SIGKILL");
      const results = await finish(started);
      const completed = results.flatMap((r) => r.completed);
      expect(new Set(completed).size).toBe(completed.length);
      const lostClaims = results.reduce((a, r) => a + r.lostClaims, 0);
      const lostCompletions = results.reduce((a, r) => a + r.lostCompletions, 0);
      const board = await openBoard(url);
      try {
        const { tasks, events, report } = await checkBoard(board);
        expect(report.violations).toEqual([]);
        const done = tasks.filter((t) => t.status === "completed");
        const held = tasks.filter((t) => t.status === "in_progress");
        // Every completion a process was told of is on the board; a completion whose answer
        // died may have committed (done) or not (still held); a lost claim holds its task.
        for (const id of completed) expect(tasks.find((t) => t.id === id)?.status).toBe("completed");
        expect(done.length).toBeGreaterThanOrEqual(completed.length);
        expect(done.length).toBeLessThanOrEqual(completed.length + lostCompletions);
        expect(done.length + held.length).toBe(1500);
        expect(held.length).toBeLessThanOrEqual(lostClaims + lostCompletions);
        // Each task completed at most once in the audit trail, and the trail has every completion.
        expect([...report.completions.values()].every((n) => n === 1)).toBe(true);
        expect(report.completions.size).toBe(done.length);
        expect(events.length).toBeGreaterThan(0);
      } finally {
        await board.close();
      }
      // The next process to write finds no writer, starts one, and writes through it again.
      const next = await openBoard(url, { localWriter: true });
      try {
        await until("writes through a new writer", async () => {
          await next.claim({ agent: "after" }).catch(() => undefined);
          return (localWriterCounts(next)?.viaWriter ?? 0) > 0;
        });
        await untilOneWriter(path);
      } finally {
        await next.close();
      }
    },
    90_000,
  );

  it("two writers started at once for one board: one stays, the other exits at once", async () => {
    const { url, path } = await freshBoard(1);
    const address = writerAddress(parseStoreUrl(url), undefined) as WriterAddress;
    const config = JSON.stringify({ ...address, idleMs: 3000 });
    const exits = [0, 1].map(() => {
      const child = spawn(process.execPath, [DAEMON, config], { stdio: "ignore" });
      return new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
    });
    const first = await Promise.race(exits);
    expect(first).toBe(0);
    expect(localWriterPids(path).length).toBe(1);
    // The one left answers on the socket.
    await until("the socket", () => canConnect(address.socketPath));
  }, 20_000);

  it("two boards under a TMPDIR too long for a socket path: each has its own writer, and each board's claims take its own tasks", async () => {
    const savedTmp = process.env.TMPDIR;
    // 98 characters: Node would cut the socket path before its board key (about 107 bytes is all
    // it keeps), so both boards' clients reached one writer and board A's claims took board B's tasks.
    const base = mkdtempSync(join(tmpdir(), "baton-local-writer-"));
    dirs.push(base);
    const longTmp = join(base, "t".repeat(98 - base.length - 1));
    mkdirSync(longTmp);
    const boards: { name: string; board: Board; path: string }[] = [];
    try {
      process.env.TMPDIR = longTmp;
      expect(longTmp.length).toBe(98);
      for (const name of ["A", "B"]) {
        const { url, path } = await freshBoard(0);
        const setup = await openBoard(url);
        await setup.addMany(Array.from({ length: 20 }, () => ({ title: `task of ${name}` })));
        await setup.close();
        const address = writerAddress(parseStoreUrl(url), undefined) as WriterAddress;
        expect(address.socketPath.startsWith(`/tmp/baton-`)).toBe(true);
        expect(Buffer.byteLength(address.socketPath)).toBeLessThanOrEqual(107);
        boards.push({ name, board: await openBoard(url, { localWriter: true }), path });
      }
      for (const { board } of boards) await untilThroughTheWriter(board);
      for (let round = 0; round < 10; round++) {
        for (const { name, board } of boards) {
          const claim = await board.claim({ agent: "a" });
          expect(claim.task.title).toBe(`task of ${name}`);
          await board.release(claim.task.id, { token: claim.leaseToken });
        }
      }
      for (const { board, path } of boards) {
        expect(localWriterCounts(board)?.viaWriter).toBeGreaterThanOrEqual(20);
        expect(localWriterPids(path).length).toBe(1);
      }
    } finally {
      for (const { board } of boards) await board.close();
      if (savedTmp === undefined) delete process.env.TMPDIR;
      else process.env.TMPDIR = savedTmp;
    }
  }, 30_000);

  it("goes by itself once no client has been connected for its idle time", async () => {
    const { url, path } = await freshBoard(5);
    const board = await openBoard(url, { localWriter: true });
    await board.claim({ agent: "solo" });
    await until("a writer", () => localWriterPids(path).length === 1);
    await until("a claim through the writer", async () => {
      await board.claim({ agent: "solo" }).catch(() => undefined);
      return (localWriterCounts(board)?.viaWriter ?? 0) > 0;
    });
    await board.close();
    await until("the idle writer to exit", () => localWriterPids(path).length === 0, 8000);
  }, 20_000);

  it("a board closed while its first call is still connecting: the call is answered, and the connection goes with the board (the writer then goes idle)", async () => {
    const { url, path } = await freshBoard(3);
    const first = await openBoard(url, { localWriter: true });
    await untilThroughTheWriter(first);
    await first.close();
    const board = await openBoard(url, { localWriter: true });
    const claim = board.claim({ agent: "closing" });
    await board.close();
    expect((await claim).task.assignedTo).toBe("closing");
    // A connection left open would keep the writer up for as long as this process lives.
    await until("the idle writer to exit", () => localWriterPids(path).length === 0, 8000);
  }, 20_000);

  it("a writer's refusal crosses as the same BatonError, and the board is unchanged", async () => {
    const { url } = await freshBoard(2);
    const board = await openBoard(url, { localWriter: true });
    try {
      await untilThroughTheWriter(board);
      const claim = await board.claim({ agent: "a" });
      const before = await board.get(claim.task.id);
      await expect(board.complete(claim.task.id, { token: claim.leaseToken + 1000 })).rejects.toMatchObject({ code: "LEASE_LOST" });
      await expect(board.complete("NOPE-1", { token: 1 })).rejects.toMatchObject({ code: "NOT_FOUND" });
      expect(await board.get(claim.task.id)).toEqual(before);
    } finally {
      await board.close();
    }
  }, 20_000);

  it("garbage on the socket ends that connection only; other clients are served and the board is untouched", async () => {
    const { url } = await freshBoard(3);
    const board = await openBoard(url, { localWriter: true });
    try {
      await untilThroughTheWriter(board);
      const before = await board.list();
      const { socketPath } = writerAddress(parseStoreUrl(url), undefined) as WriterAddress;
      for (const garbage of ["not json\n", '{"i":1,"m":"deleteEverything","a":[]}\n', '{"i":"x"}\n', "\u0000\u00ff\u001b[2J\n"]) {
        const answer = await talk(socketPath, garbage);
        // An unknown method is answered with an error; anything unparseable closes the connection.
        if (answer !== "") expect(JSON.parse(answer)).toMatchObject({ i: 1, e: { message: expect.stringContaining("does not run") } });
      }
      expect(await board.list()).toEqual(before);
      const viaWriter = localWriterCounts(board)?.viaWriter ?? 0;
      const claim = await board.claim({ agent: "b" });
      expect(claim.task.assignedTo).toBe("b");
      expect(localWriterCounts(board)?.viaWriter).toBe(viaWriter + 1);
    } finally {
      await board.close();
    }
  }, 20_000);

  it("a socket directory open to other users: no writer listens there, and every write goes to the board itself", async () => {
    const { url } = await freshBoard(4);
    const dir = mkdtempSync(join(tmpdir(), "baton-local-writer-tmp-"));
    dirs.push(dir);
    const savedTmp = process.env.TMPDIR;
    process.env.TMPDIR = dir;
    try {
      const uid = process.getuid?.() ?? 0;
      mkdirSync(join(dir, `baton-${uid}`), { mode: 0o755 });
      chmodSync(join(dir, `baton-${uid}`), 0o755);
      const board = await openBoard(url, { localWriter: true });
      try {
        for (let i = 0; i < 4; i++) {
          const claim = await board.claim({ agent: "a" });
          await board.complete(claim.task.id, { token: claim.leaseToken });
          await new Promise((resolve) => setTimeout(resolve, 150));
        }
        // Not even started: the client sees what the writer would refuse.
        expect(localWriterCounts(board)).toMatchObject({ viaWriter: 0, direct: 8, writersStarted: 0 });
        expect(await board.count({ status: "completed" })).toBe(4);
      } finally {
        await board.close();
      }
    } finally {
      if (savedTmp === undefined) delete process.env.TMPDIR;
      else process.env.TMPDIR = savedTmp;
    }
  }, 20_000);

  it("the CLI with BATON_LOCAL_WRITER=1: the first call starts a writer, later calls go through it, every answer as without", async () => {
    const { url, path } = await freshBoard(3);
    const env = { ...process.env, BATON_STORE: url, BATON_LOCAL_WRITER: "1", BATON_AGENT: "cli-agent" };
    const cli = (...args: string[]): string => execFileSync(process.execPath, [CLI, ...args], { env, encoding: "utf8" });
    const first = JSON.parse(cli("claim", "--json")) as { id: string; lease_token: number };
    await until("a writer", () => localWriterPids(path).length === 1);
    const done = JSON.parse(cli("done", first.id, "--token", String(first.lease_token), "--json")) as { status: string };
    expect(done.status).toBe("completed");
    const second = JSON.parse(cli("claim", "--json")) as { id: string; assigned_to: string; lease_token: number };
    expect(second.assigned_to).toBe("cli-agent");
    expect(second.id).not.toBe(first.id);
    // A refusal through the writer is the CLI's as without: a wrong token is exit 4 (conflict), LEASE_LOST.
    const stale = spawnSync(process.execPath, [CLI, "done", second.id, "--token", String(second.lease_token + 1000), "--json"], { env, encoding: "utf8" });
    expect(stale.status).toBe(4);
    expect(JSON.parse(stale.stdout || stale.stderr)).toMatchObject({ error: { code: "LEASE_LOST" } });
    await untilOneWriter(path);
  }, 30_000);

  it("a writer that cannot start is not started again by every CLI call: starts in a row wait 1 s, 2 s, 4 s … machine-wide, and every call still succeeds", async () => {
    const { url, path } = await freshBoard(20);
    const dir = mkdtempSync(join(tmpdir(), "baton-local-writer-"));
    dirs.push(dir);
    // Preloaded into every node process of the calls: the writer (and only it) dies at once,
    // before any of its code runs, and leaves a line saying it was started.
    const starts = join(dir, "writer-starts.log");
    const preload = join(dir, "kill-writer.cjs");
    writeFileSync(
      preload,
      `if (process.argv[1] && process.argv[1].endsWith("daemon.js")) { require("node:fs").appendFileSync(${JSON.stringify(starts)}, "x\\n"); process.exit(3); }\n`,
    );
    const env = { ...process.env, BATON_STORE: url, BATON_LOCAL_WRITER: "1", NODE_OPTIONS: `--require ${preload}` };
    const calls = 8;
    const began = performance.now();
    for (let i = 0; i < calls; i++) {
      const claim = spawnSync(process.execPath, [CLI, "claim", "--agent", `cli-${i}`, "--json"], { env, encoding: "utf8" });
      expect(claim.status, claim.stderr).toBe(0);
      expect(JSON.parse(claim.stdout)).toMatchObject({ assigned_to: `cli-${i}`, status: "in_progress" });
    }
    const elapsedS = (performance.now() - began) / 1000;
    await new Promise((resolve) => setTimeout(resolve, 300)); // the last writer started has written its line
    const started = existsSync(starts) ? readFileSync(starts, "utf8").split("\n").filter(Boolean).length : 0;
    // Start k is made at least 2^(k-1) - 1 s after the first, so no more than this many fit
    // in the run (every call started one before the record).
    expect(started).toBeGreaterThanOrEqual(1);
    expect(started).toBeLessThanOrEqual(Math.floor(Math.log2(elapsedS + 1)) + 1);
    expect(started).toBeLessThan(calls);
    // The CLI's writer address, which has the policy the CLI found for the board in it.
    const { startRecord } = writerAddress(parseStoreUrl(url), locateBoard(undefined, env, process.cwd()).policy) as WriterAddress;
    expect(readStartRecord(startRecord)).toMatchObject({ starts: started });
    expect(localWriterPids(path)).toEqual([]);
  }, 30_000);

  it("a writer that cannot open its board exits 1 and says why in the start record; a writer that comes up removes the record", async () => {
    const { url } = await freshBoard(1);
    const address = writerAddress(parseStoreUrl(url), undefined) as WriterAddress;
    ensurePrivateDirectory(address.socketPath);
    writeFileSync(address.startRecord, `${JSON.stringify({ starts: 2, at: Date.now() })}\n`);
    const missing = { ...address, storeUrl: `sqlite:${join(tmpdir(), "baton-no-such-dir", "board.db")}`, idleMs: 1000 };
    const failed = spawnSync(process.execPath, [DAEMON, JSON.stringify(missing)], { encoding: "utf8" });
    expect(failed.status).toBe(1);
    expect(failed.stderr).toContain("the board's local writer cannot start: no board at");
    expect(readStartRecord(address.startRecord)).toMatchObject({ starts: 2, reason: expect.stringContaining("no board at") });

    const child = spawn(process.execPath, [DAEMON, JSON.stringify({ ...address, idleMs: 1000 })], { stdio: "ignore" });
    const exited = new Promise((resolve) => child.once("exit", resolve));
    await until("the socket", () => canConnect(address.socketPath));
    expect(readStartRecord(address.startRecord)).toBeNull();
    await exited; // idle, it goes
  }, 20_000);

  it("a writer SIGSTOPped: the call under way is refused as STORE_UNAVAILABLE after the lock timeout + 2 s, the next calls go to the board itself, and the writer, let go, never runs the refused call", async () => {
    const { path } = await freshBoard(4);
    const url = `sqlite:${path}?lockTimeoutSeconds=1`;
    const board = await openBoard(url, { localWriter: true });
    let stopped: number[] = [];
    try {
      await untilThroughTheWriter(board);
      stopped = localWriterPids(path);
      expect(stopped.length).toBe(1);
      for (const pid of stopped) process.kill(pid, "SIGSTOP");
      const started = performance.now();
      await expect(board.claim({ agent: "a" })).rejects.toMatchObject({ code: "STORE_UNAVAILABLE", message: expect.stringContaining("did not answer within 3 s") });
      // Refused after 3 s (checked once a second), never before: nothing here bounds it above.
      expect(performance.now() - started).toBeGreaterThanOrEqual(2900);
      const direct = localWriterCounts(board)?.direct ?? 0;
      const claim = await board.claim({ agent: "b" });
      expect(claim.task.assignedTo).toBe("b");
      expect(localWriterCounts(board)?.direct).toBe(direct + 1);
    } finally {
      for (const pid of stopped) process.kill(pid, "SIGCONT");
      await board.close();
    }
    // Let go, the writer reads the claim its caller gave up on, refuses it (it is past its
    // deadline), and goes once idle; a claim run then would hold a second task, for "a".
    await until("the writer gone", () => localWriterPids(path).length === 0, 10_000);
    await expectHeldOnlyBy(url, "b");
  }, 30_000);

  it("a writer that goes before it accepted a connection (left in the kernel's queue, as when it goes idle in that instant): the call waiting on it runs on the board itself, once, and succeeds", async () => {
    const { url, path } = await freshBoard(3);
    const writer = await stoppedWriter(url, path);
    // Long enough that only the writer's going ends the wait here.
    process.env.BATON_LOCAL_WRITER_GREETING_MS = "20000";
    const board = await openBoard(url, { localWriter: true });
    try {
      let settled = false;
      const claim = board.claim({ agent: "late" }).finally(() => (settled = true));
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(settled).toBe(false); // waiting for the writer's greeting, not run on the board
      process.kill(writer, "SIGKILL");
      const claimed = await claim;
      expect(claimed.task.assignedTo).toBe("late");
      expect(localWriterCounts(board)).toMatchObject({ viaWriter: 0, direct: 1 });
    } finally {
      delete process.env.BATON_LOCAL_WRITER_GREETING_MS;
      await board.close();
    }
    await expectHeldOnlyBy(url, "late");
  }, 20_000);

  it("a writer stopped before it accepted a connection: the call waits for its greeting at most 500 ms, runs on the board itself, and the writer, let go, has nothing of it to run", async () => {
    const { url, path } = await freshBoard(3);
    const writer = await stoppedWriter(url, path);
    const board = await openBoard(url, { localWriter: true });
    try {
      const started = performance.now();
      const claimed = await board.claim({ agent: "late" });
      // Never before the greeting's wait (nothing bounds it above here: a loaded machine).
      expect(performance.now() - started).toBeGreaterThanOrEqual(490);
      expect(claimed.task.assignedTo).toBe("late");
      expect(localWriterCounts(board)).toMatchObject({ viaWriter: 0, direct: 1 });
    } finally {
      process.kill(writer, "SIGCONT");
      await board.close();
    }
    await until("the writer gone", () => localWriterPids(path).length === 0, 10_000);
    await expectHeldOnlyBy(url, "late");
  }, 20_000);

  it("a peer on the writer's socket that greets in another wire's version, or with garbage: the client sends it nothing, leaves it, and its call runs on the board itself", async () => {
    const { url } = await freshBoard(4);
    const { socketPath } = writerAddress(parseStoreUrl(url), undefined) as WriterAddress;
    ensurePrivateDirectory(socketPath);
    rmSync(socketPath, { force: true });
    const greetings = ['{"w":1}\n', "\u001b[2J\u0000\u00ff\n", `${"x".repeat(5 * 1024 * 1024)}`, '{"w":2}\n{"i":1,"v":null}\n'];
    let greeting = "";
    let received = "";
    const peer = createServer((socket) => {
      socket.on("data", (chunk: Buffer) => (received += chunk.toString("latin1")));
      // The client leaves with the peer's bytes unread (5 MB of them): the peer's side is reset.
      socket.on("error", () => socket.destroy());
      socket.write(greeting);
    });
    await new Promise<void>((resolve) => peer.listen({ path: socketPath }, resolve));
    try {
      for (const [i, text] of greetings.entries()) {
        greeting = text;
        const board = await openBoard(url, { localWriter: true });
        try {
          const claim = await board.claim({ agent: `a${i}` });
          expect(claim.task.assignedTo).toBe(`a${i}`);
          expect(localWriterCounts(board)).toMatchObject({ viaWriter: 0, direct: 1, writersStarted: 0 });
        } finally {
          await board.close();
        }
      }
      expect(received).toBe("");
    } finally {
      await new Promise((resolve) => peer.close(resolve));
    }
  }, 20_000);

  it("the writer refuses a config it cannot use: exit 2 with the reason, and it opens nothing", async () => {
    const { url, path } = await freshBoard(1);
    const address = writerAddress(parseStoreUrl(url), undefined) as WriterAddress;
    const { startRecord: _omitted, ...withoutRecord } = { ...address, idleMs: 1000 };
    const cases: [string[], string][] = [
      [[], "usage: spawned by a baton client"],
      [["not json"], "usage: spawned by a baton client"],
      [[JSON.stringify(withoutRecord)], "usage: spawned by a baton client"],
      [[JSON.stringify({ ...address, idleMs: 1000, socketPath: `/tmp/${"s".repeat(120)}.sock` })], "is longer than 107 bytes"],
    ];
    for (const [args, reason] of cases) {
      const run = spawnSync(process.execPath, [DAEMON, ...args], { encoding: "utf8" });
      expect(run.status).toBe(2);
      expect(run.stderr).toContain(reason);
    }
    expect(localWriterPids(path)).toEqual([]);
    expect(readStartRecord(address.startRecord)).toBeNull();
  }, 20_000);

  it("a board opened with a custom clock ignores localWriter (the writer runs its own)", async () => {
    const { url } = await freshBoard(1);
    const board = await openBoard(url, { localWriter: true, clock: () => Date.now() });
    try {
      expect(localWriterCounts(board)).toBeUndefined();
      await board.claim({ agent: "a" });
    } finally {
      await board.close();
    }
  });
});

/** Sends `text` and returns the first line answered, or "" once the writer closes the connection. */
/** The board's writer, up and then SIGSTOPped with no client: it accepts nothing until SIGCONT. */
async function stoppedWriter(url: string, path: string): Promise<number> {
  const first = await openBoard(url, { localWriter: true });
  await untilThroughTheWriter(first);
  await first.close();
  const [writer] = localWriterPids(path);
  if (writer === undefined) throw new Error("no writer up");
  process.kill(writer, "SIGSTOP");
  return writer;
}

/** The only task in progress is `agent`'s, and the trail replays to the board. */
async function expectHeldOnlyBy(url: string, agent: string): Promise<void> {
  const check = await openBoard(url);
  try {
    const { tasks, report } = await checkBoard(check);
    expect(tasks.filter((t) => t.status === "in_progress").map((t) => t.assignedTo)).toEqual([agent]);
    expect(report.violations).toEqual([]);
  } finally {
    await check.close();
  }
}

/** Sends `text` on a connection of its own; the writer's first line after its greeting, or "" when it closes first. */
function talk(path: string, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ path });
    let got = "";
    socket.setEncoding("utf8");
    socket.once("connect", () => socket.write(text));
    socket.on("data", (chunk: string) => {
      got += chunk;
      const lines = got.split("\n");
      if (lines.length > 2) {
        expect(lines[0]).toBe(GREETING_LINE);
        socket.destroy();
        resolve(lines[1] as string);
      }
    });
    socket.once("close", () => {
      expect(got.startsWith(`${GREETING_LINE}\n`)).toBe(true);
      resolve(got.slice(GREETING_LINE.length + 1));
    });
    socket.once("error", reject);
  });
}
