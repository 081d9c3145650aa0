/**
 * `baton mcp`: the board as MCP tools over stdio, until the client disconnects. stdout carries
 * only the protocol; diagnostics go to stderr, which clients keep in their MCP logs.
 */
import { openBoard } from "../index.js";
import { checkAgentId } from "../core/validation.js";
import { createBatonMcpServer } from "./protocol.js";
import { Session } from "./session.js";
import { BatonStdioTransport } from "./stdio.js";
import type { BoardPolicyInput } from "../core/policy.js";

export interface McpServerOptions {
  /** Store URL (`sqlite:…`, `json:…`, `postgres://…`). */
  storeUrl: string;
  /** Default agent identity for tools called without `agent` (from --agent / BATON_AGENT). */
  agent?: string;
  /** The board's policy (lease length, attempts, prefixes…), e.g. from its config. */
  policy?: BoardPolicyInput;
  /**
   * Create the board when it does not exist. Default false: a mistyped --store must fail at
   * start with "no board at …; run `baton init`", not serve an empty board where agents would
   * see NOTHING_READY forever.
   */
  create?: boolean;
  /**
   * Send the hot writes through the board's local writer (src/local-writer/client.ts), as the
   * CLI does with BATON_LOCAL_WRITER=1: many agents' MCP servers on one SQLite board then stop
   * handing its write lock to each other. Ignored for other stores.
   */
  localWriter?: boolean;
}

export async function runMcpServer(options: McpServerOptions): Promise<void> {
  const agent = options.agent === undefined ? undefined : checkAgentId(options.agent);
  const board = await openBoard(options.storeUrl, {
    create: options.create ?? false,
    ...(options.policy && { policy: options.policy }),
    ...(options.localWriter && { localWriter: true }),
  });
  const log = (line: string): void => void process.stderr.write(`baton mcp: ${line}\n`);
  const session = new Session(board, agent, log);
  const server = createBatonMcpServer({ board, session });
  const transport = new BatonStdioTransport();
  try {
    const ended = clientGone(transport);
    await server.connect(transport);
    await ended;
  } finally {
    // Held leases are left to expire, not released: see session.ts for why.
    await session.close();
    await server.close().catch(() => {});
    await board.close();
  }
}

/**
 * Resolves when the client is gone. The transport does not watch for the end of stdin (it only
 * stops on close()), so a client that exits would leave the server running.
 */
function clientGone(transport: BatonStdioTransport): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      process.stdin.off("end", done);
      process.stdin.off("close", done);
      process.off("SIGTERM", done);
      process.off("SIGINT", done);
      resolve();
    };
    process.stdin.once("end", done);
    process.stdin.once("close", done);
    process.once("SIGTERM", done);
    process.once("SIGINT", done);
    transport.onclose = done;
  });
}
