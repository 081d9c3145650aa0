/**
 * The reads no opening answers (lists, counts, the audit trail): plain statements, sent with
 * the queued writes ahead of them. Task objects remember the row version they were read at,
 * for BoardTx.updateTask's check.
 */
import { TASK_STATUSES } from "../../core/task.js";
import { TxConnection } from "./tx-connection.js";
import { listTrail } from "../archived-events.js";
import { agentFromRow, eventFromRow, TASK_COLUMNS, taskFromRow } from "./rows.js";
import { claimWalkSql } from "./claim-walk.js";
import { archiveFromRow } from "../archive-rows.js";
import type { ArchiveRow } from "../archive-rows.js";
import type { Agent, BoardEvent, Task, TaskStatus } from "../../core/task.js";
import type { ClaimWalk, EventArchive, EventQuery, OutcomeBucket, TaskQuery } from "../store.js";
import type { AgentRow, EventRow, TaskRow } from "./rows.js";

export class BoardReads extends TxConnection {
  /** Row version (xmin) each task object was read at. */
  protected readonly versions = new WeakMap<Task, string>();

  protected tasks(rows: TaskRow[]): Task[] {
    return rows.map((row) => {
      const task = taskFromRow(row);
      this.versions.set(task, row.row_version);
      return task;
    });
  }

  async listTasks(query: TaskQuery): Promise<Task[]> {
    const { where, values } = taskSelection(query);
    values.push(query.limit ?? null);
    const sql = `SELECT ${TASK_COLUMNS} FROM baton_tasks ${where} ORDER BY created_at, id_order LIMIT $${values.length}`;
    return this.tasks(await this.query<TaskRow>(undefined, sql, values));
  }

  async countTasks(query: TaskQuery): Promise<number> {
    const { where, values } = taskSelection(query);
    const rows = await this.query<{ n: number }>(undefined, `SELECT count(*)::int AS n FROM baton_tasks ${where}`, values);
    return rows[0]?.n ?? 0;
  }

  async pendingInClaimOrder(walk: ClaimWalk): Promise<Task[]> {
    const { text, values } = claimWalkSql(walk);
    return this.tasks(await this.query<TaskRow>(undefined, text, values));
  }

  async countByStatus(): Promise<Record<TaskStatus, number>> {
    const counts = Object.fromEntries(TASK_STATUSES.map((s) => [s, 0])) as Record<TaskStatus, number>;
    const rows = await this.query<{ status: TaskStatus; n: number }>(
      "count-by-status",
      "SELECT status, count(*)::int AS n FROM baton_tasks GROUP BY status",
    );
    for (const row of rows) counts[row.status] = row.n;
    return counts;
  }

  /** The trail with its archives (src/store/archived-events.ts). */
  async listEvents(query: EventQuery): Promise<BoardEvent[]> {
    let horizon: number | undefined;
    if (!this.started && this.mode === "read") {
      // Events commit out of seq order (seq is taken before commit). Read only up to the
      // horizon, below which every transaction has finished, so a watcher polling with
      // afterSeq never skips an event that commits later with a lower seq. Taken before the
      // snapshot begins (before the archives are read).
      const [row] = await this.client.query<{ h: number }>("SELECT baton_event_horizon() AS h").then((r) => r.rows);
      horizon = row?.h ?? 0;
    }
    return listTrail(query, await this.listArchives(), (q) => this.tableEvents(q, horizon));
  }

  async listArchives(): Promise<EventArchive[]> {
    const rows = await this.query<ArchiveRow>("list-archives", "SELECT * FROM baton_archives ORDER BY from_seq");
    return rows.map(archiveFromRow);
  }

  private async tableEvents(query: EventQuery, horizon: number | undefined): Promise<BoardEvent[]> {
    const where: string[] = [];
    const values: unknown[] = [];
    if (horizon !== undefined) {
      values.push(horizon);
      where.push(`seq <= $${values.length}`);
    }
    const add = (clause: string, value: unknown): void => {
      values.push(value);
      where.push(`${clause} $${values.length}`);
    };
    if (query.taskId !== undefined) add("task_id =", query.taskId);
    if (query.agentId !== undefined) add("agent_id =", query.agentId);
    if (query.types !== undefined) {
      values.push([...query.types]);
      where.push(`type = ANY($${values.length}::text[])`);
    }
    if (query.since !== undefined) add("at >=", query.since);
    if (query.until !== undefined) add("at <", query.until);
    if (query.afterSeq !== undefined) add("seq >", query.afterSeq);
    if (query.beforeSeq !== undefined) add("seq <", query.beforeSeq);
    const filter = where.length ? `WHERE ${where.join(" AND ")}` : "";
    if (query.recent !== undefined) {
      values.push(query.recent);
      const rows = await this.query<EventRow>(
        undefined,
        `SELECT * FROM baton_events ${filter} ORDER BY seq DESC LIMIT $${values.length}`,
        values,
      );
      return rows.reverse().map(eventFromRow);
    }
    values.push(query.limit ?? null);
    const rows = await this.query<EventRow>(
      undefined,
      `SELECT * FROM baton_events ${filter} ORDER BY seq LIMIT $${values.length}`,
      values,
    );
    return rows.map(eventFromRow);
  }

  async countOutcomes(since: string, bucketMs: number): Promise<OutcomeBucket[]> {
    // A range of baton_events_outcomes (schema 6), grouped by bucket: extract(epoch) of an
    // interval is exact (numeric), so the bucket is the same as the other stores compute.
    return this.query<OutcomeBucket>(
      "count-outcomes",
      `SELECT floor(extract(epoch FROM at - $1::timestamptz) * 1000 / $2)::int AS bucket,
         (count(*) FILTER (WHERE type = 'COMPLETED'))::int AS completed, (count(*) FILTER (WHERE type = 'FAILED'))::int AS failed
       FROM baton_events WHERE type IN ('COMPLETED', 'FAILED') AND at >= $1::timestamptz
       GROUP BY 1 ORDER BY 1`,
      [since, bucketMs],
    );
  }

  async listAgents(): Promise<Agent[]> {
    const rows = await this.query<AgentRow>("list-agents", "SELECT id, capabilities, last_seen_at FROM baton_agents ORDER BY id");
    return rows.map(agentFromRow);
  }

  async counters(): Promise<Record<string, number>> {
    const rows = await this.query<{ prefix: string; value: number }>(
      "counters",
      "SELECT prefix, value FROM baton_counters ORDER BY prefix",
    );
    return Object.fromEntries(rows.map((r) => [r.prefix, r.value]));
  }
}

/** The WHERE clause of the tasks a query selects, with its values ($1…). */
function taskSelection(query: TaskQuery): { where: string; values: unknown[] } {
  const where: string[] = [];
  const values: unknown[] = [];
  if (query.statuses && query.statuses.length > 0) {
    values.push(query.statuses);
    where.push(`status = ANY($${values.length})`);
  }
  if (query.assignedTo !== undefined) {
    values.push(query.assignedTo);
    where.push(`assigned_to = $${values.length}`);
  }
  if (query.text !== undefined) {
    values.push(query.text.toLowerCase());
    const p = `$${values.length}`;
    where.push(`(strpos(lower(id), ${p}) > 0 OR strpos(lower(title), ${p}) > 0 OR strpos(lower(description), ${p}) > 0)`);
  }
  if (query.priority !== undefined) {
    values.push(query.priority);
    where.push(`priority = $${values.length}`);
  }
  if (query.dependsOn !== undefined) {
    values.push(query.dependsOn);
    // baton_tasks_depends_on (schema 7) answers this.
    where.push(`depends_on ? $${values.length}`);
  }
  if (query.after !== undefined) {
    values.push(query.after.createdAt, query.after.id);
    // The same key the baton_tasks_order index holds, so the page starts with an index seek.
    where.push(`(created_at, id_order) > ($${values.length - 1}::timestamptz, baton_id_order($${values.length}) COLLATE "C")`);
  }
  return { where: where.length ? `WHERE ${where.join(" AND ")}` : "", values };
}

