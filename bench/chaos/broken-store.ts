/**
 * `npm run chaos -- broken`: the race checks run against a deliberately broken store
 * (test/support/broken-store.ts), to show they fail — each breakage must break its invariant,
 * so here a ✗ is the expected outcome and run.ts fails when a breakage goes unflagged.
 * test/chaos/broken-store.test.ts asserts the same.
 */
import { openStore, Board } from "../../src/index.js";
import { breakStore } from "../../test/support/broken-store.js";
import { outcome } from "./figures.js";
import { freshUrl } from "./boards.js";
import { readBack } from "./read-back.js";
import type { Breakage } from "../../test/support/broken-store.js";
import type { ScenarioOutcome } from "./figures.js";
import type { ChaosStore } from "./boards.js";
import type { Claim } from "../../src/index.js";

export const BREAKAGES: readonly Breakage[] = ["reuse-token", "lose-event", "skip-holder-check"];
const AGENTS = 4;
const TASKS = 30;

/**
 * AGENTS boards on one store, in rounds: each claims in turn, then each completes — so leases
 * overlap every round (in one process, free-running loops on a synchronous store would run one
 * after another). Until nothing is ready.
 */
export async function brokenStoreRace(store: ChaosStore, breakage?: Breakage): Promise<ScenarioOutcome> {
  const url = await freshUrl(store);
  const seeder = new Board(await openStore(url));
  await seeder.addMany(Array.from({ length: TASKS }, (_, i) => ({ title: `task ${i}` })));
  await seeder.close();
  const boards: Board[] = [];
  for (let i = 0; i < AGENTS; i++) {
    const real = await openStore(url);
    boards.push(new Board(breakage ? breakStore(real, breakage) : real));
  }
  let fenced = 0;
  for (let round = 0; round < TASKS * 2; round++) {
    const claims: { board: Board; agent: string; claim: Claim }[] = [];
    for (const [i, board] of boards.entries()) {
      try {
        claims.push({ board, agent: `agent-${i}`, claim: await board.claim({ agent: `agent-${i}`, leaseSeconds: 600 }) });
      } catch (error) {
        if ((error as { code?: string }).code !== "NOTHING_READY") throw error;
      }
    }
    if (claims.length === 0) break;
    for (const { board, agent, claim } of claims) {
      try {
        await board.complete(claim.task.id, { token: claim.leaseToken, result: `done by ${agent}` });
      } catch (error) {
        if ((error as { code?: string }).code !== "LEASE_LOST") throw error;
        fenced++;
      }
    }
  }
  for (const board of boards) await board.close();
  const back = await readBack(url);
  return outcome(
    `${store}: ${AGENTS} agents × ${TASKS} tasks on ${breakage ? `a store broken by ${breakage}` : "the real store"}`,
    [["completions fenced (LEASE_LOST)", fenced]],
    [
      { name: "double holds (single-holder check)", value: back.holding.violations.length, must: 0 },
      { name: "replay ≠ stored task", value: back.replayMismatches, must: 0 },
      { name: "missing COMPLETED events", value: TASKS - back.events.filter((e) => e.type === "COMPLETED").length, must: 0 },
      { name: "lease tokens not increasing", value: back.tokenReuses, must: 0 },
    ],
  );
}

