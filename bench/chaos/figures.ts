/**
 * What a chaos scenario returns: a table of figures (printed like the bench's) and the
 * invariants it checked, each a count that must be exactly its bound. `npm run chaos` exits
 * non-zero naming every broken one; the short tests in test/chaos assert the same list empty.
 */
import type { BenchTable } from "../report.js";

export interface Invariant {
  name: string;
  value: number;
  /** The exact value the invariant requires (0 for counts of faults). */
  must: number;
}

export interface ScenarioOutcome {
  table: BenchTable;
  invariants: Invariant[];
}

/** The invariants that do not hold, each named with its value, e.g. "sqlite race: double holds = 2 (must be 0)". */
export function broken(title: string, outcome: ScenarioOutcome): string[] {
  return outcome.invariants
    .filter((i) => i.value !== i.must)
    .map((i) => `${title}: ${i.name} = ${i.value} (must be ${i.must})`);
}

/** A table of informational figures followed by the invariants, each marked ✓ or ✗. */
export function outcome(title: string, figures: [string, number][], invariants: Invariant[]): ScenarioOutcome {
  const rows: (string | number)[][] = [
    ...figures.map(([name, value]) => [name, shown(value), ""]),
    ...invariants.map((i) => [i.name, shown(i.value), `must be ${i.must} ${i.value === i.must ? "✓" : "✗"}`]),
  ];
  return { table: { title, columns: ["figure", "value", "invariant"], rows }, invariants };
}

/** Counts print as integers ("0", not the bench's "0.00"); rates through the bench's formatting. */
function shown(value: number): string | number {
  return Number.isInteger(value) ? String(value) : value;
}

/** What a stopped-holder scenario counts (stoppedHolder in scenarios.ts, httpStoppedHolder in http-stopped.ts). */
export interface StoppedHolderTally {
  /** Holders stopped, one task each. */
  rounds: number;
  attempted: number;
  fenced: number;
  accepted: number;
  takenOver: number;
  stillHeldByTaker: number;
}

export function stoppedHolderTally(rounds: number): StoppedHolderTally {
  return { rounds, attempted: 0, fenced: 0, accepted: 0, takenOver: 0, stillHeldByTaker: 0 };
}

/** Adds one holder's report of its late writes (test/workers/stalled-holder.ts, http-stalled-holder.ts). */
export function countLateWrites(tally: StoppedHolderTally, report: unknown): void {
  const late = report as { attempted: number; fenced: number; accepted: number };
  tally.attempted += late.attempted;
  tally.fenced += late.fenced;
  tally.accepted += late.accepted;
}

/**
 * The outcome of holders SIGSTOPped past their lease, then SIGCONTed, on any face: every late
 * write fenced (`fencedAs` says how the face refuses one), every task kept by its new holder.
 * `notCompleted`: where the scenario also checks every task was completed at the end.
 */
export function stoppedHolderOutcome(
  title: string,
  tally: StoppedHolderTally,
  checks: { fencedAs?: string; notCompleted?: number; doubleHolds: number },
): ScenarioOutcome {
  return outcome(
    title,
    [
      ["holders stopped", tally.rounds],
      ["late writes attempted with the stale token", tally.attempted],
    ],
    [
      { name: "tasks taken over after the lease ran out", value: tally.takenOver, must: tally.rounds },
      { name: `late writes fenced${checks.fencedAs ? ` (${checks.fencedAs})` : ""}`, value: tally.fenced, must: tally.attempted },
      { name: "late writes accepted", value: tally.accepted, must: 0 },
      { name: "tasks still held by the new holder after the late writes", value: tally.stillHeldByTaker, must: tally.rounds },
      ...(checks.notCompleted === undefined ? [] : [{ name: "tasks not completed at the end", value: checks.notCompleted, must: 0 }]),
      { name: "double holds (single-holder check)", value: checks.doubleHolds, must: 0 },
    ],
  );
}
