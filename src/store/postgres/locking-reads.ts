/**
 * The reads of one PostgreSQL transaction that a write may follow: tasks and agents by id,
 * claim candidates, expired leases and due retries. Rows the board reads in order to change
 * them are locked as they are read: a task by id `FOR UPDATE`; claim candidates, expired
 * leases and due retries `FOR UPDATE SKIP LOCKED` (another claimer is already taking those
 * rows: no table-wide lock, no waiting). An agent's row is read without a lock (it is rarely
 * rewritten); BoardTx rewrites it under a version check (board-tx.ts).
 * A write transaction's first round trip also fetches what the board will read first (see
 * opening.ts), so these reads are answered from it while they still hold. A transaction given
 * a speculation (see speculation.ts) reads nothing: the clock, the tasks it names and agents'
 * rows are answered from it, and any other read refuses (SpeculationMiss).
 */
import {
  AGENT_ROW,
  byClaimOrder,
  CLAIM_ORDER,
  CLOCK_MS,
  compareText,
  Part,
  recoverableSql,
  tasksByIdSql,
} from "./claim-sql.js";
import { compareIds } from "../../core/selection.js";
import { BoardReads } from "./board-reads.js";
import { Opening, openingStatement } from "./opening.js";
import { clockCheck, SpeculationMiss } from "./speculation.js";
import { agentFromRow, TASK_COLUMNS } from "./rows.js";
import type { Agent, Task } from "../../core/task.js";
import type { TransactionIntent } from "../store.js";
import type { ClockEstimate, KnownAgent, Speculation } from "./speculation.js";
import type { FirstRead } from "./opening.js";
import type { Statement, TxMode } from "./tx-connection.js";
import type { AgentRow, TaskRow } from "./rows.js";
import type { BatchResult } from "./wire-batch.js";
import type pg from "pg";

export class LockingReads extends BoardReads {
  /** What the opening round trip is for, and what it brought back (write transactions). */
  private firstRead: FirstRead = { kind: "other" };
  private opening: Opening | undefined;
  /** Prefetched task answers hold only until this transaction writes a task, the agent's until it writes an agent. */
  protected wroteTasks = false;
  protected wroteAgents = false;
  /** Expired leases fetched with the clock at BEGIN. */
  private prefetchedExpired: { nowIso: string; limit: number; tasks: Task[] } | undefined;
  /** Due retries fetched together with expired leases (one round trip for both). */
  private prefetchedRetries: { nowIso: string; limit: number; tasks: Task[] } | undefined;
  /** The seq nextLeaseToken took, for the CLAIMED event appended next. */
  protected reservedSeq: number | undefined;
  /** Seqs taken at BEGIN, ascending, for the first events and lease token. */
  private spareSeqs: number[] = [];
  /** A candidate page came back short while other transactions held candidate rows. */
  sawLockedCandidates = false;
  /** The agents' rows this transaction read or wrote, at their versions (write mode). */
  readonly agentsSeen = new Map<string, KnownAgent>();
  /** Agents' rows a speculation answered from what this process knew. */
  readonly speculatedAgents = new Set<string>();
  private readonly intent: TransactionIntent | undefined;
  protected readonly speculation: Speculation | undefined;
  private readonly clock: ClockEstimate | undefined;
  /** The board acted at the speculation's estimated time: the database must confirm it. */
  private usedEstimate = false;

  constructor(
    client: pg.ClientBase,
    mode: TxMode,
    beginSql: string | undefined,
    options: { intent?: TransactionIntent; speculation?: Speculation; clock?: ClockEstimate } = {},
  ) {
    super(client, mode, beginSql);
    this.intent = options.intent;
    this.speculation = options.speculation;
    this.clock = options.clock;
  }

  protected override openingStatements(): Statement[] {
    if (this.speculation) return this.usedEstimate ? [clockCheck(this.speculation.clockMs)] : [];
    return this.mode === "write" ? [openingStatement(this.intent, this.firstRead)] : [];
  }

  protected override beforeRead(): void {
    if (this.speculation) throw new SpeculationMiss();
  }

  protected override acceptOpening(results: BatchResult[]): void {
    if (this.speculation) return;
    const opening = new Opening(this.intent, this.firstRead, results[0] as BatchResult);
    this.clock?.observe(opening.clockMs);
    this.opening = opening;
    this.spareSeqs = [...opening.seqs];
    if (opening.recovery) {
      const { nowIso, limit, rows } = opening.recovery;
      this.prefetchedExpired = { nowIso, limit, tasks: this.keepRecoverable(rows, nowIso, limit) };
    }
  }

  /** Sends the opening (if not sent yet) for `first`; afterwards `opening` is set in write mode. */
  private async open(first: FirstRead): Promise<void> {
    if (this.started) return;
    this.firstRead = first;
    await this.send([]);
  }

  /** An answer from the opening, when this transaction has one that still holds. */
  private async prefetched<T>(lookup: (opening: Opening) => T | undefined): Promise<T | undefined> {
    if (this.mode !== "write" || this.intent === undefined) return undefined;
    await this.open({ kind: "other" });
    return this.opening && lookup(this.opening);
  }

  /**
   * The database's clock at this statement (clock_timestamp, not now(): now() is frozen at
   * the transaction's start). The board reads it first in each transaction, so it opens the
   * transaction: in write mode with a seq and what the intent says the board reads next.
   */
  async now(): Promise<number> {
    if (this.speculation) {
      this.usedEstimate = true;
      return this.speculation.clockMs;
    }
    if (this.mode === "write" && !this.started) {
      await this.open({ kind: "clock" });
      return (this.opening as Opening).clockMs;
    }
    const [row] = await this.query<{ ms: number }>("db-clock", `SELECT ${CLOCK_MS} AS ms`);
    const ms = (row as { ms: number }).ms;
    this.clock?.observe(ms);
    return ms;
  }

  /** The named tasks as this process last wrote them (speculation), at those row versions. */
  private known(ids: readonly string[]): Task[] {
    return ids.map((id) => {
      const row = this.speculation?.rows.get(id);
      if (!row) throw new SpeculationMiss();
      this.versions.set(row.task, row.version);
      return row.task;
    });
  }

  /** The next event seq: a spare one taken at BEGIN, else a fresh one. */
  protected async takeSeq(): Promise<number> {
    if (this.mode === "write") await this.open({ kind: "other" });
    const spare = this.spareSeqs.shift();
    if (spare !== undefined) return spare;
    const [row] = await this.query<{ seq: number }>("take-seq", "SELECT baton_take_seq() AS seq");
    return (row as { seq: number }).seq;
  }

  async getTask(id: string): Promise<Task | undefined> {
    if (this.speculation) return this.known([id])[0];
    const named = await this.prefetched((o) => (this.wroteTasks ? undefined : o.namedTasks([id])));
    if (named) return this.tasks(named)[0];
    const rows = await this.query<TaskRow>(
      `get-task-${this.mode}`,
      `SELECT ${TASK_COLUMNS} FROM baton_tasks WHERE id = $1 ${this.mode === "write" ? "FOR UPDATE" : ""}`,
      [id],
    );
    return this.tasks(rows)[0];
  }

  async getTasks(ids: readonly string[]): Promise<Task[]> {
    if (ids.length === 0) return [];
    if (this.speculation) return this.known(ids);
    if (this.mode === "read") {
      return this.tasks(
        await this.query<TaskRow>("get-tasks-read", tasksByIdSql("$1::text[]"), [ids]),
      );
    }
    const prefetched = await this.prefetched((o) =>
      this.wroteTasks ? undefined : (o.namedTasks(ids) ?? o.candidateDependencies(ids)),
    );
    if (prefetched) return this.tasks(prefetched);
    // Open tasks are locked for update, in id order (no deadlock between two batch claims).
    // Completed tasks never change status again: a shared lock is enough, so claims of many
    // tasks that wait for the same finished task do not queue behind each other. Two
    // statements, so a task that completes between them is seen by the second.
    const open = await this.query<TaskRow>("get-tasks-open", tasksByIdSql("$1::text[]", "AND status <> 'completed'", "FOR UPDATE"), [
      ids,
    ]);
    const missing = ids.filter((id) => !open.some((row) => row.id === id));
    const done =
      missing.length === 0
        ? []
        : await this.query<TaskRow>("get-tasks-done", tasksByIdSql("$1::text[]", "AND status = 'completed'", "FOR SHARE"), [missing]);
    return this.tasks([...open, ...done]);
  }

  /**
   * Reserved-for-this-agent candidates, then open ones, best first, in one round trip. In a
   * write transaction the reserved ones and the best open one are locked with SKIP LOCKED: a
   * row another claimer holds is skipped, not waited for. The open ones after it are read
   * unlocked (the board usually takes the first; if it takes another, the row-version check
   * of updateTask protects it), so a claim never holds rows it does not take — measured on
   * this 2-core machine, locking a page of 16 cost 0.5 ms more per claim than locking 1.
   * When the page comes back short while other transactions held candidate rows,
   * `sawLockedCandidates` tells the store to re-run a claim that found nothing, rather than
   * report "nothing ready" while those rows may come free.
   */
  async claimCandidates(agentId: string, limit: number, offset: number): Promise<Task[]> {
    const window = offset + limit;
    if (this.mode === "read") {
      const rows = await this.query<TaskRow & { part: number }>(
        "claim-candidates-read",
        `WITH mine AS (
           SELECT ${TASK_COLUMNS} FROM baton_tasks WHERE status = 'pending' AND assigned_to = $1 ${CLAIM_ORDER} LIMIT $2),
         open AS (
           SELECT ${TASK_COLUMNS} FROM baton_tasks WHERE status = 'pending' AND assigned_to IS NULL ${CLAIM_ORDER} LIMIT $2)
         SELECT 0 AS part, * FROM mine UNION ALL SELECT 1 AS part, * FROM open`,
        [agentId, window],
      );
      return this.tasks(rows.sort(byClaimOrder)).slice(offset, offset + limit);
    }
    const prefetched = await this.prefetched((o) => (this.wroteTasks ? undefined : o.candidatePage(agentId, limit, offset)));
    let page: Task[];
    let fetched: number;
    if (prefetched) {
      page = this.tasks(prefetched.page);
      fetched = prefetched.fetched;
    } else {
      const rows = await this.query<TaskRow & { part: number }>(
        "claim-candidates-write",
        `WITH mine AS (
           SELECT ${TASK_COLUMNS} FROM baton_tasks WHERE status = 'pending' AND assigned_to = $1
           ${CLAIM_ORDER} LIMIT $2 FOR UPDATE SKIP LOCKED),
         head AS (
           SELECT ${TASK_COLUMNS}, priority_rank, id_order FROM baton_tasks WHERE status = 'pending' AND assigned_to IS NULL
           ${CLAIM_ORDER} LIMIT 1 FOR UPDATE SKIP LOCKED),
         rest AS (
           SELECT ${TASK_COLUMNS} FROM baton_tasks WHERE status = 'pending' AND assigned_to IS NULL
             AND (priority_rank, created_at, id_order) > (SELECT priority_rank, created_at, id_order FROM head)
           ${CLAIM_ORDER} LIMIT $2)
         SELECT 0 AS part, * FROM mine
         UNION ALL SELECT 1 AS part, ${TASK_COLUMNS.replace("xmin::text AS row_version", "row_version")} FROM head
         UNION ALL SELECT 2 AS part, * FROM rest`,
        [agentId, window],
      );
      page = this.tasks(rows.sort(byClaimOrder)).slice(offset, offset + limit);
      fetched = rows.length;
    }
    if (page.length < limit) {
      const [scope] = await this.query<{ n: number }>(
        "claim-scope",
        `SELECT (SELECT count(*) FROM (SELECT 1 FROM baton_tasks WHERE status = 'pending' AND assigned_to = $1 LIMIT $2) a)::int
              + (SELECT count(*) FROM (SELECT 1 FROM baton_tasks WHERE status = 'pending' AND assigned_to IS NULL LIMIT $2) b)::int AS n`,
        [agentId, window],
      );
      if ((scope?.n ?? 0) > fetched) this.sawLockedCandidates = true;
    }
    return page;
  }

  async expiredLeases(nowIso: string, limit: number): Promise<Task[]> {
    if (this.mode === "read") {
      return this.tasks(
        await this.query<TaskRow>(
          "expired-leases-read",
          `SELECT ${TASK_COLUMNS} FROM baton_tasks WHERE status = 'in_progress' AND lease_expires_at <= $1
           ORDER BY lease_expires_at, created_at, id_order LIMIT $2`,
          [nowIso, limit],
        ),
      );
    }
    // A claim's first read when the board runs on its own clock: the opening fetches recovery at it.
    if (this.intent?.claimFor !== undefined) await this.open({ kind: "recovery", nowIso, limit });
    const prefetched = this.prefetchedExpired;
    this.prefetchedExpired = undefined;
    if (prefetched && prefetched.nowIso === nowIso && prefetched.limit === limit) return prefetched.tasks;
    const rows = await this.query<TaskRow & { part: number }>("recoverable-write", recoverableSql("$1::timestamptz", "$2"), [
      nowIso,
      limit,
    ]);
    return this.keepRecoverable(rows, nowIso, limit);
  }

  /** Sorts recoverable rows; returns expired leases and keeps due retries for dueRetries. */
  private keepRecoverable(rows: (TaskRow & { part: number })[], nowIso: string, limit: number): Task[] {
    const by = (part: number, key: "lease_expires_at" | "next_attempt_at"): TaskRow[] =>
      rows
        .filter((r) => r.part === part)
        .sort(
          (a, b) =>
            compareText(a[key] ?? "", b[key] ?? "") || compareText(a.created_at, b.created_at) || compareIds(a.id, b.id),
        );
    this.prefetchedRetries = { nowIso, limit, tasks: this.tasks(by(Part.due, "next_attempt_at")) };
    return this.tasks(by(Part.expired, "lease_expires_at"));
  }

  async dueRetries(nowIso: string, limit: number): Promise<Task[]> {
    const prefetched = this.prefetchedRetries;
    this.prefetchedRetries = undefined;
    if (prefetched && prefetched.nowIso === nowIso && prefetched.limit === limit) return prefetched.tasks;
    return this.tasks(
      await this.query<TaskRow>(
        `due-retries-${this.mode}`,
        `SELECT ${TASK_COLUMNS} FROM baton_tasks WHERE status = 'failed' AND next_attempt_at <= $1
         ORDER BY next_attempt_at, created_at, id_order LIMIT $2 ${this.mode === "write" ? "FOR UPDATE SKIP LOCKED" : ""}`,
        [nowIso, limit],
      ),
    );
  }

  async getAgent(id: string): Promise<Agent | undefined> {
    if (this.speculation) {
      const known = this.speculation.agent(id);
      if (!known) throw new SpeculationMiss();
      this.speculatedAgents.add(id);
      return known.agent;
    }
    const prefetched = await this.prefetched((o) => (this.wroteAgents ? undefined : o.agentRow(id)));
    if (prefetched !== undefined) return prefetched === null ? undefined : this.sawAgent(prefetched);
    const rows =
      this.mode === "write"
        ? await this.query<AgentRow>("get-agent-write", AGENT_ROW, [id])
        : await this.query<AgentRow>("get-agent-read", "SELECT id, capabilities, last_seen_at FROM baton_agents WHERE id = $1", [id]);
    return rows[0] && this.sawAgent(rows[0]);
  }

  private sawAgent(row: AgentRow): Agent {
    const agent = agentFromRow(row);
    if (row.row_version !== undefined) this.agentsSeen.set(agent.id, { agent, version: row.row_version });
    return agent;
  }
}
