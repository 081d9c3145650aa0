/**
 * Test support: `baton serve` as a real process (the built CLI) on a free loopback port, with
 * a known write token. Resolves once it printed where it listens.
 */
import { spawn } from "node:child_process";
import { CLI } from "../cli/cli.js";
import type { ChildProcess } from "node:child_process";

export const SERVER_TOKEN = "server-test-token-0123456789";

export interface ServerProcess {
  url: string;
  loginUrl: string;
  child: ChildProcess;
  stderr(): string;
  stop(): Promise<number | null>;
}

export async function startServer(cwd: string, args: readonly string[] = [], env: Record<string, string> = {}): Promise<ServerProcess> {
  const childEnv: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: "1" };
  for (const key of Object.keys(childEnv)) if (key.startsWith("BATON_")) delete childEnv[key];
  const child = spawn(process.execPath, [CLI, "serve", "--port", "0", "--json", ...args], {
    cwd,
    env: { ...childEnv, BATON_TOKEN: SERVER_TOKEN, ...env },
  });
  let stdout = "";
  let stderr = "";
  child.stderr!.setEncoding("utf8").on("data", (c: string) => (stderr += c));
  const exited = new Promise<number | null>((resolve) => child.on("close", (code) => resolve(code)));
  const info = await new Promise<{ url: string; login_url: string }>((resolve, reject) => {
    child.stdout!.setEncoding("utf8").on("data", (c: string) => {
      stdout += c;
      const line = stdout.split("\n")[0];
      if (stdout.includes("\n") && line) resolve(JSON.parse(line));
    });
    void exited.then((code) => reject(new Error(`serve exited (${code}) before listening: ${stderr}`)));
  });
  return {
    url: info.url,
    loginUrl: info.login_url,
    child,
    stderr: () => stderr,
    stop: async () => {
      child.kill("SIGTERM");
      return exited;
    },
  };
}

export async function api(
  server: ServerProcess,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
  signal?: AbortSignal,
): Promise<{ status: number; body: any }> {
  const response = await fetch(`${server.url}${path}`, {
    ...(signal && { signal }),
    method,
    headers: {
      authorization: `Bearer ${SERVER_TOKEN}`,
      ...(body !== undefined && { "content-type": "application/json" }),
      ...headers,
    },
    ...(body !== undefined && { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : null };
}
