/**
 * The MCP protocol over baton's tools: tools/list publishes each tool's zod schema as JSON
 * Schema; tools/call parses the arguments with the board's `parseInput` and runs the tool.
 *
 * Built on the SDK's low-level `Server` rather than `McpServer.registerTool`, because
 * McpServer validates arguments itself and reports a failure as the text "MCP error -32602:
 * Input validation error…", without baton's code; here bad input is an INVALID_INPUT refusal
 * like every other refusal (SPEC §3.5), with the same message the library gives.
 */
import { Server } from "@modelcontextprotocol/sdk/server/index.js";
import {
  CallToolRequestSchema,
  ErrorCode as RpcErrorCode,
  ListToolsRequestSchema,
  McpError,
} from "@modelcontextprotocol/sdk/types.js";
import * as z from "zod/mini";
import { parseInput } from "../core/validation.js";
import { packageVersion } from "../package-info.js";
import { toolError } from "./errors.js";
import { TOOLS } from "./tools/index.js";
import type { BatonTool, ToolContext } from "./tool.js";
import type { CallToolResult, Tool } from "@modelcontextprotocol/sdk/types.js";

/** The package's version (package.json), as `baton --version` reports it. */
export const SERVER_VERSION = packageVersion();

/** Sent once at connection; clients put it in the model's context. Kept short on purpose. */
const INSTRUCTIONS = [
  "baton is a shared task board: many agents, each task worked by one agent at a time.",
  "Loop: claim_task → work → complete_task (with a result) or fail_task (with the error); release_task what you will not finish.",
  "This server remembers your lease tokens and heartbeats your leases while the session is open.",
  "Work is delivered at least once: use (task id, lease_token) as the idempotency key of outside side effects.",
  "On LEASE_LOST stop working on that task. On NOTHING_READY wait, or list_tasks to see what is blocked.",
].join("\n");

export function createBatonMcpServer(context: ToolContext): Server {
  const byName = new Map(TOOLS.map((tool) => [tool.name, tool]));
  const listed = TOOLS.map(describeTool);
  // The SDK marks Server "for advanced use cases"; owning validation errors is one (see above).
  const server = new Server(
    { name: "baton", version: SERVER_VERSION },
    { capabilities: { tools: { listChanged: false } }, instructions: INSTRUCTIONS },
  );
  server.setRequestHandler(ListToolsRequestSchema, () => ({ tools: listed }));
  server.setRequestHandler(CallToolRequestSchema, async (request): Promise<CallToolResult> => {
    const tool = byName.get(request.params.name);
    if (!tool) {
      // An unknown tool is a protocol error (MCP spec), not a refusal of the board.
      throw new McpError(RpcErrorCode.InvalidParams, `unknown tool ${request.params.name}; tools/list names baton's tools`);
    }
    return callTool(tool, request.params.arguments ?? {}, context);
  });
  return server;
}

export async function callTool(tool: BatonTool, args: unknown, context: ToolContext): Promise<CallToolResult> {
  try {
    const parsed = parseInput(tool.input, args, `${tool.name} arguments`);
    const body = await tool.run(parsed, context);
    return { content: [{ type: "text", text: JSON.stringify(body) }], structuredContent: body };
  } catch (error) {
    return toolError(error);
  }
}

function describeTool(tool: BatonTool): Tool {
  // draft-7, as the SDK's own McpServer publishes zod 4 schemas; "$schema" dropped to save tokens.
  const { $schema: _, ...inputSchema } = z.toJSONSchema(tool.input, { target: "draft-7", io: "input" }) as Record<
    string,
    unknown
  >;
  return {
    name: tool.name,
    title: tool.title,
    description: tool.description,
    inputSchema: inputSchema as Tool["inputSchema"],
    annotations: tool.annotations,
  };
}
