/**
 * What a write transaction fetches in its first round trip, pipelined with BEGIN: the
 * database's clock and a seq always; for a claim (intent.claimFor) the leases it recovers
 * first, the agent's row, its first claim candidate and that candidate's dependencies; for an
 * operation on named tasks (intent.taskIds) those rows. Each is the statement the board's read
 * would run, with the same locks, in the order the board reads them, so an answer taken from
 * here is what the read would have returned had it run a moment earlier in the transaction.
 * BoardTx stops using the task answers once the transaction has written a task (an expired
 * lease it recovered may be a better candidate, or one of the dependencies): those reads then
 * run for real.
 */
import { toIso } from "../../core/time.js";
import {
  AGENT_FOR_UPDATE,
  byClaimOrder,
  CANDIDATE_DEPENDENCIES_DONE_SQL,
  CANDIDATE_DEPENDENCIES_OPEN_SQL,
  CANDIDATE_HEAD_SQL,
  CLOCK_MS,
  PREFETCH_RECOVERY,
  recoverableSql,
} from "./claim-sql.js";
import { TASK_COLUMNS } from "./rows.js";
import type { TransactionIntent } from "../store.js";
import type { AgentRow, TaskRow } from "./rows.js";
import type { Statement } from "./tx-connection.js";
import type pg from "pg";

/**
 * The read that opens the transaction. Recovery is fetched only when it is judged on the
 * clock the board will use: the database's (the first read is the clock) or the one it names.
 */
export type FirstRead = { kind: "clock" } | { kind: "recovery"; nowIso: string; limit: number } | { kind: "other" };

export type CandidateRow = TaskRow & { part: number };

const OPEN_WRITE: Statement = { name: "open-write", text: `SELECT ${CLOCK_MS} AS ms, baton_take_seq() AS seq` };

const OPEN_CLAIM_SQL = `WITH clock AS (SELECT ${CLOCK_MS} AS ms), seq AS (SELECT baton_take_seq() AS seq),
  recoverable AS (${recoverableSql("coalesce($1::timestamptz, (SELECT timestamptz 'epoch' + ms * interval '1 millisecond' FROM clock))", "$2")})
  SELECT clock.ms, seq.seq, recoverable.* FROM clock CROSS JOIN seq LEFT JOIN recoverable ON true`;

export const TASKS_FOR_UPDATE = `SELECT ${TASK_COLUMNS} FROM baton_tasks WHERE id = ANY($1) ORDER BY id FOR UPDATE`;

export function openingStatements(intent: TransactionIntent | undefined, first: FirstRead): Statement[] {
  const agent = intent?.claimFor;
  const statements: Statement[] = [];
  if (agent !== undefined && first.kind !== "other") {
    const [at, limit] = first.kind === "recovery" ? [first.nowIso, first.limit] : [null, PREFETCH_RECOVERY];
    statements.push({ name: "open-claim", text: OPEN_CLAIM_SQL, values: [at, limit] });
  } else {
    statements.push(OPEN_WRITE);
  }
  if (agent !== undefined) statements.push({ name: "get-agent-write", text: AGENT_FOR_UPDATE, values: [agent] });
  const ids = [...new Set(intent?.taskIds ?? [])].sort();
  if (ids.length > 0) {
    statements.push({ name: "get-tasks-locked", text: TASKS_FOR_UPDATE, values: [ids] });
  } else if (agent !== undefined) {
    statements.push(
      { name: "candidate-head", text: CANDIDATE_HEAD_SQL, values: [agent] },
      { name: "candidate-dependencies-open", text: CANDIDATE_DEPENDENCIES_OPEN_SQL },
      { name: "candidate-dependencies-done", text: CANDIDATE_DEPENDENCIES_DONE_SQL },
    );
  }
  return statements;
}

/** The answers of the opening, for BoardTx's reads to take. */
export class Opening {
  readonly clockMs: number;
  /** A seq taken at BEGIN, for the first event or lease token. */
  readonly seq: number;
  /** Expired leases (part 0) and due retries (part 1) at `nowIso`, when fetched. */
  readonly recovery: { nowIso: string; limit: number; rows: CandidateRow[] } | undefined;
  private readonly agent: { id: string; row: AgentRow | undefined } | undefined;
  private readonly named: { ids: ReadonlySet<string>; rows: TaskRow[] } | undefined;
  private readonly candidate: { agentId: string; rows: CandidateRow[]; dependencies: TaskRow[] } | undefined;

  constructor(intent: TransactionIntent | undefined, first: FirstRead, results: pg.QueryResult[]) {
    let next = 0;
    const rowsOf = <R>(): R[] => (results[next++]?.rows ?? []) as R[];
    const open = rowsOf<CandidateRow & { ms: number; seq: number }>();
    const head = open[0] as { ms: number; seq: number };
    this.clockMs = head.ms;
    this.seq = head.seq;
    const agent = intent?.claimFor;
    this.recovery =
      agent !== undefined && first.kind !== "other"
        ? {
            nowIso: first.kind === "recovery" ? first.nowIso : toIso(head.ms),
            limit: first.kind === "recovery" ? first.limit : PREFETCH_RECOVERY,
            rows: open.filter((r) => r.id !== null),
          }
        : undefined;
    this.agent = agent === undefined ? undefined : { id: agent, row: rowsOf<AgentRow>()[0] };
    const ids = intent?.taskIds ?? [];
    if (ids.length > 0) {
      this.named = { ids: new Set(ids), rows: rowsOf<TaskRow>() };
    } else if (agent !== undefined) {
      const rows = rowsOf<CandidateRow>().sort(byClaimOrder);
      this.candidate = { agentId: agent, rows, dependencies: [...rowsOf<TaskRow>(), ...rowsOf<TaskRow>()] };
    }
  }

  /** The agent's row (null: it has none), if fetched. */
  agentRow(id: string): AgentRow | null | undefined {
    if (this.agent?.id !== id) return undefined;
    return this.agent.row ?? null;
  }

  /** The rows among `ids` (those that exist), if all of them were fetched by id. */
  namedTasks(ids: readonly string[]): TaskRow[] | undefined {
    const named = this.named;
    if (!named || !ids.every((id) => named.ids.has(id))) return undefined;
    return named.rows.filter((row) => ids.includes(row.id));
  }

  /**
   * The first claim page for `agentId` (page size 1), if that is what is asked, with the
   * number of rows the candidate statement returned (for BoardTx's busy-candidates check).
   */
  candidatePage(agentId: string, limit: number, offset: number): { page: CandidateRow[]; fetched: number } | undefined {
    if (this.candidate?.agentId !== agentId || limit !== 1 || offset !== 0) return undefined;
    return { page: this.candidate.rows.slice(0, 1), fetched: this.candidate.rows.length };
  }

  /** The candidate's dependencies, if `ids` are exactly the first candidate's. */
  candidateDependencies(ids: readonly string[]): TaskRow[] | undefined {
    const first = this.candidate?.rows[0];
    if (!first) return undefined;
    const wanted = new Set(first.depends_on);
    if (ids.length !== wanted.size || !ids.every((id) => wanted.has(id))) return undefined;
    return this.candidate?.dependencies;
  }
}
