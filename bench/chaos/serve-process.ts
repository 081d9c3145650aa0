/**
 * `baton serve` (the built CLI) as its own process for the HTTP chaos scenarios
 * (bench/chaos/http-faults.ts, bench/chaos/http-stopped.ts): bound to 127.0.0.1 on a port the
 * OS picks, with a fixed token the client processes send.
 */
import { spawn } from "node:child_process";
import { join } from "node:path";
import { repoRoot } from "../../test/support/processes.js";
import type { ChildProcess } from "node:child_process";

export const CHAOS_TOKEN = "chaos-http-token-0123456789";

export interface Serve {
  child: ChildProcess;
  url: string;
  exited: Promise<void>;
}

/** `baton serve --store URL --port 0` as its own process; resolves once it printed where it listens. */
export async function startServe(store: string): Promise<Serve> {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: "1", BATON_TOKEN: CHAOS_TOKEN };
  const child = spawn(process.execPath, [join(repoRoot(), "dist", "src", "cli", "main.js"), "--store", store, "serve", "--port", "0", "--json"], {
    env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stderr!.setEncoding("utf8").on("data", (c: string) => (stderr += c));
  const exited = new Promise<void>((resolve) => child.on("close", () => resolve()));
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout!.setEncoding("utf8").on("data", (c: string) => {
      stdout += c;
      if (stdout.includes("\n")) resolve((JSON.parse(stdout.split("\n")[0] as string) as { url: string }).url);
    });
    void exited.then(() => reject(new Error(`baton serve exited before listening: ${stderr}`)));
  });
  return { child, url, exited };
}

/** Stops a serve process (SIGTERM, its graceful shutdown) and waits until it is gone. */
export async function stopServe(serve: Serve): Promise<void> {
  serve.child.kill("SIGTERM");
  await serve.exited;
}
