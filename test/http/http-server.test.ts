/**
 * `baton serve` as a real process: 16 client processes racing over HTTP with CLI agents on the
 * same board, the stream following a CLI race live and across a reconnect, 50 stream clients,
 * and the refusal to open a non-loopback address without a token.
 */
import { spawn } from "node:child_process";
import { join } from "node:path";
import { writeFileSync } from "node:fs";
import { afterEach, expect, test } from "vitest";
import { openBoard } from "../../src/index.js";
import { raceWorkers, workerScript } from "../support/processes.js";
import { CLI, baton, freshBoardDir } from "../cli/cli.js";
import { SseReader, seqOf } from "./sse-reader.js";
import { SERVER_TOKEN, api, startServer } from "./server-process.js";
import type { BoardEvent } from "../../src/index.js";
import type { ServerProcess } from "./server-process.js";

const servers: ServerProcess[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) await server.stop();
});

async function serve(cwd: string, args: readonly string[] = []): Promise<ServerProcess> {
  const server = await startServer(cwd, args);
  servers.push(server);
  return server;
}

async function addTasks(cwd: string, n: number): Promise<void> {
  const board = await openBoard(`sqlite:${join(cwd, ".baton", "board.db")}`);
  await board.addMany(Array.from({ length: n }, (_, i) => ({ title: `task ${i + 1}` })));
  await board.close();
}

async function auditTrail(cwd: string): Promise<BoardEvent[]> {
  const board = await openBoard(`sqlite:${join(cwd, ".baton", "board.db")}`);
  const events = await board.audit();
  await board.close();
  return events;
}

/** No task is ever claimed while another agent holds it, judged from the audit trail alone. */
function expectNoOverlappingHolders(events: readonly BoardEvent[]): void {
  const holder = new Map<string, string | null>();
  for (const event of events) {
    if (event.taskId === null) continue;
    if (event.type === "CLAIMED") {
      expect(holder.get(event.taskId) ?? null, `seq ${event.seq}: ${event.taskId} claimed while held`).toBeNull();
      holder.set(event.taskId, event.agentId);
    } else if (event.to !== "in_progress") {
      holder.set(event.taskId, null);
    }
  }
}

/** A CLI agent looping claim → done until nothing is ready (test/workers/cli-claimer.ts). */
function cliAgent(cwd: string, agent: string): Promise<{ agent: string; completed: string[]; unexpected: string[] }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [workerScript("cli-claimer"), CLI, cwd, agent]);
    let out = "";
    let err = "";
    child.stdout.on("data", (c: Buffer) => (out += c.toString()));
    child.stderr.on("data", (c: Buffer) => (err += c.toString()));
    child.on("close", (code) => (code === 0 ? resolve(JSON.parse(out)) : reject(new Error(`cli agent ${agent} exit ${code}: ${err}`))));
  });
}

test("16 HTTP client processes and 4 CLI agents race on one board: each task completed exactly once, no overlapping holders", async () => {
  const cwd = freshBoardDir();
  await addTasks(cwd, 400);
  const server = await serve(cwd);
  const cli = Array.from({ length: 4 }, (_, i) => cliAgent(cwd, `cli-${i}`));
  const { results } = await raceWorkers<{ completed: string[]; refused: string[] }>(
    "http-claimer",
    Array.from({ length: 16 }, (_, i) => ({ url: server.url, token: SERVER_TOKEN, agent: `http-${i}`, leaseSeconds: 300 })),
  );
  const cliResults = await Promise.all(cli);
  const completed = [...results.flatMap((r) => r.completed), ...cliResults.flatMap((r) => r.completed)];
  expect(results.flatMap((r) => r.refused)).toEqual([]);
  expect(cliResults.flatMap((r) => r.unexpected)).toEqual([]);
  expect(completed.length).toBe(400);
  expect(new Set(completed).size).toBe(400);
  expect(results.filter((r) => r.completed.length > 0).length).toBeGreaterThan(1);
  const stats = await api(server, "GET", "/api/stats");
  expect(stats.body.counts.completed).toBe(400);
  const events = await auditTrail(cwd);
  expectNoOverlappingHolders(events);
  expect(events.filter((e) => e.type === "COMPLETED").length).toBe(400);
  // Both kinds of agent worked the board at once (the CLI agents start before the HTTP ones).
  const byKind = (kind: string) => events.filter((e) => e.type === "COMPLETED" && e.agentId?.startsWith(`${kind}-`)).length;
  expect(byKind("cli")).toBeGreaterThan(0);
  expect(byKind("cli") + byKind("http")).toBe(400);
  // Every HTTP claim and completion went through serve's group commit (health counts them).
  const { group_commit } = (await api(server, "GET", "/api/health")).body;
  expect(group_commit.operations).toBeGreaterThanOrEqual(2 * byKind("http"));
  expect(group_commit.batches).toBeGreaterThan(0);
  expect(group_commit.batches).toBeLessThanOrEqual(group_commit.operations);
}, 300_000);

test("8 HTTP processes completing with claim_next and 8 with two requests race on one board: each task completed exactly once, no overlapping holders", async () => {
  const cwd = freshBoardDir();
  await addTasks(cwd, 300);
  const server = await serve(cwd);
  const { results } = await raceWorkers<{ completed: string[]; refused: string[] }>(
    "http-claimer",
    Array.from({ length: 16 }, (_, i) => ({ url: server.url, token: SERVER_TOKEN, agent: `http-${i}`, leaseSeconds: 300, claimNext: i % 2 === 0 })),
  );
  const completed = results.flatMap((r) => r.completed);
  expect(results.flatMap((r) => r.refused)).toEqual([]);
  expect(completed.length).toBe(300);
  expect(new Set(completed).size).toBe(300);
  const events = await auditTrail(cwd);
  expectNoOverlappingHolders(events);
  expect(events.filter((e) => e.type === "COMPLETED").length).toBe(300);
  expect(events.filter((e) => e.type === "CLAIMED").length).toBe(300);
  // Each completion is recorded by the agent that held the task, and the one-request agents worked too.
  const completedBy = new Map(events.filter((e) => e.type === "COMPLETED").map((e) => [e.taskId, e.agentId]));
  results.forEach((r, i) => r.completed.forEach((id) => expect(completedBy.get(id), id).toBe(`http-${i}`)));
  expect(results.filter((_, i) => i % 2 === 0).flatMap((r) => r.completed).length).toBeGreaterThan(0);
  expect((await api(server, "GET", "/api/stats")).body.counts).toMatchObject({ completed: 300, in_progress: 0, pending: 0 });
}, 300_000);

test("the stream shows a CLI race as it happens; cut mid-race and resumed with Last-Event-ID, it has every event once, in order", async () => {
  const cwd = freshBoardDir();
  await addTasks(cwd, 60);
  const server = await serve(cwd);
  const headers = { authorization: `Bearer ${SERVER_TOKEN}` };
  const first = new AbortController();
  const response = await fetch(`${server.url}/api/events/stream?after=60`, { headers, signal: first.signal });
  let reader = new SseReader(response.body as ReadableStream<Uint8Array>);
  let raceOver = false;
  const race = Promise.all(Array.from({ length: 4 }, (_, i) => cliAgent(cwd, `cli-${i}`))).then((r) => {
    raceOver = true;
    return r;
  });
  const seen: number[] = [];
  let seenWhileRacing = 0;
  while (seen.length < 20) {
    const frame = await reader.nextEvent();
    seen.push(seqOf(frame!));
    if (!raceOver) seenWhileRacing++;
  }
  first.abort();
  await reader.cancel();
  await new Promise((r) => setTimeout(r, 300)); // events commit while no client is connected
  const second = new AbortController();
  const resumed = await fetch(`${server.url}/api/events/stream`, {
    headers: { ...headers, "last-event-id": String(seen[seen.length - 1]) },
    signal: second.signal,
  });
  reader = new SseReader(resumed.body as ReadableStream<Uint8Array>);
  await race;
  const trail = (await auditTrail(cwd)).filter((e) => e.seq > 60).map((e) => e.seq);
  while (seen[seen.length - 1] !== trail[trail.length - 1]) seen.push(seqOf((await reader.nextEvent())!));
  second.abort();
  await reader.cancel();
  expect(seenWhileRacing).toBeGreaterThan(0);
  expect(seen).toEqual(trail);
  expect(trail.length).toBe(120); // 60 × CLAIMED + COMPLETED
}, 300_000);

test("50 concurrent stream clients of one server all receive every event", async () => {
  const cwd = freshBoardDir();
  const server = await serve(cwd);
  const headers = { authorization: `Bearer ${SERVER_TOKEN}` };
  const clients = await Promise.all(
    Array.from({ length: 50 }, async () => {
      const abort = new AbortController();
      const response = await fetch(`${server.url}/api/events/stream?after=0`, { headers, signal: abort.signal });
      return { abort, reader: new SseReader(response.body as ReadableStream<Uint8Array>) };
    }),
  );
  for (let i = 0; i < 20; i++) expect((await api(server, "POST", "/api/tasks", { title: `t${i}` })).status).toBe(201);
  for (let i = 0; i < 10; i++) expect((await api(server, "POST", "/api/claims", { agent: `a${i}` })).status).toBe(200);
  const received = await Promise.all(
    clients.map(async ({ reader, abort }) => {
      const seqs: number[] = [];
      while (seqs.length < 30) seqs.push(seqOf((await reader.nextEvent())!));
      abort.abort();
      await reader.cancel();
      return seqs;
    }),
  );
  for (const seqs of received) expect(seqs).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
}, 120_000);

test("--host 0.0.0.0 without a token refuses to start: exit 2 with the reason", () => {
  const cwd = freshBoardDir();
  const run = baton(["serve", "--host", "0.0.0.0", "--port", "0"], { cwd });
  expect(run.code).toBe(2);
  expect(run.stderr).toBe(
    "baton: --host 0.0.0.0 is not a loopback address, and serve refuses to open the board to the network without a token: set BATON_TOKEN or pass --token-file FILE (see docs/http.md)\n",
  );
});

test("a token file's read token reads and cannot write; its names are the actors of person actions", async () => {
  const cwd = freshBoardDir();
  const file = join(cwd, "tokens.txt");
  writeFileSync(file, "# name role token\nlead write lead-token-0123456789\nwatcher read watch-token-0123456789\n");
  const server = await serve(cwd, ["--token-file", file]);
  const as = (token: string) => ({ authorization: `Bearer ${token}` });
  expect((await api(server, "GET", "/api/tasks", undefined, as("watch-token-0123456789"))).status).toBe(200);
  expect((await api(server, "POST", "/api/tasks", { title: "x" }, as("watch-token-0123456789"))).status).toBe(403);
  const created = await api(server, "POST", "/api/tasks", { title: "x" }, as("lead-token-0123456789"));
  expect([created.status, created.body.created_by]).toEqual([201, "lead"]);
  // BATON_TOKEN (set by startServer) works beside the file, under its default name.
  const cancelled = await api(server, "POST", "/api/tasks/T-1/cancel", {}, { "if-match": '"1"' });
  expect([cancelled.status, cancelled.body.status]).toEqual([200, "cancelled"]);
  const [event] = (await auditTrail(cwd)).filter((e) => e.type === "CANCELLED");
  expect(event?.agentId).toBe("operator");
});
