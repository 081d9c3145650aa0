/**
 * JSON-RPC hygiene of `baton mcp` over its real stdio (src/mcp/stdio.ts): every bad line gets
 * an error reply and the session goes on; a 20 MB message is refused naming the size limit
 * (it used to end the server with exit 0 and no reply).
 */
import { spawn } from "node:child_process";
import { afterEach, expect, it } from "vitest";
import { CLI, freshBoardUrl } from "./mcp-client.js";
import type { ChildProcessWithoutNullStreams } from "node:child_process";

interface Reply {
  id: string | number | null;
  result?: Record<string, unknown>;
  error?: { code: number; message: string };
}

const children: ChildProcessWithoutNullStreams[] = [];
afterEach(() => {
  for (const child of children.splice(0)) child.kill();
});

async function server(): Promise<{ send(line: string): void; next(): Promise<Reply>; child: ChildProcessWithoutNullStreams }> {
  const child = spawn(process.execPath, [CLI, "mcp", "--store", await freshBoardUrl(), "--agent", "a1"]);
  children.push(child);
  const replies: Reply[] = [];
  const waiting: ((r: Reply) => void)[] = [];
  let buffer = "";
  child.stdout.on("data", (chunk: Buffer) => {
    buffer += chunk.toString();
    for (let nl = buffer.indexOf("\n"); nl !== -1; nl = buffer.indexOf("\n")) {
      const reply = JSON.parse(buffer.slice(0, nl)) as Reply;
      buffer = buffer.slice(nl + 1);
      const wake = waiting.shift();
      if (wake) wake(reply);
      else replies.push(reply);
    }
  });
  return {
    child,
    send: (line) => void child.stdin.write(`${line}\n`),
    next: () =>
      new Promise<Reply>((resolve, reject) => {
        const ready = replies.shift();
        if (ready) return resolve(ready);
        const timer = setTimeout(() => reject(new Error("no reply within 30 s")), 30_000);
        waiting.push((r) => {
          clearTimeout(timer);
          resolve(r);
        });
      }),
  };
}

const INIT = JSON.stringify({
  jsonrpc: "2.0",
  id: 1,
  method: "initialize",
  params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "t", version: "1" } },
});

it("refuses tools/call before initialize, then answers bad lines with −32700/−32600/−32602 and keeps serving", async () => {
  const s = await server();
  s.send(JSON.stringify({ jsonrpc: "2.0", id: 7, method: "tools/call", params: { name: "list_tasks", arguments: {} } }));
  expect(await s.next()).toMatchObject({ id: 7, error: { code: -32600, message: expect.stringContaining("send initialize first") } });
  s.send(INIT);
  expect((await s.next()).result).toMatchObject({ serverInfo: { name: "baton" } });
  s.send(JSON.stringify({ jsonrpc: "2.0", method: "notifications/initialized" }));

  s.send("{not json");
  expect(await s.next()).toMatchObject({ id: null, error: { code: -32700, message: expect.stringContaining("parse error") } });
  s.send(JSON.stringify([{ jsonrpc: "2.0", id: 2, method: "ping" }]));
  expect(await s.next()).toMatchObject({ id: null, error: { code: -32600, message: expect.stringContaining("batches are not supported") } });
  s.send(JSON.stringify({ id: 3, method: 42 }));
  expect(await s.next()).toMatchObject({ id: 3, error: { code: -32600 } });
  s.send(JSON.stringify({ jsonrpc: "2.0", id: 4, method: "tools/call" }));
  const noParams = await s.next();
  expect(noParams).toMatchObject({ id: 4, error: { code: -32602, message: expect.stringContaining("tools/call needs params") } });
  expect(noParams.error?.message).not.toMatch(/zod|invalid_type|"path"/i);

  s.send(JSON.stringify({ jsonrpc: "2.0", id: 5, method: "tools/call", params: { name: "list_tasks", arguments: {} } }));
  const listed = await s.next();
  expect(listed.id).toBe(5);
  expect(listed.result).toMatchObject({ structuredContent: { tasks: [], more: false, next_cursor: null } });
}, 60_000);

it("a 20 MB message gets an error reply naming the size limit, and the next request is answered", async () => {
  const s = await server();
  s.send(INIT);
  await s.next();
  const huge = JSON.stringify({
    jsonrpc: "2.0",
    id: 9,
    method: "tools/call",
    params: { name: "create_task", arguments: { title: "big", description: "x".repeat(20 * 1024 * 1024) } },
  });
  s.send(huge);
  expect(await s.next()).toMatchObject({ id: null, error: { code: -32600, message: expect.stringContaining("larger than 4 MB (the limit)") } });
  s.send(JSON.stringify({ jsonrpc: "2.0", id: 10, method: "ping" }));
  expect(await s.next()).toMatchObject({ id: 10, result: {} });
  expect(s.child.exitCode).toBeNull();
}, 60_000);
