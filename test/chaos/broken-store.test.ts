/**
 * The chaos suite's checks can fail: agents racing on a deliberately broken store
 * (test/support/broken-store.ts) leave a board that bench/chaos/read-back.ts (the checks of
 * `npm run chaos` and test/chaos/chaos-short.test.ts) flags — a reused
 * token, a lost event, a double hold — while the same race on the real store is clean.
 */
import { describe, expect, it } from "vitest";
import { readBack } from "../../bench/chaos/read-back.js";
import { freshUrl } from "../../bench/chaos/scenarios.js";
import { Board, openStore } from "../../src/index.js";
import { breakStore } from "../support/broken-store.js";
import type { ChaosStore } from "../../bench/chaos/scenarios.js";
import type { Claim } from "../../src/index.js";
import type { ReadBack } from "../../bench/chaos/read-back.js";
import type { Breakage } from "../support/broken-store.js";

const AGENTS = 4;
const TASKS = 30;

/**
 * AGENTS boards on one store, in rounds: each claims in turn, then each completes — so leases
 * overlap every round (in one process, free-running loops on a synchronous store would run one
 * after another). Until nothing is ready.
 */
async function race(store: ChaosStore, breakage?: Breakage): Promise<{ back: ReadBack; fenced: number }> {
  const url = freshUrl(store);
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
  return { back: await readBack(url), fenced };
}

for (const store of ["sqlite", "json"] as ChaosStore[]) {
  describe(`the chaos checks catch a broken store: ${store}`, () => {
    it("the real store: every check clean (the control)", { timeout: 60_000 }, async () => {
      const { back, fenced } = await race(store);
      expect([back.tokenReuses, back.replayMismatches, back.holding.violations.length, back.leaseInconsistent, fenced]).toEqual([0, 0, 0, 0, 0]);
      expect(back.events.filter((e) => e.type === "COMPLETED")).toHaveLength(TASKS);
    });

    it("a store that reuses lease tokens: 'lease tokens not increasing' flags it", { timeout: 60_000 }, async () => {
      const { back } = await race(store, "reuse-token");
      expect(back.tokenReuses).toBeGreaterThan(0);
    });

    it("a store that drops events: 'replay ≠ stored task' flags it, and COMPLETED events go missing", { timeout: 60_000 }, async () => {
      const { back } = await race(store, "lose-event");
      expect(back.replayMismatches).toBeGreaterThan(0);
      expect(back.events.filter((e) => e.type === "COMPLETED").length).toBeLessThan(TASKS);
    });

    it("a store whose claim skips the holder check: the single-holder walk flags double holds", { timeout: 60_000 }, async () => {
      const { back, fenced } = await race(store, "skip-holder-check");
      expect(back.holding.violations.length).toBeGreaterThan(0);
      expect(fenced).toBeGreaterThan(0);
    });
  });
}
