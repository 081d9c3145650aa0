/**
 * The bench's trace of turns at the write lock (src/store/sqlite/turn.ts turnTrace) and its
 * split (bench/sqlite/turn-split.ts): what docs/guarantees.md's "third round" figures rest on.
 */
import { afterEach, describe, expect, it } from "vitest";
import { TURN_MS, WriteTurn, turnTrace } from "../../src/store/sqlite/turn.js";
import { turnSplit } from "../../bench/sqlite/turn-split.js";
import type { DoneMessage } from "../../bench/sqlite/protocol.js";

const done = (turns: [number, number, number, number, number, number][], cpuMicros: number): DoneMessage => ({
  type: "done",
  cycles: 0,
  claimLatencies: [],
  exhausted: false,
  cpuMicros,
  turns,
});

afterEach(() => {
  turnTrace.on = false;
  turnTrace.turns = [];
  turnTrace.current = null;
});

describe("turn trace", () => {
  it("records one turn per hand-over with its writes, and none while off", () => {
    let now = 0;
    const bell = { waiting: true, ring: () => undefined, someoneWaiting: () => bell.waiting };
    const turn = new WriteTurn(bell, "turns", () => now);
    turn.began();
    now += TURN_MS;
    turn.ended();
    expect(turnTrace.turns).toHaveLength(0);

    turnTrace.on = true;
    for (let round = 0; round < 2; round++) {
      for (let i = 0; i < 3; i++) {
        turn.began(i === 0);
        now += 0.4 * TURN_MS;
        turn.ended();
      }
    }
    // Each round: a turn taken after a wait, three writes, then a ring (the turn was over).
    expect(turnTrace.turns.map((t) => [t.writes, t.waited])).toEqual([
      [3, true],
      [3, true],
    ]);
    for (const t of turnTrace.turns) {
      expect(t.endedAt).toBeGreaterThanOrEqual(t.firstEndedAt);
      expect(t.firstEndedAt).toBeGreaterThanOrEqual(t.startedAt);
    }
    expect(turnTrace.current).toBeNull();
  });

  it("splits a window into turns and hand-over gaps, and the gap into ring → woken → BEGIN", () => {
    // Process 0: turns 0–10 and 30–40 ms; process 1: 12–22 ms (woken at 11.5), then again at 24–28.
    const split = turnSplit(
      [
        done([[0, 10, 20, 0, 1, 2000], [30, 40, 20, 29, 31, 2000]], 5000),
        done([[12, 22, 10, 11.5, 13, 1000], [24, 28, 4, 0, 25, 500]], 1500),
      ],
      100,
    );
    expect(split).toBeDefined();
    const s = split as NonNullable<typeof split>;
    expect(s.turns).toBe(4);
    // Hand-overs 10 → 12 and 28 → 30; 22 → 24 is the same process again.
    expect(s.sameHolder).toBe(1);
    expect(s.gapMsMean).toBe(2);
    expect(s.inGapsShare).toBeCloseTo(0.04);
    expect(s.inTurnsShare).toBeCloseTo(0.34);
    expect(s.ringToWokeMsMean).toBeCloseTo(1.25);
    expect(s.wokeToBeginMsMean).toBeCloseTo(0.75);
    expect(s.msPerWriteInTurn).toBeCloseTo(34 / 54);
    expect(s.cpuMicrosPerWriteInTurn).toBeCloseTo(5500 / 54);
    expect(s.cpuMicrosPerWriteOutside).toBeCloseTo(1000 / 54);
  });

  it("is absent when no worker traced", () => {
    expect(turnSplit([done([], 0)], 100)).toBeUndefined();
  });
});
