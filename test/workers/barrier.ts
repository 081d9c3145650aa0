/**
 * The start line of a race: a worker opens its board, prints "ready", and waits for one line
 * on stdin before it starts, so all workers begin together instead of one after another as
 * they finish booting.
 */
import { createInterface } from "node:readline";

export async function waitForGo(): Promise<void> {
  const lines = createInterface({ input: process.stdin });
  const go = new Promise<void>((resolve) => lines.once("line", () => resolve()));
  process.stdout.write("ready\n");
  await go;
  lines.close();
}

/** The worker's outcome, one JSON line the test parses. */
export function reportResult(result: unknown): void {
  process.stdout.write(`result ${JSON.stringify(result)}\n`);
}

/** The worker's job description, passed as one JSON argument. */
export function workerSpec<T>(): T {
  const raw = process.argv[2];
  if (raw === undefined) throw new Error("usage: node worker.js '<json spec>'");
  return JSON.parse(raw) as T;
}

export function exitOnError(error: unknown): never {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
}
