/**
 * The library API: the Board, one method per operation. Each operation is one store
 * transaction that reads what it needs, applies the core rules, writes the new state and
 * appends its audit event; they live under src/board/ by what they do:
 *   editing.ts (add, update, dependencies, cancel, revive, assign, release held, note),
 *   task-reads.ts (get, lists, pages, ready, next), audit-reads.ts (the trail, stats, replay),
 *   claiming.ts (claim, claimBatch), lease-holder.ts (heartbeat, complete, fail, release),
 *   agents.ts, workload.ts, pipeline.ts, id-counters.ts, import-export.ts, recovery.ts
 *   (heal), health.ts, report.ts, backup.ts, event-hub.ts (watch).
 * This is the only place that reads the clock (or asks the store for its clock): every
 * operation gets it as `now` in its BoardContext (board/context.ts).
 *
 * The rare operations (audit rotation, import/export/inbox, health, backup/restore) load their
 * modules on first use: with node:crypto, node:readline, node:os and the seed-format parsers
 * they cost every CLI call ~4 ms of CPU at start-up (node:crypto alone ~3 ms; bench/sections/cli.ts).
 */
import { resolvePolicy } from "./core/policy.js";
import { toIso } from "./core/time.js";
import { checkTaskId, isoDateSchema, parseInput } from "./core/validation.js";
import { addAgentAhead, forgetAgent, registerAgent } from "./board/agents.js";
import { auditEvents, auditPage, auditPages, auditStats, replayTasks } from "./board/audit-reads.js";
import { claimBatch, claimOne } from "./board/claiming.js";
import { completeAndClaimNext } from "./board/complete-and-claim.js";
import { nothingReady } from "./board/nothing-ready.js";
import { addDependencies, addTasks, assignTask, changeTask, noteTask, removeDependencies, updateTask } from "./board/editing.js";
import { EventHub } from "./board/event-hub.js";
import { initCounters, reserveIds } from "./board/id-counters.js";
import { complete, fail, heartbeat, release } from "./board/lease-holder.js";
import { readPipeline, readUnblocked } from "./board/pipeline.js";
import { heal } from "./board/recovery.js";
import { readReport } from "./board/report.js";
import { countTasks, getTask, listPage, listTasks, nextTask, readyPage, readyTasks } from "./board/task-reads.js";
import { activity, assignToLeastLoaded, rebalance, workload } from "./board/workload.js";
import type { AuditStats } from "./core/audit-stats.js";
import type { BatonError } from "./core/errors.js";
import type { BoardPolicy } from "./core/policy.js";
import type { ReplayReport } from "./core/replay.js";
import type { RotateOptions, RotateReport } from "./board/audit-rotate.js";
import type { Agent, BoardEvent, NewEvent, Priority, Task, TaskStatus } from "./core/task.js";
import type { ClaimOptions, NewTaskInput, TaskPatch } from "./core/validation.js";
import type { AgentLoad, ReservationMove } from "./core/workload.js";
import type { Store, StoreReader } from "./store/store.js";
import type { CopyVerdict } from "./board/backup.js";
import type { BoardContext } from "./board/context.js";
import type { AgentActivity } from "./board/coordination.js";
import type { SubscribeOptions } from "./board/event-hub.js";
import type { HealthReport } from "./board/health.js";
import type { ImportPlan } from "./board/importing.js";
import type { InboxOutcome } from "./board/inbox.js";
import type { Page } from "./board/paging.js";
import type { Pipeline } from "./board/pipeline.js";
import type { BoardReport } from "./board/report.js";
import type { AuditQuery, BoardOptions, Claim, CompletedAndNext, CredentialInput, EditBy, HealReport } from "./board/types.js";
import type { NextClaimOptions } from "./board/types.js";
import type { ListQuery, PageQuery, ReadyQuery, Reservation } from "./board/types.js";

export type * from "./board/types.js";
export type { Page };

export class Board {
  readonly policy: BoardPolicy;
  private readonly clock: (() => number) | undefined;
  /** What every operation under src/board/ is given. */
  private readonly ctx: BoardContext;
  /** Made by the first watch. */
  private events: EventHub | null = null;

  constructor(
    readonly store: Store,
    options: BoardOptions = {},
  ) {
    this.policy = resolvePolicy(options.policy);
    this.clock = options.clock;
    this.ctx = { store, policy: this.policy, now: (tx) => this.now(tx), random: options.random ?? Math.random };
  }

  /**
   * The time an operation acts at, read once the transaction has begun (after any wait for the
   * write lock), so a lease is never judged on a time from before the wait.
   */
  private async now(tx?: StoreReader): Promise<number> {
    if (this.clock) return this.clock();
    if (tx?.now) return tx.now();
    if (this.store.now) return this.store.now();
    return Date.now();
  }

  // ── creating and editing (board/editing.ts) ─────────────────────────────────────────────

  async add(input: NewTaskInput, by: { agent?: string } = {}): Promise<Task> {
    const [task] = await addTasks(this.ctx, [input], by);
    return task as Task;
  }

  /** Creates every task or none. Later tasks may depend on earlier ones of the same batch. */
  async addMany(inputs: readonly NewTaskInput[], by: { agent?: string } = {}): Promise<Task[]> {
    return addTasks(this.ctx, inputs, by);
  }

  async update(id: string, patch: TaskPatch, by: EditBy = {}): Promise<Task> {
    return updateTask(this.ctx, id, patch, by);
  }

  /** Adds dependencies, reading and writing the list in one transaction (no lost edit). */
  async addDependencies(id: string, dependsOn: readonly string[], by: { agent?: string } = {}): Promise<Task> {
    return addDependencies(this.ctx, id, dependsOn, by);
  }

  async removeDependencies(id: string, dependsOn: readonly string[], by: { agent?: string } = {}): Promise<Task> {
    return removeDependencies(this.ctx, id, dependsOn, by);
  }

  async cancel(id: string, by: EditBy & { reason?: string } = {}): Promise<Task> {
    return changeTask(this.ctx, id, by, { kind: "cancel", reason: by.reason });
  }

  /** A person's answer to a poison pill: pending again with a fresh set of attempts. */
  async revive(id: string, by: EditBy = {}): Promise<Task> {
    return changeTask(this.ctx, id, by, { kind: "revive" });
  }

  /** Reserve a pending task for one agent (only it may claim it), or lift the reservation. */
  async assign(id: string, agent: string | null, by: EditBy = {}): Promise<Task> {
    return assignTask(this.ctx, id, agent, by);
  }

  /**
   * A person takes a task back from its holder: pending again, no attempt counted, and the
   * holder's lease token stops working (its next heartbeat or completion is LEASE_LOST).
   * There is no token to fence it, so the version it was decided on must still be current.
   */
  async releaseHeld(id: string, by: EditBy & { expectedVersion: number; reason?: string }): Promise<Task> {
    return changeTask(this.ctx, id, by, { kind: "release", reason: by.reason, by: by.agent });
  }

  /** A NOTE event on the task's audit trail, by any agent; the task itself is unchanged. */
  async note(id: string, text: string, by: { agent?: string } = {}): Promise<NewEvent> {
    return noteTask(this.ctx, id, text, by);
  }

  // ── reading (board/task-reads.ts, board/audit-reads.ts) ─────────────────────────────────

  async get(id: string): Promise<Task> {
    return getTask(this.ctx, id);
  }

  /** Every task matching the filters (or the first `limit`), in list order; see listPage for pages. */
  async list(query: ListQuery = {}): Promise<Task[]> {
    return listTasks(this.ctx, query);
  }

  /** One page of the tasks matching the filters, in list order (created, then id); see board/paging.ts. */
  async listPage(query: Omit<ListQuery, "limit"> & PageQuery = {}): Promise<Page<Task>> {
    return listPage(this.ctx, query);
  }

  /** How many tasks match the filters, after `cursor` when given: what follows a page. */
  async count(query: Omit<ListQuery, "limit"> & Pick<PageQuery, "cursor"> = {}): Promise<number> {
    return countTasks(this.ctx, query);
  }

  /** Tasks that are ready now (pending, or with the retry due, and unblocked); for an agent, those it may take. */
  async ready(options: ReadyQuery & { limit?: number } = {}): Promise<Task[]> {
    return readyTasks(this.ctx, options);
  }

  /** One page of the ready tasks in claim order (best first); see board/paging.ts. */
  async readyPage(query: ReadyQuery & PageQuery = {}): Promise<Page<Task>> {
    return readyPage(this.ctx, query);
  }

  /** The task `claim` would give this agent now, without taking it. */
  async next(options: { agent: string; capabilities?: readonly string[]; minPriority?: Priority }): Promise<Task | null> {
    return nextTask(this.ctx, options);
  }

  async stats(): Promise<Record<TaskStatus, number>> {
    return this.store.read((tx) => tx.countByStatus());
  }

  async agents(): Promise<Agent[]> {
    return this.store.read((tx) => tx.listAgents());
  }

  async counters(): Promise<Record<string, number>> {
    return this.store.read((tx) => tx.counters());
  }

  async audit(query: AuditQuery = {}): Promise<BoardEvent[]> {
    return auditEvents(this.ctx, query);
  }

  /** The trail a page at a time, oldest first (export streams these; see board/audit-pages.ts). */
  auditPages(query: Omit<AuditQuery, "recent" | "limit"> = {}): AsyncGenerator<BoardEvent[]> {
    return auditPages(this.ctx, query);
  }

  /** Counts by type and by agent, time to claim and to complete (core/audit-stats.ts). */
  async auditStats(query: Omit<AuditQuery, "recent" | "limit"> = {}): Promise<AuditStats> {
    return auditStats(this.ctx, query);
  }

  /** One page of the audit trail, oldest first; see board/paging.ts. */
  async auditPage(query: Omit<AuditQuery, "recent" | "afterSeq" | "limit"> & PageQuery = {}): Promise<Page<BoardEvent>> {
    return auditPage(this.ctx, query);
  }

  /** Rebuilds tasks (`ids`, or every one) from their events and compares them with the stored ones. */
  async replay(ids?: readonly string[]): Promise<ReplayReport> {
    return replayTasks(this.ctx, ids);
  }

  /**
   * Moves the events older than `before` to an archive file and leaves a ROTATED event
   * (board/audit-rotate.ts); every audit read still sees them. `archive: null` when none was older.
   */
  async rotateAudit(options: RotateOptions): Promise<RotateReport> {
    const { rotateAudit } = await import("./board/audit-rotate.js");
    return rotateAudit(this.store, options, await this.ctx.now());
  }

  // ── claiming and working (board/claiming.ts, board/lease-holder.ts) ─────────────────────

  /** Atomically takes the task `ids` names, else the best ready one this agent may take; else NOTHING_READY. */
  async claim(options: ClaimOptions): Promise<Claim> {
    return claimOne(this.ctx, options);
  }

  /** Claims every one of `ids` or none (seed 000's atomic_batch_assign). */
  async claimBatch(options: ClaimOptions & { ids: readonly string[] }): Promise<Claim[]> {
    return claimBatch(this.ctx, options);
  }

  /** Why nothing is ready for `agent` (NOTHING_READY, for a face whose `next` found none). */
  async nothingReady(agent: string): Promise<BatonError> {
    return nothingReady(this.store, agent);
  }

  async heartbeat(id: string, credential: CredentialInput & { leaseSeconds?: number; note?: string }): Promise<Task> {
    return heartbeat(this.ctx, id, credential);
  }

  async complete(id: string, credential: CredentialInput & { result?: string }): Promise<Task> {
    return complete(this.ctx, id, credential);
  }

  /**
   * Completes the task held and claims the next one in one transaction (board/complete-and-claim.ts):
   * each its own fencing check and event; `next` is null when nothing is ready.
   */
  async completeAndClaimNext(
    id: string,
    credential: CredentialInput & { result?: string },
    next: NextClaimOptions = {},
  ): Promise<CompletedAndNext> {
    return completeAndClaimNext(this.ctx, id, credential, next);
  }

  async fail(id: string, credential: CredentialInput & { error: string }): Promise<Task> {
    return fail(this.ctx, id, credential);
  }

  async release(id: string, credential: CredentialInput & { reason?: string }): Promise<Task> {
    return release(this.ctx, id, credential);
  }

  // ── ids and moving in and out (board/id-counters.ts, board/import-export.ts) ────────────

  /** n fresh ids, atomically (seed 003): {"ids":["SEC-20","SEC-21"],"reservedAt":"…"}. */
  async reserve(prefix: string, n = 1, by: { agent?: string } = {}): Promise<Reservation> {
    return reserveIds(this.ctx, prefix, n, by);
  }

  /** Raise counters above every PREFIX-N on the board and in a TASKS.md; returns the counters after. */
  async initCounters(options: { markdown?: string } = {}): Promise<Record<string, number>> {
    return initCounters(this.ctx, options);
  }

  /** Imports a seed's file in one transaction (ids kept, counters raised); `dryRun` rolls it back. */
  async importTasks(
    text: string,
    options: { format: string; dryRun?: boolean; agent?: string; queuePrefix?: string },
  ): Promise<ImportPlan> {
    const { importTasks } = await import("./board/import-export.js");
    return importTasks(this.ctx, text, options);
  }

  /** The board's tasks in a seed's format (tasks-json carries every field and the history). */
  async exportTasks(options: { format: string; queuePrefix?: string }): Promise<string> {
    const { exportTasks } = await import("./board/import-export.js");
    return exportTasks(this.ctx, options);
  }

  /** Seed 003's inbox: reserved, unused ids are added and leave the file; the rest stay with a reason. */
  async processInbox(path: string, by: { agent?: string } = {}): Promise<InboxOutcome> {
    const { processInbox } = await import("./board/import-export.js");
    return processInbox(this.ctx, path, by);
  }

  // ── recovery, health and copies ─────────────────────────────────────────────────────────

  /** Eager recovery (board/recovery.ts): expired leases, due retries, dead agents' leases. */
  async heal(): Promise<HealReport> {
    return heal(this.ctx);
  }

  /** Every health check (board/health.ts), from the store to the oldest ready task. Changes nothing. */
  async health(options: { integrity?: boolean } = {}): Promise<HealthReport> {
    const { checkHealth } = await import("./board/health.js");
    return checkHealth(this.store, this.policy, (tx) => this.now(tx), options);
  }

  /** The facts of a status report (board/report.ts); `since` limits the activity counted. */
  async report(options: { since?: string } = {}): Promise<BoardReport> {
    const since = options.since === undefined ? null : toIso(parseInput(isoDateSchema, options.since, "--since"));
    return this.store.read(async (tx) => readReport(tx, await this.now(tx), this.policy, since));
  }

  /** A consistent copy of the board in one file, verified (integrity + replay) once written. */
  async backup(file: string): Promise<CopyVerdict> {
    const { backupBoard } = await import("./board/backup.js");
    return backupBoard(this.store, file);
  }

  /** Replaces the board with a backup once the backup is verified; a live board needs `force`. */
  async restore(file: string, options: { force?: boolean } = {}): Promise<CopyVerdict> {
    const { restoreBoard } = await import("./board/backup.js");
    return restoreBoard(this.store, file, options.force === true);
  }

  // ── agents and coordination (board/agents.ts, board/coordination.ts, board/pipeline.ts) ─

  /** Records an agent's capabilities (used by claims that name none). */
  async registerAgent(agent: string, capabilities: readonly string[]): Promise<Agent> {
    return registerAgent(this.ctx, agent, capabilities);
  }

  /** Registers an agent ahead of its first claim (seen now, with these capabilities). */
  async addAgent(agent: string, capabilities: readonly string[]): Promise<Agent> {
    return addAgentAhead(this.ctx, agent, capabilities);
  }

  /** Forgets an agent that holds nothing, lifting its reservations. */
  async removeAgent(agent: string, by: { agent?: string } = {}): Promise<void> {
    return forgetAgent(this.ctx, agent, by);
  }

  /** Every known agent with its load and whether it is alive, silent or dead. */
  async workload(): Promise<AgentLoad[]> {
    return workload(this.ctx);
  }

  /** Every known agent's workload and record: held, reserved, completed, failed. */
  async activity(): Promise<AgentActivity[]> {
    return activity(this.ctx);
  }

  /** Reserves a task for the least-loaded alive agent that has what it needs (ties: idle longest). */
  async assignAuto(id: string, by: EditBy = {}): Promise<Task> {
    return assignToLeastLoaded(this.ctx, id, by);
  }

  /** The reservations that would move from overloaded (or dead) agents to idle capable ones; moved with `apply`. */
  async balance(options: { apply?: boolean } = {}, by: { agent?: string } = {}): Promise<ReservationMove[]> {
    return rebalance(this.ctx, options.apply === true, by);
  }

  /** A task's dependency chain up and down, what completing it unblocks, and the critical path. */
  async pipeline(id?: string): Promise<Pipeline> {
    if (id !== undefined) checkTaskId(id);
    return this.store.read((tx) => readPipeline(tx, id));
  }

  /** The pending tasks whose every dependency is now completed, among those waiting for `id`. */
  async unblockedBy(id: string): Promise<{ unblocked: Task[]; counts: Record<TaskStatus, number> }> {
    checkTaskId(id);
    return this.store.read((tx) => readUnblocked(tx, id));
  }

  // ── live events ─────────────────────────────────────────────────────────────────────────

  /**
   * Events as they commit, starting after `afterSeq` (default: from now on). Every watcher of
   * this board shares one poll loop or LISTEN; see board/event-hub.ts.
   */
  watch(options: SubscribeOptions = {}): AsyncGenerator<BoardEvent> {
    this.events ??= new EventHub(this.store);
    return this.events.events(options);
  }

  async close(): Promise<void> {
    await this.events?.close();
    await this.store.close();
  }
}
