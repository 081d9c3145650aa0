/**
 * One-round-trip fenced operations. An agent that claimed a task in this process usually
 * completes it (or heartbeats, fails, releases it) from the same process. Such an operation
 * reads the clock and the task, applies the core rules and writes: two round trips, the
 * reads, then the writes with COMMIT. When this process wrote the task last, it already knows
 * the row (and its version, xmin) and can estimate the database's clock, so the store may run
 * the board's function on those and send a clock check and the writes in one round trip, as
 * one implicit transaction (no BEGIN or COMMIT: the server commits the batch at its Sync, or
 * rolls all of it back). The database confirms both guesses inside that transaction:
 * - the task update applies only to the row version it was computed from (as every update
 *   does, see board-tx.ts): if anyone changed the task since, nothing is written; so does a
 *   rewrite of the agent's row (a heartbeat records its holder as seen);
 * - baton_expect_clock: the estimated time is not ahead of the database's clock and at most
 *   CLOCK_TOLERANCE_MS behind it (the time a normal transaction acts at is its first read's,
 *   also behind its commit by a round trip or more).
 * Either refusal is a serialization failure: nothing is saved, and the store runs the
 * operation the usual way. So does any read the guesses cannot answer, and any error the board's function
 * throws on them (the row might be stale): nothing has been sent by then.
 */
import type { Agent, Task } from "../../core/task.js";
import type { Statement } from "./tx-connection.js";

/** How far behind the database's clock an estimate may be and still be used. */
export const CLOCK_TOLERANCE_MS = 1_000;
/** Rows remembered per store: the tasks an agent process holds or has just finished. */
const RECENT_ROWS = 1_024;

/** A task as this process last wrote it, at its row version (xmin). */
export interface KnownRow {
  task: Task;
  version: string;
}

/** An agent's row as this process last read or wrote it, at its row version. */
export interface KnownAgent {
  agent: Agent;
  version: string;
}

/** What a transaction may run on without reading: the named tasks, agents' rows, the clock. */
export interface Speculation {
  rows: ReadonlyMap<string, KnownRow>;
  agent(id: string): KnownAgent | undefined;
  clockMs: number;
}

/** A read the speculation cannot answer: the store runs the operation the usual way. */
export class SpeculationMiss extends Error {
  constructor() {
    super("baton: this operation needs a round trip to read");
  }
}

/** Rows this store's transactions saw last, by id, most recent last (bounded). */
export class RecentRows<Row> {
  private readonly rows = new Map<string, Row>();

  get(id: string): Row | undefined {
    return this.rows.get(id);
  }

  remember(id: string, row: Row): void {
    this.rows.delete(id);
    this.rows.set(id, row);
    if (this.rows.size > RECENT_ROWS) this.rows.delete(this.rows.keys().next().value as string);
  }

  forget(ids: readonly string[]): void {
    for (const id of ids) this.rows.delete(id);
  }
}

/**
 * The database's clock as this process last read it, carried forward on the local monotonic
 * clock (never the local wall clock, which may be off by hours). The estimate is a lower bound:
 * the reading was taken before its answer arrived.
 */
export class ClockEstimate {
  private reading: { dbMs: number; localMs: number } | undefined;

  observe(dbMs: number): void {
    this.reading = { dbMs, localMs: performance.now() };
  }

  /** The estimated database time in epoch ms, or undefined before the first reading. */
  estimate(): number | undefined {
    const reading = this.reading;
    if (!reading) return undefined;
    const elapsed = performance.now() - reading.localMs;
    // Clocks drift apart by parts per million; stay behind by 0.1 % of the time carried over.
    return reading.dbMs + Math.floor(elapsed - elapsed / 1000);
  }
}

/** The statement that checks an estimated time against the database's clock (first in the batch). */
export function clockCheck(estimateMs: number): Statement {
  return { name: "expect-clock", text: "SELECT baton_expect_clock($1, $2)", values: [estimateMs, CLOCK_TOLERANCE_MS] };
}

/** The speculation for a transaction on these tasks, when this process knows every one of them. */
export function speculationFor(
  taskIds: readonly string[] | undefined,
  recent: RecentRows<KnownRow>,
  agents: RecentRows<KnownAgent>,
  clock: ClockEstimate,
): Speculation | undefined {
  if (!taskIds || taskIds.length === 0) return undefined;
  const clockMs = clock.estimate();
  if (clockMs === undefined) return undefined;
  const rows = new Map<string, KnownRow>();
  for (const id of taskIds) {
    const row = recent.get(id);
    if (!row) return undefined;
    rows.set(id, row);
  }
  return { rows, agent: (id) => agents.get(id), clockMs };
}
