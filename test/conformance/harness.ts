/**
 * What every conformance test uses: a fake clock advanced by hand, a fresh board per test
 * (closed after it), the store's stated skips, and helpers to catch a refusal and to prove the
 * board did not change.
 */
import { afterEach, expect, it } from "vitest";
import { BatonError, openBoard } from "../../src/index.js";
import type { Board, BoardEvent, BoardPolicyInput, Task } from "../../src/index.js";
import type { BoardFactory } from "./factory.js";

/** Fake time starts here: far from the real clock, so a test that read the real one would show. */
export const EPOCH_MS = Date.parse("2030-01-01T00:00:00.000Z");

export class FakeClock {
  ms = EPOCH_MS;
  readonly now = (): number => this.ms;
  advanceSeconds(seconds: number): void {
    this.ms += Math.round(seconds * 1000);
  }
  advanceMs(ms: number): void {
    this.ms += ms;
  }
  iso(offsetSeconds = 0): string {
    return new Date(this.ms + offsetSeconds * 1000).toISOString();
  }
}

export interface OpenOptions {
  policy?: BoardPolicyInput;
  /** Default 0.5: retry jitter is exactly zero, so delays are exactly base × multiplier^n. */
  random?: () => number;
}

export interface TestBoard {
  board: Board;
  clock: FakeClock;
  url: string;
}

export interface Conformance {
  factory: BoardFactory;
  /** Registers a test, or skips it when the store states why it cannot run it. */
  test(name: string, fn: () => Promise<void>, timeoutMs?: number): void;
  /** A fresh, empty board on a fake clock; closed after the test. */
  open(options?: OpenOptions): Promise<TestBoard>;
  /** Opens a board at a URL (fake clock optional); closed after the test. */
  reopen(url: string, options?: OpenOptions & { clock?: () => number }): Promise<Board>;
  /** Throws if `factory.skip` names a test that does not exist (a typo would skip nothing). */
  checkSkipsNamed(): void;
}

export function makeConformance(factory: BoardFactory): Conformance {
  const opened: Board[] = [];
  afterEach(async () => {
    for (const board of opened.splice(0)) await board.close().catch(() => undefined);
  });
  const reopen = async (url: string, options: OpenOptions & { clock?: () => number } = {}): Promise<Board> => {
    const board = await openBoard(url, {
      ...(options.clock && { clock: options.clock }),
      random: options.random ?? (() => 0.5),
      ...(options.policy && { policy: options.policy }),
    });
    opened.push(board);
    return board;
  };
  const names = new Set<string>();
  return {
    factory,
    test(name, fn, timeoutMs) {
      if (names.has(name)) throw new Error(`two conformance tests are named "${name}"`);
      names.add(name);
      const reason = factory.skip?.[name];
      if (reason !== undefined) {
        if (reason.trim() === "") throw new Error(`${factory.name} skips "${name}" without a reason`);
        it.skip(`${name} [skipped on ${factory.name}: ${reason}]`, fn);
      } else {
        it(name, fn, timeoutMs);
      }
    },
    async open(options = {}) {
      const clock = new FakeClock();
      const url = await factory.freshUrl();
      const board = await reopen(url, { ...options, clock: clock.now });
      return { board, clock, url };
    },
    reopen,
    checkSkipsNamed() {
      const unknown = Object.keys(factory.skip ?? {}).filter((name) => !names.has(name));
      if (unknown.length > 0) throw new Error(`${factory.name} skips tests that do not exist: ${unknown.join("; ")}`);
    },
  };
}

/** The BatonError a call is refused with; fails the test if it succeeds or throws anything else. */
export async function refusal(call: Promise<unknown>): Promise<BatonError> {
  let result: unknown;
  try {
    result = await call;
  } catch (error) {
    if (error instanceof BatonError) return error;
    throw error;
  }
  throw new Error(`expected a refusal, but the call succeeded with ${JSON.stringify(result)}`);
}

export interface BoardSnapshot {
  tasks: Task[];
  events: BoardEvent[];
  counters: Record<string, number>;
}

export async function snapshot(board: Board): Promise<BoardSnapshot> {
  return { tasks: await board.list(), events: await board.audit(), counters: await board.counters() };
}

/** Runs a call that must be refused with `code`, and proves the board is exactly as before. */
export async function expectRefusedUnchanged(
  board: Board,
  call: () => Promise<unknown>,
  code: BatonError["code"],
): Promise<BatonError> {
  const before = await snapshot(board);
  const error = await refusal(call());
  expect(error.code, error.message).toBe(code);
  expect(await snapshot(board)).toEqual(before);
  return error;
}

/** Events appended since `afterSeq`, oldest first. */
export async function eventsSince(board: Board, afterSeq: number): Promise<BoardEvent[]> {
  return board.audit({ afterSeq });
}

export async function lastSeq(board: Board): Promise<number> {
  return (await board.audit({ recent: 1 }))[0]?.seq ?? 0;
}
