/**
 * Crash safety (SPEC §3.3): workers SIGKILLed at random instants while claiming and completing
 * leave a valid board; heal recovers their leases, and every task ends completed exactly once.
 */
import { setTimeout as sleep } from "node:timers/promises";
import type { ChildProcess } from "node:child_process";
import { expect } from "vitest";
import { spawnWorker } from "../support/processes.js";
import { checkBoard, checkLeaseConsistency, checkSingleHolder, expectReplayMatches } from "./checks.js";
import type { WorkerExit } from "../support/processes.js";
import type { Conformance } from "./harness.js";

const CRASH_TASKS = 800;
const CRASH_WORKERS = 4;
const KILLS = 30;
const LEASE_SECONDS = 1;

/** Resolves when the worker made its first claim (its "claimed" line), or when it exits. */
function firstClaim(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    let seen = "";
    const onData = (chunk: Buffer | string): void => {
      seen += chunk.toString();
      if (/^claimed$/m.test(seen)) done();
    };
    const done = (): void => {
      child.stdout?.off("data", onData);
      child.off("exit", done);
      resolve();
    };
    child.stdout?.on("data", onData);
    child.once("exit", done);
  });
}

export function crashTests(c: Conformance): void {
  c.test(
    `workers SIGKILLed ${KILLS} times at random instants leave a valid board; heal recovers and every task completes exactly once`,
    async () => {
      const url = await c.factory.freshUrl();
      const setup = await c.reopen(url);
      await setup.addMany(Array.from({ length: CRASH_TASKS }, (_, i) => ({ title: `crash task ${i}`, maxAttempts: 1000 })));
      const ids = (await setup.list()).map((t) => t.id);
      await setup.close();

      // CRASH_WORKERS lanes; in each, a worker boots, works for a random 100-600 ms and is
      // SIGKILLed, then the next one boots. Every one of the KILLS workers dies by SIGKILL.
      let spawned = 0;
      const exits: Promise<WorkerExit>[] = [];
      const lane = async (): Promise<void> => {
        while (spawned < KILLS) {
          const worker = spawnWorker("crash-claimer", {
            url,
            agent: `crasher-${spawned++}`,
            leaseSeconds: LEASE_SECONDS,
            // ≤ 50 tasks/s per worker, so the board cannot run dry before the last kill.
            minWorkMs: 20,
            maxWorkMs: 60,
          });
          exits.push(worker.exited);
          await worker.ready;
          const claimed = firstClaim(worker.child);
          worker.go();
          await claimed;
          await sleep(100 + Math.random() * 500);
          expect(worker.child.exitCode, "a worker ran out of work before it was killed").toBe(null);
          worker.kill();
          await worker.exited;
        }
      };
      await Promise.all(Array.from({ length: CRASH_WORKERS }, lane));
      const outcomes = await Promise.all(exits);
      // Every worker died by our SIGKILL; none failed on its own.
      expect(outcomes.map((o) => o.signal ?? `exit ${o.code}: ${o.stderr}`)).toEqual(outcomes.map(() => "SIGKILL"));

      // The board opens and is valid: every task present, leases consistent, audit intact.
      const after = await c.reopen(url);
      const tasks = await after.list();
      expect(tasks.map((t) => t.id).sort()).toEqual([...ids].sort());
      checkLeaseConsistency(tasks);
      const events = await after.audit();
      checkSingleHolder(events);
      expectReplayMatches(tasks, events);
      const held = tasks.filter((t) => t.status === "in_progress").map((t) => t.id);

      // Once the leases have run out, heal recovers exactly the tasks the dead workers held.
      const later = Date.now() + (LEASE_SECONDS + 1) * 1000;
      const healer = await c.reopen(url, { clock: () => later });
      const healed = await healer.heal();
      expect([...healed.timedOut].sort()).toEqual([...held].sort());
      expect(healed.poisoned).toEqual([]);
      expect(await healer.list({ status: "in_progress" })).toEqual([]);

      for (;;) {
        const claim = await healer.claim({ agent: "finisher" }).catch((error: { code?: string }) => {
          if (error.code === "NOTHING_READY") return null;
          throw error;
        });
        if (!claim) break;
        await healer.complete(claim.task.id, { token: claim.leaseToken });
      }
      const { tasks: final, events: finalEvents, report } = await checkBoard(healer);
      // The kills did hit workers holding leases: some leases had to be recovered.
      const recovered = finalEvents.filter((e) => e.type === "TIMEOUT").length;
      expect(recovered).toBeGreaterThan(0);
      console.info(
        `crash test: ${recovered} leases recovered, ${finalEvents.filter((e) => e.type === "COMPLETED" && e.agentId === "finisher").length} tasks left for the finisher`,
      );
      expect(final.filter((t) => t.status === "completed").length).toBe(CRASH_TASKS);
      expect(report.completions.size).toBe(CRASH_TASKS);
      expect([...report.completions.values()].every((n) => n === 1)).toBe(true);
      expect(outcomes.length).toBe(KILLS);
    },
  );
}
