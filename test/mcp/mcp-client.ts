/**
 * Test support: a real MCP client (the SDK's Client over StdioClientTransport) talking to
 * `baton mcp` spawned from the built CLI, and a fresh SQLite board per test.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { openBoard } from "../../src/index.js";
import type { BoardEvent, Task } from "../../src/index.js";

export const CLI = join(process.cwd(), "dist/src/cli/main.js");

/** A new, empty board (created here: `baton mcp` refuses to create one). */
export async function freshBoardUrl(): Promise<string> {
  const url = `sqlite:${join(mkdtempSync(join(tmpdir(), "baton-mcp-")), "board.db")}`;
  await (await openBoard(url)).close();
  return url;
}

export interface ToolOutcome {
  isError: boolean;
  /** The JSON the tool's text content carries. */
  body: Record<string, any>;
  /** Size of that text: what a model pays for. */
  chars: number;
}

export interface McpSession {
  client: Client;
  call(name: string, args?: Record<string, unknown>): Promise<ToolOutcome>;
  close(): Promise<void>;
  stderr(): string;
}

/**
 * Spawns `node dist/src/cli/main.js mcp --store URL [--agent ID]` and connects to it. The child
 * gets only the SDK's default environment (HOME, PATH…) plus `env`, so no BATON_* variable of
 * the test run leaks in.
 */
export async function connect(storeUrl: string, agent?: string, env: Record<string, string> = {}): Promise<McpSession> {
  const args = [CLI, "mcp", "--store", storeUrl, ...(agent === undefined ? [] : ["--agent", agent])];
  const transport = new StdioClientTransport({ command: process.execPath, args, env, stderr: "pipe" });
  let stderr = "";
  transport.stderr?.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const client = new Client({ name: "baton-test", version: "1.0.0" });
  await client.connect(transport);
  return {
    client,
    async call(name, args = {}) {
      const result = await client.callTool({ name, arguments: args });
      const content = result.content as { type: string; text: string }[];
      const text = content[0]?.text ?? "";
      return { isError: result.isError === true, body: JSON.parse(text), chars: text.length };
    },
    close: () => client.close(),
    stderr: () => stderr,
  };
}

/** What a bad call must not change: every task and the length of the audit trail. */
export async function snapshot(storeUrl: string): Promise<{ tasks: Task[]; events: number; lastEvent: BoardEvent | undefined }> {
  const board = await openBoard(storeUrl);
  try {
    const tasks = await board.list();
    const events = await board.audit({});
    return { tasks, events: events.length, lastEvent: events[events.length - 1] };
  } finally {
    await board.close();
  }
}

/** Polls `probe` until it returns a value (deterministic signal), failing after `timeoutMs`. */
export async function until<T>(probe: () => Promise<T | undefined>, what: string, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
