/**
 * Property: any interleaving of operations by several agents (add, claim, batch claim, heartbeat,
 * complete, fail, release, cancel, revive, assign, time passing, heal) keeps the board's invariants:
 *   - at most one holder per task (from the audit trail);
 *   - in_progress ⇔ a holder, a token and a lease expiry;
 *   - lease tokens strictly increase;
 *   - a fenced call succeeds only with the live lease (right token or holder, not expired),
 *     and a refused call changes nothing;
 *   - replaying each task's events gives its stored state.
 * Store-agnostic: the conformance suite runs it on every store with a fresh board per run.
 */
import fc from "fast-check";
import { expect } from "vitest";
import { BatonError } from "../../src/index.js";
import {
  checkLeaseConsistency,
  checkSingleHolder,
  checkTokensIncrease,
  expectReplayMatches,
} from "../conformance/checks.js";
import type { Board, Task } from "../../src/index.js";

const AGENTS = ["A", "B", "C"] as const;

export type Operation =
  | { op: "add"; priority: Task["priority"]; dependOnPick: number | null }
  | { op: "claim"; agent: number; leaseSeconds: number }
  | { op: "claimById"; agent: number; pick: number }
  | { op: "heartbeat" | "complete" | "fail" | "release"; agent: number; pick: number; withToken: boolean }
  | { op: "claimBatch"; agent: number; picks: [number, number] }
  | { op: "cancel" | "revive"; pick: number }
  | { op: "assign"; pick: number; agent: number | null }
  | { op: "advance"; seconds: number }
  | { op: "heal" };

const agent = fc.integer({ min: 0, max: AGENTS.length - 1 });
const pick = fc.nat({ max: 50 });

export const operationArbitrary: fc.Arbitrary<Operation> = fc.oneof(
  { weight: 3, arbitrary: fc.record({ op: fc.constant("add" as const), priority: fc.constantFrom("critical", "high", "medium", "low" as const), dependOnPick: fc.option(pick, { nil: null }) }) },
  { weight: 4, arbitrary: fc.record({ op: fc.constant("claim" as const), agent, leaseSeconds: fc.integer({ min: 5, max: 120 }) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant("claimById" as const), agent, pick }) },
  {
    weight: 6,
    arbitrary: fc.record({
      op: fc.constantFrom("heartbeat", "complete", "fail", "release" as const),
      agent,
      pick,
      withToken: fc.boolean(),
    }),
  },
  { weight: 1, arbitrary: fc.record({ op: fc.constant("claimBatch" as const), agent, picks: fc.tuple(pick, pick) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constantFrom("cancel", "revive" as const), pick }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant("assign" as const), pick, agent: fc.option(agent, { nil: null }) }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant("advance" as const), seconds: fc.integer({ min: 1, max: 400 }) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant("heal" as const) }) },
);

export interface PropertyBoard {
  board: Board;
  clock: { ms: number; advanceSeconds(seconds: number): void };
}

/** Runs the property `numRuns` times, each on a board from `openFresh` (closed afterwards). */
export async function checkBoardInterleavings(
  openFresh: () => Promise<PropertyBoard>,
  options: { numRuns: number; maxOperations?: number; seed?: number },
): Promise<void> {
  await fc.assert(
    fc.asyncProperty(fc.array(operationArbitrary, { minLength: 1, maxLength: options.maxOperations ?? 40 }), async (ops) => {
      const { board, clock } = await openFresh();
      try {
        await runInterleaving(board, clock, ops);
      } finally {
        await board.close();
      }
    }),
    { numRuns: options.numRuns, ...(options.seed !== undefined && { seed: options.seed }) },
  );
}

async function runInterleaving(board: Board, clock: PropertyBoard["clock"], ops: readonly Operation[]): Promise<void> {
  /** What each agent remembers of its claims, stale ones included: the tokens it may present. */
  const memory: { id: string; token: number }[][] = AGENTS.map(() => []);
  let highestToken = 0;
  for (const operation of ops) {
    const tasks = await board.list();
    const eventsBefore = (await board.audit()).length;
    const pickTask = (n: number): Task | undefined => tasks[n % Math.max(1, tasks.length)];
    try {
      switch (operation.op) {
        case "add": {
          const dep = operation.dependOnPick === null ? undefined : pickTask(operation.dependOnPick);
          await board.add({ title: "task", priority: operation.priority, dependsOn: dep ? [dep.id] : [] });
          break;
        }
        case "claim":
        case "claimById": {
          const name = AGENTS[operation.agent] as string;
          const target = operation.op === "claimById" ? pickTask(operation.pick) : undefined;
          if (operation.op === "claimById" && !target) break;
          const claim = await board.claim({
            agent: name,
            ...(target && { ids: [target.id] }),
            ...(operation.op === "claim" && { leaseSeconds: operation.leaseSeconds }),
          });
          expect(claim.leaseToken).toBeGreaterThan(highestToken);
          highestToken = claim.leaseToken;
          memory[operation.agent]!.push({ id: claim.task.id, token: claim.leaseToken });
          break;
        }
        case "heartbeat":
        case "complete":
        case "fail":
        case "release": {
          const remembered = memory[operation.agent]!;
          const claim = remembered[operation.pick % Math.max(1, remembered.length)];
          if (!claim) break;
          const name = AGENTS[operation.agent] as string;
          const before = tasks.find((t) => t.id === claim.id) as Task;
          const credential = operation.withToken ? { token: claim.token } : { agent: name };
          if (operation.op === "heartbeat") await board.heartbeat(claim.id, { ...credential, leaseSeconds: 60 });
          else if (operation.op === "complete") await board.complete(claim.id, credential);
          else if (operation.op === "fail") await board.fail(claim.id, { ...credential, error: "failed" });
          else await board.release(claim.id, credential);
          if (operation.op === "complete" && before.status === "completed") {
            // A `done` repeated with the token that completed it (a network retry) answers the
            // task as it is (board/lease-holder.ts isRepeatedCompletion): nothing may change.
            expect(operation.withToken).toBe(true);
            expect(before.leaseToken).toBe(claim.token);
            expect(await board.list()).toEqual(tasks);
            expect((await board.audit()).length).toBe(eventsBefore);
            break;
          }
          // It succeeded: the caller must have held the live lease.
          expect(before.status).toBe("in_progress");
          expect(Date.parse(before.leaseExpiresAt as string)).toBeGreaterThan(clock.ms);
          if (operation.withToken) expect(before.leaseToken).toBe(claim.token);
          else expect(before.assignedTo).toBe(name);
          break;
        }
        case "claimBatch": {
          const ids = [...new Set(operation.picks.map((n) => pickTask(n)?.id).filter((id) => id !== undefined))];
          if (ids.length === 0) break;
          const claims = await board.claimBatch({ agent: AGENTS[operation.agent] as string, ids, leaseSeconds: 60 });
          expect(claims.map((cl) => cl.task.id)).toEqual(ids);
          for (const claim of claims) {
            expect(claim.leaseToken).toBeGreaterThan(highestToken);
            highestToken = claim.leaseToken;
            memory[operation.agent]!.push({ id: claim.task.id, token: claim.leaseToken });
          }
          break;
        }
        case "cancel":
        case "revive": {
          const target = pickTask(operation.pick);
          if (target && operation.op === "cancel") await board.cancel(target.id, { reason: "property" });
          else if (target) await board.revive(target.id);
          break;
        }
        case "assign": {
          const target = pickTask(operation.pick);
          if (target) await board.assign(target.id, operation.agent === null ? null : (AGENTS[operation.agent] as string));
          break;
        }
        case "advance":
          clock.advanceSeconds(operation.seconds);
          break;
        case "heal":
          await board.heal();
          break;
      }
    } catch (error) {
      if (!(error instanceof BatonError) || error.code === "INVALID_INPUT") throw error;
      // A refusal changes nothing, except that a claim finding nothing may still have recovered
      // expired leases and due retries on its way (lazy recovery commits).
      if (error.code !== "NOTHING_READY") {
        expect(await board.list()).toEqual(tasks);
        expect((await board.audit()).length).toBe(eventsBefore);
      }
    }
    const after = await board.list();
    const events = await board.audit();
    checkLeaseConsistency(after);
    checkSingleHolder(events);
    checkTokensIncrease(events);
    expectReplayMatches(after, events);
  }
}
