/**
 * MCP over stdio with JSON-RPC's error replies. The SDK's StdioServerTransport drops what it
 * cannot parse without answering and closes the session when a line outgrows its 10 MB buffer
 * (a 20 MB message ended `baton mcp` with exit 0 and no reply). Here every line gets an
 * answer or is a valid message:
 * - a line over MAX_MESSAGE_BYTES: −32600 naming the limit; the rest of the line is skipped,
 *   never buffered, and the session goes on;
 * - not JSON: −32700 (parse error); a batch (an array: MCP has no batches) or not a JSON-RPC
 *   request: −32600 (invalid request), with the request's id when it has one;
 * - a request before `initialize` (other than ping): −32600 "send initialize first";
 * - `tools/call` without a tool name: −32602 (invalid params) saying what to send, instead of
 *   the SDK's −32603 carrying a raw zod dump.
 */
import process from "node:process";
import { CallToolRequestSchema, JSONRPCMessageSchema } from "@modelcontextprotocol/sdk/types.js";
import type { Transport } from "@modelcontextprotocol/sdk/shared/transport.js";
import type { JSONRPCMessage } from "@modelcontextprotocol/sdk/types.js";

/** The largest message accepted: tool arguments are small (a 100-task create_tasks is ~100 KB). */
export const MAX_MESSAGE_BYTES = 4 * 1024 * 1024;

const PARSE_ERROR = -32700;
const INVALID_REQUEST = -32600;
const INVALID_PARAMS = -32602;

type Id = string | number | null;

export class BatonStdioTransport implements Transport {
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: (message: JSONRPCMessage) => void;

  private chunks: Buffer[] = [];
  private buffered = 0;
  /** Inside a line longer than the limit: its bytes are dropped until the newline. */
  private skipping = false;
  private initialized = false;

  constructor(
    private readonly stdin: NodeJS.ReadableStream = process.stdin,
    private readonly stdout: NodeJS.WritableStream = process.stdout,
  ) {}

  async start(): Promise<void> {
    this.stdin.on("data", this.onData);
    this.stdin.on("error", this.onStreamError);
  }

  async close(): Promise<void> {
    this.stdin.off("data", this.onData);
    this.stdin.off("error", this.onStreamError);
    if (this.stdin.listenerCount("data") === 0) this.stdin.pause();
    this.chunks = [];
    this.onclose?.();
  }

  send(message: JSONRPCMessage): Promise<void> {
    return new Promise((resolve) => {
      if (this.stdout.write(`${JSON.stringify(message)}\n`)) resolve();
      else this.stdout.once("drain", resolve);
    });
  }

  private readonly onStreamError = (error: Error): void => this.onerror?.(error);

  private readonly onData = (chunk: Buffer | string): void => {
    let data = typeof chunk === "string" ? Buffer.from(chunk) : chunk;
    for (let nl = data.indexOf(10); nl !== -1; nl = data.indexOf(10)) {
      this.take(data.subarray(0, nl));
      this.endLine();
      data = data.subarray(nl + 1);
    }
    this.take(data);
  };

  private take(part: Buffer): void {
    if (this.skipping || part.length === 0) return;
    if (this.buffered + part.length > MAX_MESSAGE_BYTES) {
      this.chunks = [];
      this.buffered = 0;
      this.skipping = true;
      this.reply(
        null,
        INVALID_REQUEST,
        `message larger than ${MAX_MESSAGE_BYTES / 1024 / 1024} MB (the limit): send smaller tool arguments`,
      );
      return;
    }
    this.chunks.push(part);
    this.buffered += part.length;
  }

  private endLine(): void {
    const line = Buffer.concat(this.chunks).toString("utf8").replace(/\r$/, "");
    const skipped = this.skipping;
    this.chunks = [];
    this.buffered = 0;
    this.skipping = false;
    if (skipped || line.trim() === "") return;
    this.handleLine(line);
  }

  private handleLine(line: string): void {
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (error) {
      this.reply(null, PARSE_ERROR, `parse error: not JSON (${(error as Error).message}); send one JSON-RPC message per line`);
      return;
    }
    if (Array.isArray(value)) {
      this.reply(null, INVALID_REQUEST, "invalid request: batches are not supported; send one JSON-RPC message per line");
      return;
    }
    const id = idOf(value);
    const parsed = JSONRPCMessageSchema.safeParse(value);
    if (!parsed.success) {
      this.reply(id, INVALID_REQUEST, 'invalid request: expected {"jsonrpc":"2.0","method":…} (with an id for a request)');
      return;
    }
    const message = parsed.data;
    if ("method" in message && "id" in message) {
      if (message.method === "initialize") this.initialized = true;
      else if (!this.initialized && message.method !== "ping") {
        this.reply(message.id, INVALID_REQUEST, `invalid request: ${message.method} before initialize; send initialize first`);
        return;
      }
      if (message.method === "tools/call" && !CallToolRequestSchema.safeParse(message).success) {
        this.reply(
          message.id,
          INVALID_PARAMS,
          'invalid params: tools/call needs params {"name": a tool from tools/list, "arguments": {…}}',
        );
        return;
      }
    }
    this.onmessage?.(message);
  }

  private reply(id: Id, code: number, message: string): void {
    void this.send({ jsonrpc: "2.0", id, error: { code, message } } as unknown as JSONRPCMessage);
  }
}

function idOf(value: unknown): Id {
  if (typeof value !== "object" || value === null) return null;
  const id = (value as { id?: unknown }).id;
  return typeof id === "string" || typeof id === "number" ? id : null;
}
