/**
 * The writes of one PostgreSQL transaction, at READ COMMITTED (its reads, which lock the rows
 * the board will change, are in locking-reads.ts). Every task read remembers the row version
 * it saw (xmin), and `updateTask` only writes if the row is still at that version; otherwise
 * PostgreSQL raises serialization_failure and the store re-runs the transaction (the Store
 * contract allows it). An agent's row is rewritten under the same version check.
 * Writes whose answer the board does not need are queued and travel with the next read or
 * with COMMIT (see tx-connection.ts): a claim is 2 round trips, a completion 2. In a
 * speculation (see speculation.ts) the clock check and the writes travel together as one
 * implicit transaction (no BEGIN or COMMIT): 1 round trip.
 */
import { checkStoredToken } from "../../core/fencing.js";
import { LockingReads } from "./locking-reads.js";
import { archiveValues, taskParams } from "./rows.js";
import type { Agent, NewEvent, Task } from "../../core/task.js";
import type { EventArchive, StoreWriter } from "../store.js";
import type { KnownRow } from "./speculation.js";

export class BoardTx extends LockingReads implements StoreWriter {
  /** The tasks this transaction wrote, at their new row versions (known once the writes are answered). */
  readonly written = new Map<string, KnownRow>();

  async insertTask(task: Task): Promise<void> {
    this.wroteTasks = true;
    this.queue(
      "insert-task",
      `INSERT INTO baton_tasks (id, title, description, metadata, result, status, priority, priority_rank,
         needs, depends_on, assigned_to, lease_token, lease_expires_at, attempts, max_attempts,
         next_attempt_at, last_error, created_at, updated_at, created_by, version)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21)`,
      taskParams(task),
    );
  }

  async updateTask(after: Task, before: Task): Promise<void> {
    this.wroteTasks = true;
    this.queue(
      "update-task",
      `${UPDATE_TASK_SQL} SELECT baton_expect_one(count(*), $1), min(version) AS version FROM changed`,
      [...taskParams(after), this.versions.get(before) ?? null],
      (rows) => this.wrote(after, rows),
    );
  }

  /** Notes the version a queued update left the task at. */
  private wrote(task: Task, rows: Record<string, unknown>[]): void {
    const version = rowVersion(rows);
    if (version !== undefined) this.written.set(task.id, { task, version });
  }

  /**
   * Queued, with its seq known now: the seq the lease token took (CLAIMED), else the next one
   * (in a speculation the append function takes it: no round trip for it). LISTENers are
   * notified at commit by the append function.
   */
  async appendEvent(event: NewEvent): Promise<void> {
    const seq = this.reservedSeq ?? (this.speculation ? null : await this.takeSeq());
    this.reservedSeq = undefined;
    const values = [seq, event.at, event.type, event.taskId, event.agentId, event.from, event.to, event.details, JSON.stringify(event.data)];
    const update = this.pending[this.pending.length - 1];
    if (update?.name === "update-task" && update.values?.[0] === event.taskId) {
      // The task change this event records travels in the same statement.
      this.pending.pop();
      this.queue(
        "change-task",
        `${UPDATE_TASK_SQL}, checked AS (SELECT baton_expect_one(count(*), $1), min(version) AS version FROM changed)
         SELECT baton_append_event($23, $24, $25, $26, $27, $28, $29, $30, $31), version FROM checked`,
        [...(update.values ?? []), ...values],
        update.onRows,
      );
    } else {
      this.queue("append-event", "SELECT baton_append_event($1, $2, $3, $4, $5, $6, $7, $8, $9)", values);
    }
  }

  async advanceCounter(prefix: string, n: number): Promise<number> {
    const [row] = await this.query<{ value: number }>(
      "advance-counter",
      `INSERT INTO baton_counters (prefix, value) VALUES ($1, $2)
       ON CONFLICT (prefix) DO UPDATE SET value = baton_counters.value + EXCLUDED.value RETURNING value`,
      [prefix, n],
    );
    return (row as { value: number }).value;
  }

  async raiseCounter(prefix: string, atLeast: number): Promise<void> {
    this.queue(
      "raise-counter",
      `INSERT INTO baton_counters (prefix, value) VALUES ($1, $2)
       ON CONFLICT (prefix) DO UPDATE SET value = GREATEST(baton_counters.value, EXCLUDED.value)`,
      [prefix, atLeast],
    );
  }

  /**
   * A lease token is the seq of the CLAIMED event that will record it: the board appends that
   * event next. So tokens strictly increase across the board in audit order, as on the
   * embedded stores, without serialising claims: a sequence never blocks.
   */
  async nextLeaseToken(): Promise<number> {
    const token = checkStoredToken(await this.takeSeq(), "the event sequence baton_events_seq");
    this.reservedSeq = token;
    return token;
  }

  async putAgent(agent: Agent): Promise<void> {
    this.wroteAgents = true;
    const known = this.agentsSeen.get(agent.id) ?? this.speculation?.agent(agent.id);
    this.agentsSeen.delete(agent.id);
    const values = [agent.id, JSON.stringify(agent.capabilities), agent.lastSeenAt];
    const wrote = (rows: Record<string, unknown>[]): void => {
      const version = rowVersion(rows);
      if (version !== undefined) this.agentsSeen.set(agent.id, { agent, version });
    };
    if (known) {
      // Read without a lock (or known from before, in a speculation): the row must still be
      // the version the board decided on.
      this.queue(
        "put-known-agent",
        `WITH changed AS (
           UPDATE baton_agents SET capabilities = $2, last_seen_at = $3 WHERE id = $1 AND xmin = $4::text::xid
           RETURNING xmin::text AS version)
         SELECT baton_expect_one(count(*), 'agent ' || $1), min(version) AS version FROM changed`,
        [...values, known.version],
        wrote,
      );
      return;
    }
    this.queue(
      "put-agent",
      `INSERT INTO baton_agents (id, capabilities, last_seen_at) VALUES ($1, $2, $3)
       ON CONFLICT (id) DO UPDATE SET capabilities = EXCLUDED.capabilities, last_seen_at = EXCLUDED.last_seen_at
       RETURNING xmin::text AS version`,
      values,
      wrote,
    );
  }

  async deleteAgent(id: string): Promise<void> {
    this.wroteAgents = true;
    this.agentsSeen.delete(id);
    this.queue("delete-agent", "DELETE FROM baton_agents WHERE id = $1", [id]);
  }

  async rotateEvents(archive: EventArchive): Promise<number> {
    this.queue(
      "rotate-archive",
      `INSERT INTO baton_archives (from_seq, to_seq, count, file, first_at, last_at, sha256, bytes, rotated_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
      archiveValues(archive),
    );
    // The DELETE's trigger must see the archive row: a statement of its own, after the insert.
    const [deleted] = await this.query<{ n: number }>(
      "rotate-delete",
      "WITH gone AS (DELETE FROM baton_events WHERE seq BETWEEN $1 AND $2 RETURNING 1) SELECT count(*)::int AS n FROM gone",
      [archive.fromSeq, archive.toSeq],
    );
    return deleted?.n ?? 0;
  }
}

/** The row version a write statement returned (its `version` column). */
function rowVersion(rows: Record<string, unknown>[]): string | undefined {
  const version = rows[0]?.version;
  return typeof version === "string" ? version : undefined;
}

/**
 * A task update that must change exactly the row version it was computed from ($22); anything
 * else is a concurrent change, and baton_expect_one raises serialization_failure (the store
 * re-runs the transaction).
 */
const UPDATE_TASK_SQL = `WITH changed AS (
  UPDATE baton_tasks SET title = $2, description = $3, metadata = $4, result = $5, status = $6,
    priority = $7, priority_rank = $8, needs = $9, depends_on = $10, assigned_to = $11,
    lease_token = $12, lease_expires_at = $13, attempts = $14, max_attempts = $15,
    next_attempt_at = $16, last_error = $17, created_at = $18, updated_at = $19, created_by = $20, version = $21
  WHERE id = $1 AND ($22::text IS NULL OR xmin = $22::text::xid) RETURNING xmin::text AS version)`;
