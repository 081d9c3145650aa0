/**
 * A long-running server must keep answering while another process holds the SQLite write
 * lock: a write waiting for that lock must not block the event loop (SPEC §7). /api/health
 * answers while the lock is still held, and the waiting write completes once it is released.
 */
import { spawn } from "node:child_process";
import { join } from "node:path";
import { afterEach, expect, test } from "vitest";
import { workerScript } from "../support/processes.js";
import { freshBoardDir } from "../cli/cli.js";
import { api, startServer } from "./server-process.js";
import type { ServerProcess } from "./server-process.js";

const servers: ServerProcess[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) await server.stop();
});

// Fails with the blocking lock wait (a write's busy-wait stalls serve's event loop; seen
// failing before the async SQLite wait of src/store/sqlite/busy.ts was merged).
test("/api/health answers while another process holds the SQLite write lock and a write waits for it", async () => {
  const cwd = freshBoardDir();
  const server = await startServer(cwd);
  servers.push(server);
  const locker = spawn(process.execPath, [workerScript("sqlite-locker"), join(cwd, ".baton", "board.db")]);
  let lockerOut = "";
  await new Promise<void>((resolve, reject) => {
    locker.stdout.on("data", (c: Buffer) => {
      lockerOut += c.toString();
      if (lockerOut.includes("locked\n")) resolve();
    });
    locker.on("close", (code) => reject(new Error(`locker exited ${code}`)));
  });
  let released = false;
  const write = api(server, "POST", "/api/tasks", { title: "waits for the lock" });
  await new Promise((r) => setTimeout(r, 200)); // the write is now waiting for the lock
  const latencies: number[] = [];
  const answeredWhileLocked: boolean[] = [];
  // If the event loop were blocked, nothing would answer until the lock is released: release
  // it after 20 s whatever happens, so the test fails instead of hanging.
  const safety = setTimeout(() => locker.stdin.write("go\n"), 20_000);
  for (let i = 0; i < 5; i++) {
    const started = performance.now();
    // A deadline with ample slack, so a blocked server fails the test instead of hanging it.
    const health = await api(server, "GET", "/api/health", undefined, {}, AbortSignal.timeout(15_000));
    latencies.push(performance.now() - started);
    expect(health.status).toBe(200);
    answeredWhileLocked.push(!released && !lockerOut.includes("released"));
  }
  clearTimeout(safety);
  locker.stdin.write("go\n");
  await new Promise<void>((resolve) => locker.on("close", () => resolve()));
  released = true;
  expect(answeredWhileLocked).toEqual([true, true, true, true, true]);
  const written = await write;
  expect([written.status, written.body.title]).toEqual([201, "waits for the lock"]);
  console.log(`health while locked: ${latencies.map((ms) => ms.toFixed(1)).join(", ")} ms`);
}, 120_000);
