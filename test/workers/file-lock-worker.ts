/**
 * A library process using withFileLock on one shared file. "increment": `times` times, read a
 * JSON counter and write it back plus one with writeFileAtomic. "hold": take the lock, print
 * "holding", and keep it until killed. "enter-exit": take the lock once, append "enter PID"
 * and "exit PID" to a shared log with a pause between. Started by test/file-locks/.
 */
import { appendFileSync, readFileSync } from "node:fs";
import { withFileLock, writeFileAtomic } from "../../src/index.js";
import { exitOnError, reportResult, waitForGo, workerSpec } from "./barrier.js";

interface Spec {
  mode: "increment" | "hold" | "enter-exit";
  file: string;
  times?: number;
  staleMs?: number;
  timeoutMs?: number;
  log?: string;
}

async function main(): Promise<void> {
  const spec = workerSpec<Spec>();
  const options = { timeoutMs: spec.timeoutMs ?? 60_000, staleMs: spec.staleMs ?? 30_000, agent: `worker-${process.pid}` };
  await waitForGo();
  if (spec.mode === "hold") {
    await withFileLock(spec.file, () => {
      process.stdout.write("holding\n");
      setInterval(() => undefined, 60_000); // alive, holding, until killed
      return new Promise(() => undefined);
    }, options);
  } else if (spec.mode === "enter-exit") {
    await withFileLock(spec.file, async () => {
      appendFileSync(spec.log as string, `enter ${process.pid}\n`);
      await new Promise((resolve) => setTimeout(resolve, 20));
      appendFileSync(spec.log as string, `exit ${process.pid}\n`);
    }, options);
  } else {
    for (let i = 0; i < (spec.times as number); i++) {
      await withFileLock(spec.file, () => {
        const { n } = JSON.parse(readFileSync(spec.file, "utf8")) as { n: number };
        writeFileAtomic(spec.file, JSON.stringify({ n: n + 1 }));
      }, options);
    }
  }
  reportResult({ done: true });
}

main().catch(exitOnError);
