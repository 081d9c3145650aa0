/**
 * `baton mcp` with BATON_LOCAL_WRITER=1: several agents' MCP servers on one SQLite board send
 * their hot writes through the board's one local writer (src/local-writer/), as the CLI does,
 * and the race keeps every guarantee: each task completed exactly once, one holder at a time.
 */
import { afterEach, describe, expect, it } from "vitest";
import { locateBoard } from "../../src/cli/discovery.js";
import { openBoard } from "../../src/index.js";
import { writerAddress } from "../../src/local-writer/address.js";
import { parseStoreUrl } from "../../src/store/open.js";
import { checkBoard } from "../conformance/checks.js";
import { canConnect, localWriterPids } from "../support/processes.js";
import { connect, freshBoardUrl } from "./mcp-client.js";
import type { WriterAddress } from "../../src/local-writer/address.js";
import type { McpSession } from "./mcp-client.js";

const AGENTS = 4;
const TASKS = 40;
/** Short, so the writer's staying up shows a client still connected to it. */
const WRITER_ENV = { BATON_LOCAL_WRITER: "1", BATON_LOCAL_WRITER_IDLE_MS: "300" };

const open: McpSession[] = [];
const boards: string[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((s) => s.close()));
  for (const path of boards.splice(0)) for (const pid of localWriterPids(path)) process.kill(pid, "SIGKILL");
});

/** Claims and completes until NOTHING_READY; the ids it completed. */
async function work(session: McpSession): Promise<string[]> {
  const completed: string[] = [];
  for (;;) {
    const claim = await session.call("claim_task", {});
    if (claim.isError) {
      expect(claim.body.error.code).toBe("NOTHING_READY");
      return completed;
    }
    const id = claim.body.task.id as string;
    const done = await session.call("complete_task", { id, result: "ok" });
    expect(done, JSON.stringify(done.body)).toMatchObject({ isError: false, body: { task: { id, status: "completed" } } });
    completed.push(id);
  }
}

describe("baton mcp with BATON_LOCAL_WRITER=1", () => {
  it(`${AGENTS} MCP servers race through the board's writer: every task completed exactly once, one holder at a time`, async () => {
    const url = await freshBoardUrl();
    const path = url.slice("sqlite:".length);
    boards.push(path);
    const setup = await openBoard(url);
    await setup.addMany(Array.from({ length: TASKS }, (_, i) => ({ title: `mcp task ${i}` })));
    await setup.close();

    const sessions = await Promise.all(Array.from({ length: AGENTS }, (_, i) => connect(url, `agent-${i + 1}`, WRITER_ENV)));
    open.push(...sessions);
    // The first hot write starts the writer (and goes to the board itself): the race begins
    // once it listens, else a quick race could end before any server reached it.
    // The servers' address: the CLI's, with the policy it finds for the board from this directory.
    const { socketPath } = writerAddress(parseStoreUrl(url), locateBoard(url, {}, process.cwd()).policy) as WriterAddress;
    const deadline = Date.now() + 10_000;
    while (!(await canConnect(socketPath))) {
      if (Date.now() > deadline) throw new Error("no writer started by the MCP servers' writes");
      const claim = await (sessions[0] as McpSession).call("claim_task", {});
      await (sessions[0] as McpSession).call("release_task", { id: claim.body.task.id });
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const completed = (await Promise.all(sessions.map(work))).flat();
    expect(completed.sort()).toEqual(Array.from({ length: TASKS }, (_, i) => `T-${i + 1}`).sort());

    // The writer outlives its 300 ms idle time only while a client holds a connection to it,
    // and the only clients are the MCP servers.
    await new Promise((resolve) => setTimeout(resolve, 1000));
    expect(localWriterPids(path)).toHaveLength(1);

    const board = await openBoard(url);
    try {
      const { tasks, report } = await checkBoard(board);
      expect(tasks.every((t) => t.status === "completed")).toBe(true);
      expect(report.violations).toEqual([]);
      expect(await board.audit({ type: "COMPLETED" })).toHaveLength(TASKS);
    } finally {
      await board.close();
    }
    await Promise.all(open.splice(0).map((s) => s.close()));
    const idleBy = Date.now() + 5000;
    while (localWriterPids(path).length > 0 && Date.now() < idleBy) await new Promise((resolve) => setTimeout(resolve, 50));
    expect(localWriterPids(path)).toEqual([]);
  }, 60_000);
});
