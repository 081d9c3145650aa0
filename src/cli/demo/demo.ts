/**
 * `baton demo`: on a fresh temporary SQLite board, real agent processes (agent.ts) work
 * through a small release graph while this process streams the audit trail live. One task
 * fails once and is retried after its backoff; the agent holding another is killed with
 * SIGKILL, its lease expires and another agent finishes the task. It ends with a summary
 * computed from the audit trail, and exits 0 only when every task is completed.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { invalidInput } from "../../core/errors.js";
import { openBoard } from "../../index.js";
import { untilSignal } from "../../until-signal.js";
import { Style } from "../style.js";
import { AGENT_PROFILES, DEMO_POLICY, DEMO_TASKS, HANG_TASK } from "./graph.js";
import { checkAudit, summarise } from "./summary.js";
import { DemoView } from "./view.js";
import type { ChildProcess } from "node:child_process";
import type { BoardEvent } from "../../core/task.js";
import type { AgentProfile } from "./graph.js";

export interface DemoOptions {
  agents: number;
  keep: boolean;
  /** Give up (exit 1) if the graph is not finished by then. */
  deadlineMs?: number;
  /** Also serve the demo board with the dashboard on this port (0: any free one), until Ctrl-C. */
  servePort?: number;
}

/** How long the doomed agent works (and heartbeats) before the demo kills it. */
const KILL_AFTER_MS = 1200;
const AGENT_SCRIPT = fileURLToPath(new URL("./agent.js", import.meta.url));

export async function runDemo(options: DemoOptions): Promise<void> {
  if (options.agents < 2 || options.agents > AGENT_PROFILES.length) {
    throw invalidInput(`--agents must be from 2 to ${AGENT_PROFILES.length} (one of them is killed)`);
  }
  const dir = mkdtempSync(join(tmpdir(), "baton-demo-"));
  const url = `sqlite:${join(dir, "board.db")}`;
  const startedAt = Date.now();
  const view = new DemoView(Style.forStream(process.stdout, process.env), startedAt);
  const board = await openBoard(url, { policy: DEMO_POLICY });
  const server = options.servePort === undefined ? null : await serveDemoBoard(url, options.servePort);
  const profiles = AGENT_PROFILES.slice(0, options.agents);
  const agents = new Map<string, ChildProcess>();
  const stop = new AbortController();
  let killed: { agent: string; taskId: string } | null = null;
  let finished = false;
  try {
    await board.addMany(DEMO_TASKS);
    view.intro(DEMO_TASKS, profiles, dir);
    for (const profile of profiles) agents.set(profile.id, startAgent(url, profile, view));

    const deadline = setTimeout(() => stop.abort(), options.deadlineMs ?? 90_000);
    let completed = 0;
    for await (const event of board.watch({ afterSeq: 0, pollMs: 100, signal: stop.signal })) {
      view.event(event);
      if (event.type === "CLAIMED" && event.taskId === HANG_TASK && killed === null && event.agentId) {
        killed = { agent: event.agentId, taskId: HANG_TASK };
        scheduleKill(agents.get(event.agentId), event, view);
      }
      if (event.type === "COMPLETED" && ++completed === DEMO_TASKS.length) break;
    }
    clearTimeout(deadline);
    finished = completed === DEMO_TASKS.length;
    view.done();
    await Promise.all([...agents.values()].map((child) => exited(child, 5_000)));

    const events = await board.audit();
    process.stdout.write(
      `\n${summarise(events, { elapsedMs: Date.now() - startedAt, taskCount: DEMO_TASKS.length, agentCount: profiles.length, killed }, view.style)}\n`,
    );
    const check = checkAudit(events, DEMO_TASKS.length);
    finished &&= check.completedOnce && check.overlaps.length === 0;
    if (server) {
      process.stdout.write(`\nthe dashboard stays up on ${server.url} (Ctrl-C to stop)\n`);
      await untilSignal();
    }
  } finally {
    server?.stop();
    await server?.done;
    for (const child of agents.values()) if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    await board.close();
    if (options.keep) {
      process.stdout.write(`\nthe board is kept at ${dir}; look inside with: baton --store ${url} audit\n`);
    } else {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  if (!finished) {
    throw new Error(`the demo did not finish: not every task was completed exactly once within the deadline`);
  }
}

/**
 * `demo --serve`: `baton serve` in this process on the demo's board, so a person can watch the
 * agents in the dashboard. The sign-in link is printed before the agents start.
 */
async function serveDemoBoard(url: string, port: number): Promise<{ url: string; stop: () => void; done: Promise<void> }> {
  const { runServer } = await import("../../http/server.js");
  let stop: () => void = () => undefined;
  const stopped = new Promise<void>((resolve) => (stop = resolve));
  let announced: (serverUrl: string) => void = () => undefined;
  const listening = new Promise<string>((resolve) => (announced = resolve));
  const done = runServer({
    storeUrl: url,
    policy: DEMO_POLICY,
    host: "127.0.0.1",
    port,
    env: {},
    stopped,
    announce: (info) => {
      process.stdout.write(`dashboard: ${info.loginUrl}\n  (one-time sign-in link; the agents start in 3 s)\n\n`);
      announced(info.url);
    },
    log: () => undefined,
  });
  const serverUrl = await Promise.race([listening, done.then(() => "")]);
  if (!serverUrl) throw new Error("the demo's server stopped before it listened");
  // Time to open the link before the first claim.
  await new Promise((resolve) => setTimeout(resolve, 3000));
  return { url: serverUrl, stop, done };
}

function startAgent(url: string, profile: AgentProfile, view: DemoView): ChildProcess {
  const child = spawn(
    process.execPath,
    [AGENT_SCRIPT, url, profile.id, profile.capabilities.join(","), JSON.stringify(DEMO_POLICY)],
    { stdio: ["ignore", "ignore", "pipe"] },
  );
  let stderr = "";
  child.stderr?.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  child.on("exit", (code, signal) => {
    if (signal === "SIGKILL") return;
    if (code === 0) view.note(`${view.agent(profile.id)} found nothing left to do and exited`);
    else view.note(`${view.agent(profile.id)} exited with code ${code}: ${stderr.trim().split("\n").slice(-3).join(" / ")}`);
  });
  return child;
}

function scheduleKill(child: ChildProcess | undefined, claim: BoardEvent, view: DemoView): void {
  setTimeout(() => {
    if (!child || child.exitCode !== null) return;
    child.kill("SIGKILL");
    view.note(
      `SIGKILL → ${view.agent(claim.agentId as string)} (pid ${child.pid}) while it holds ${claim.taskId}: ` +
        `no more heartbeats; its ${DEMO_POLICY.leaseSeconds} s lease will expire and another agent will take over`,
    );
  }, KILL_AFTER_MS);
}

function exited(child: ChildProcess, timeoutMs: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      resolve();
    }, timeoutMs);
    child.once("exit", () => {
      clearTimeout(timer);
      resolve();
    });
  });
}
