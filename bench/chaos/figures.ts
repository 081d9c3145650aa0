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
