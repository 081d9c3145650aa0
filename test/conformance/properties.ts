/** The fast-check interleaving property (test/property/board-interleavings.ts), run on this store. */
import { checkBoardInterleavings } from "../property/board-interleavings.js";
import { FakeClock } from "./harness.js";
import { openBoard } from "../../src/index.js";
import type { Conformance } from "./harness.js";

/** Modest, so the property stays a few seconds per store; raise locally when hunting a bug. */
const RUNS = 25;

export function propertyTests(c: Conformance): void {
  c.test(`random interleavings by 3 agents keep every invariant (${RUNS} runs, fast-check)`, async () => {
    await checkBoardInterleavings(
      async () => {
        const clock = new FakeClock();
        const board = await openBoard(await c.factory.freshUrl(), { clock: clock.now, random: () => 0.5 });
        return { board, clock };
      },
      { numRuns: RUNS },
    );
  });
}
