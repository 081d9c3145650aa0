/**
 * The library API. Each operation is one store transaction that reads what it needs, applies
 * the core rules, writes the new state and appends its audit event. This is the only place
 * that reads the clock (or asks the store for its clock).
 */
import { retryDelayMs } from "./core/backoff.js";
import { BatonError, ErrorCode, invalidInput, notFound } from "./core/errors.js";
import { definedFields } from "./core/exhaustive.js";
import { checkHolder, checkStoredToken } from "./core/fencing.js";
import { formatId, highestPerPrefix, idsInMarkdown } from "./core/ids.js";
import { resolvePolicy } from "./core/policy.js";
import { claimRefusal, compareForClaim, mayTake, unfinishedDependencies } from "./core/selection.js";
import { fromIso, toIso } from "./core/time.js";
import {
  agentIdSchema,
  capabilitySchema,
  checkAgentId,
  checkPrefix,
  checkTaskId,
  claimOptionsSchema,
  credentialSchema,
  newTaskSchema,
  nonNegativeIntSchema,
  parseInput,
  positiveIntSchema,
  taskIdSchema,
  taskPatchSchema,
} from "./core/validation.js";
import type { AuditStats } from "./core/audit-stats.js";
import type { ReplayReport } from "./core/replay.js";
import type { ImportPlan } from "./board/importing.js";
import type { InboxOutcome } from "./board/inbox.js";
import type { BoardPolicy } from "./core/policy.js";
import type { Agent, BoardEvent, NewEvent, Task, TaskStatus } from "./core/task.js";
import type { Transition } from "./core/transitions.js";
import type { ClaimOptions, Credential, NewTaskInput, TaskPatch } from "./core/validation.js";
import type { Store, StoreReader, StoreWriter } from "./store/store.js";
import type { SubscribeOptions } from "./board/event-hub.js";
import * as z from "zod/mini";
import { checkDependencies, createTask } from "./board/creation.js";
import { pickBest } from "./board/candidates.js";
import { nothingReady } from "./board/nothing-ready.js";
import { recoverDeadAgents, recoverDue, recoverTask } from "./board/recovery.js";
import {
  applyChange,
  asPromoted,
  checkVersion,
  dependencyStatuses,
  firstReady,
  mustGet,
  throwNotFound,
} from "./board/transaction-steps.js";
import { addAgent, assignAuto, balance, offerRetryElsewhere, readActivity, readLoads, removeAgent } from "./board/coordination.js";
import type { AgentActivity } from "./board/coordination.js";
import { readPipeline, readUnblocked } from "./board/pipeline.js";
import { checkHealth } from "./board/health.js";
import { backupBoard, restoreBoard } from "./board/backup.js";
import { readReport } from "./board/report.js";
import type { BoardReport } from "./board/report.js";
import type { CopyVerdict } from "./board/backup.js";
import type { HealthReport } from "./board/health.js";
import { isoDateSchema, noteSchema, prioritySchema } from "./core/validation.js";
import { PRIORITY_RANK } from "./core/task.js";
import type { Priority } from "./core/task.js";
import type { AgentLoad, ReservationMove } from "./core/workload.js";
import type { Pipeline } from "./board/pipeline.js";
import { EventHub } from "./board/event-hub.js";
import { CLAIM_RECOVERY_BATCH } from "./store/store.js";
import { AuditStatsFold } from "./core/audit-stats.js";
import { eventQueryOf } from "./board/audit-query.js";
import { eventPages } from "./board/audit-pages.js";
import { replayBoard } from "./board/replay.js";
import { exportHistory } from "./board/export-history.js";
import { importRows } from "./board/importing.js";
import { processInboxFile } from "./board/inbox.js";
import { formatTasks } from "./migrate/export.js";
import { checkFormat, parseImport } from "./migrate/parse.js";
import { DEFAULT_QUEUE_PREFIX } from "./migrate/task-queue.js";
import type {
  AuditQuery,
  BoardOptions,
  Claim,
  CredentialInput,
  EditBy,
  HealReport,
  ListQuery,
  PageQuery,
  ReadyQuery,
  Reservation,
} from "./board/types.js";
import {
  claimKeyOf,
  compareClaimKeys,
  sortForClaim,
  eventCursor,
  pageLimit,
  parseEventCursor,
  parseReadyCursor,
  parseTaskCursor,
  readyCursor,
  taskCursor,
  toPage,
} from "./board/paging.js";
import type { Page } from "./board/paging.js";
import { eventFilter, taskFilter } from "./board/queries.js";

export type {
  AuditQuery,
  BoardOptions,
  Claim,
  CredentialInput,
  EditBy,
  HealReport,
  ListQuery,
  Page,
  PageQuery,
  ReadyQuery,
  Reservation,
};

/** How many expired leases / due retries one claim recovers on its way (heal does the rest). */
const LAZY_RECOVERY_BATCH = CLAIM_RECOVERY_BATCH;

/**
 * A batch claim claims all or nothing, and its refusal names every id that stopped it, with
 * seed 000's atomic_batch_assign result in its details: `{assigned: [], failed: [{id, code,
 * reason}]}`. The code is the first refusal's (a single refusal keeps its own code and message).
 */
function batchRefusal(ids: readonly string[], unordered: readonly BatonError[]): BatonError {
  const at = (r: BatonError): number => ids.indexOf(String(r.details.taskId));
  const refusals = [...unordered].sort((a, b) => at(a) - at(b));
  const failed = refusals.map((r) => ({ id: String(r.details.taskId), code: r.code, reason: r.message }));
  const first = refusals[0] as BatonError;
  const message =
    refusals.length === 1
      ? first.message
      : `claimed none of ${ids.join(", ")} (all or nothing): ${refusals.map((r) => r.message).join("; ")}`;
  return new BatonError(first.code, message, { ...(refusals.length === 1 && first.details), assigned: [], failed });
}

/**
 * A `done` repeated by the agent that completed the task, with its token. baton keeps the
 * holder in assigned_to on completion; a completion by anyone else (a seed-001 hand agent
 * clears assigned_to) leaves the old token stale, not repeated.
 */
function isRepeatedCompletion(task: Task, transition: Transition, credential: Credential): boolean {
  return (
    transition.kind === "complete" &&
    task.status === "completed" &&
    task.assignedTo !== null &&
    credential.token !== undefined &&
    credential.token === task.leaseToken &&
    (credential.agent === undefined || credential.agent === task.assignedTo)
  );
}

export class Board {
  readonly policy: BoardPolicy;
  private readonly clock: (() => number) | undefined;
  private readonly random: () => number;
  /** Made by the first watch. */
  private events: EventHub | null = null;

  constructor(
    readonly store: Store,
    options: BoardOptions = {},
  ) {
    this.policy = resolvePolicy(options.policy);
    this.clock = options.clock;
    this.random = options.random ?? Math.random;
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

  // ── creating and editing ────────────────────────────────────────────────────────────────

  async add(input: NewTaskInput, by: { agent?: string } = {}): Promise<Task> {
    const [task] = await this.addMany([input], by);
    return task as Task;
  }

  /** Creates every task or none. Later tasks may depend on earlier ones of the same batch. */
  async addMany(inputs: readonly NewTaskInput[], by: { agent?: string } = {}): Promise<Task[]> {
    const parsed = inputs.map((input, i) =>
      parseInput(newTaskSchema, input, inputs.length > 1 ? `task #${i + 1}` : "task"),
    );
    const agent = by.agent === undefined ? null : checkAgentId(by.agent);
    return this.store.transaction(async (tx) => {
      const now = await this.now(tx);
      const created: Task[] = [];
      for (const input of parsed) created.push(await createTask(tx, input, agent, now, this.policy));
      return created;
    });
  }

  async update(id: string, patch: TaskPatch, by: EditBy = {}): Promise<Task> {
    const parsed = parseInput(taskPatchSchema, patch, "update");
    return this.edit(id, by, () => parsed);
  }

  /** Adds dependencies, reading and writing the list in one transaction (no lost edit). */
  async addDependencies(id: string, dependsOn: readonly string[], by: { agent?: string } = {}): Promise<Task> {
    const added = parseInput(z.array(taskIdSchema), [...dependsOn], "dependencies");
    return this.edit(id, by, (task) => ({ dependsOn: [...task.dependsOn, ...added] }));
  }

  async removeDependencies(id: string, dependsOn: readonly string[], by: { agent?: string } = {}): Promise<Task> {
    const removed = parseInput(z.array(taskIdSchema), [...dependsOn], "dependencies");
    return this.edit(id, by, (task) => ({ dependsOn: task.dependsOn.filter((d) => !removed.includes(d)) }));
  }

  /** One UPDATED change whose patch is computed from the task as read inside the transaction. */
  private async edit(id: string, by: EditBy, patchOf: (task: Task) => TaskPatch): Promise<Task> {
    checkTaskId(id);
    const agent = by.agent === undefined ? null : checkAgentId(by.agent);
    const expectedVersion = expectedVersionOf(by);
    return this.store.transaction(async (tx) => {
      const now = await this.now(tx);
      const before = await mustGet(tx, id);
      checkVersion(before, expectedVersion);
      const patch = { ...patchOf(before) };
      if (patch.dependsOn) {
        patch.dependsOn = [...new Set(patch.dependsOn)];
        await checkDependencies(tx, id, patch.dependsOn);
      }
      if (patch.needs) patch.needs = [...new Set(patch.needs)];
      return applyChange(tx, before, { kind: "update", patch }, agent, now);
    }, { taskIds: [id] });
  }

  async cancel(id: string, by: EditBy & { reason?: string } = {}): Promise<Task> {
    return this.simple(id, by, { kind: "cancel", reason: by.reason });
  }

  /** A person's answer to a poison pill: pending again with a fresh set of attempts. */
  async revive(id: string, by: EditBy = {}): Promise<Task> {
    return this.simple(id, by, { kind: "revive" });
  }

  /** Reserve a pending task for one agent (only it may claim it), or lift the reservation. */
  async assign(id: string, agent: string | null, by: EditBy = {}): Promise<Task> {
    if (agent !== null) checkAgentId(agent);
    return this.simple(id, by, { kind: "assign", agentId: agent });
  }

  /**
   * A person takes a task back from its holder: pending again, no attempt counted, and the
   * holder's lease token stops working (its next heartbeat or completion is LEASE_LOST).
   * There is no token to fence it, so the version it was decided on must still be current.
   */
  async releaseHeld(id: string, by: EditBy & { expectedVersion: number; reason?: string }): Promise<Task> {
    return this.simple(id, by, { kind: "release", reason: by.reason, by: by.agent });
  }

  private async simple(id: string, by: EditBy, transition: Transition): Promise<Task> {
    checkTaskId(id);
    const agent = by.agent === undefined ? null : checkAgentId(by.agent);
    const expectedVersion = expectedVersionOf(by);
    return this.store.transaction(async (tx) => {
      const task = await mustGet(tx, id);
      checkVersion(task, expectedVersion);
      return applyChange(tx, task, transition, agent, await this.now(tx));
    }, { taskIds: [id] });
  }

  // ── reading ─────────────────────────────────────────────────────────────────────────────

  async get(id: string): Promise<Task> {
    checkTaskId(id);
    return this.store.read((tx) => mustGet(tx, id));
  }

  /** Every task matching the filters (or the first `limit`), in list order; see listPage for pages. */
  async list(query: ListQuery = {}): Promise<Task[]> {
    const filter = taskFilter(query);
    const limit = parseInput(z.optional(positiveIntSchema("limit", 100_000)), query.limit, "limit");
    return this.store.read((tx) => tx.listTasks({ ...filter, ...(limit !== undefined && { limit }) }));
  }

  /** One page of the tasks matching the filters, in list order (created, then id); see board/paging.ts. */
  async listPage(query: Omit<ListQuery, "limit"> & PageQuery = {}): Promise<Page<Task>> {
    const filter = taskFilter(query);
    const limit = pageLimit(query.limit);
    const after = query.cursor === undefined ? undefined : parseTaskCursor(query.cursor);
    const rows = await this.store.read((tx) => tx.listTasks({ ...filter, ...(after && { after }), limit: limit + 1 }));
    return toPage(rows, limit, taskCursor);
  }

  /** How many tasks match the filters, after `cursor` when given: what follows a page. */
  async count(query: Omit<ListQuery, "limit"> & Pick<PageQuery, "cursor"> = {}): Promise<number> {
    const filter = taskFilter(query);
    const after = query.cursor === undefined ? undefined : parseTaskCursor(query.cursor);
    return this.store.read((tx) => tx.countTasks({ ...filter, ...(after && { after }) }));
  }

  /**
   * Tasks that are ready now: pending (or failed with the retry due, which the next claim turns
   * pending) with every dependency completed; for an agent, only those it may take.
   */
  async ready(options: ReadyQuery & { limit?: number } = {}): Promise<Task[]> {
    const agent = options.agent === undefined ? undefined : checkAgentId(options.agent);
    const ready = await this.store.read((tx) => this.readyInOrder(tx, agent, options.capabilities));
    return ready.slice(0, options.limit ?? ready.length);
  }

  /** One page of the ready tasks in claim order (best first); see board/paging.ts. */
  async readyPage(query: ReadyQuery & PageQuery = {}): Promise<Page<Task>> {
    const agent = query.agent === undefined ? undefined : checkAgentId(query.agent);
    const limit = pageLimit(query.limit);
    const after = query.cursor === undefined ? undefined : parseReadyCursor(query.cursor);
    const ready = await this.store.read((tx) => this.readyInOrder(tx, agent, query.capabilities));
    const rest = after === undefined ? ready : ready.filter((t) => compareClaimKeys(claimKeyOf(t, agent), after) > 0);
    const page = toPage(rest.slice(0, limit + 1), limit, (last) => readyCursor(claimKeyOf(last, agent)));
    return { ...page, remaining: Math.max(0, rest.length - limit) };
  }

  private async readyInOrder(tx: StoreReader, agent: string | undefined, given: readonly string[] | undefined): Promise<Task[]> {
    const now = await this.now(tx);
    const capabilities = await this.capabilitiesOf(tx, agent, given);
    const open = [
      ...(await tx.listTasks({ statuses: ["pending"] })),
      ...(await tx.dueRetries(toIso(now), 100_000)).map(asPromoted),
    ];
    const statuses = await dependencyStatuses(tx, open);
    const ready = open
      .filter((t) => unfinishedDependencies(t, statuses).length === 0)
      .filter((t) => agent === undefined || mayTake(t, agent, capabilities));
    return sortForClaim(ready, agent);
  }

  /** The task `claim` would give this agent now, without taking it. */
  async next(options: { agent: string; capabilities?: readonly string[]; minPriority?: Priority }): Promise<Task | null> {
    const agent = checkAgentId(options.agent);
    const minPriority = parseInput(z.optional(prioritySchema), options.minPriority, "minimum priority");
    const atLeast = (t: Task | null): boolean =>
      t !== null && (minPriority === undefined || PRIORITY_RANK[t.priority] <= PRIORITY_RANK[minPriority]);
    return this.store.read(async (tx) => {
      const now = await this.now(tx);
      const capabilities = await this.capabilitiesOf(tx, agent, options.capabilities);
      const due = (await tx.dueRetries(toIso(now), LAZY_RECOVERY_BATCH)).map(asPromoted);
      const dueHigh = due.filter(atLeast);
      const best = [await pickBest(tx, agent, capabilities, minPriority), await firstReady(tx, dueHigh, agent, capabilities)]
        .filter((t): t is Task => atLeast(t))
        .sort(compareForClaim(agent));
      return best[0] ?? null;
    });
  }

  async audit(query: AuditQuery = {}): Promise<BoardEvent[]> {
    const q = eventQueryOf(query);
    return this.store.read(async (tx) => {
      const events = await tx.listEvents(q);
      // No events for a task that does not exist is a typo, not an empty trail.
      if (events.length === 0 && q.taskId !== undefined && !(await tx.getTask(q.taskId))) throwNotFound(q.taskId);
      return events;
    });
  }

  /** The trail a page at a time, oldest first (export streams these; see board/audit-pages.ts). */
  auditPages(query: Omit<AuditQuery, "recent" | "limit"> = {}): AsyncGenerator<BoardEvent[]> {
    return eventPages(this.store, eventQueryOf(query));
  }

  /** Counts by type and by agent, time to claim and to complete (core/audit-stats.ts). */
  async auditStats(query: Omit<AuditQuery, "recent" | "limit"> = {}): Promise<AuditStats> {
    const fold = new AuditStatsFold();
    for await (const page of eventPages(this.store, eventQueryOf(query))) for (const event of page) fold.add(event);
    return fold.result();
  }

  /**
   * Rebuilds tasks from their events and compares them with the stored ones: `ids` only, or
   * every task. A named task that is neither stored nor in the trail is NOT_FOUND.
   */
  async replay(ids?: readonly string[]): Promise<ReplayReport> {
    return replayBoard(this.store, ids?.map(checkTaskId));
  }

  /** One page of the audit trail, oldest first; see board/paging.ts. */
  async auditPage(query: Omit<AuditQuery, "recent" | "afterSeq" | "limit"> & PageQuery = {}): Promise<Page<BoardEvent>> {
    const q = eventFilter(query);
    const limit = pageLimit(query.limit);
    if (query.cursor !== undefined) q.afterSeq = parseEventCursor(query.cursor);
    const rows = await this.store.read(async (tx) => {
      const events = await tx.listEvents({ ...q, limit: limit + 1 });
      // No events for a task that does not exist is a typo, not an empty trail.
      if (events.length === 0 && q.taskId !== undefined && !(await tx.getTask(q.taskId))) throwNotFound(q.taskId);
      return events;
    });
    return toPage(rows, limit, eventCursor);
  }

  async stats(): Promise<Record<TaskStatus, number>> {
    return this.store.read((tx) => tx.countByStatus());
  }

  async agents(): Promise<Agent[]> {
    return this.store.read((tx) => tx.listAgents());
  }

  // ── claiming and working ────────────────────────────────────────────────────────────────

  /**
   * Atomically picks and takes a task: by id when `ids` names one, else the best ready task
   * this agent may take. Throws NOTHING_READY when there is none.
   */
  async claim(options: ClaimOptions): Promise<Claim> {
    const parsed = parseInput(claimOptionsSchema, options, "claim");
    if (parsed.ids && parsed.ids.length > 1) {
      throw invalidInput("claim takes at most one id; use claimBatch for several (all or nothing)");
    }
    const claims = await this.claimInternal(parsed);
    if (claims) return claims[0] as Claim;
    throw await this.nothingReady(parsed.agent);
  }

  /** Claims every one of `ids` or none (seed 000's atomic_batch_assign). */
  async claimBatch(options: ClaimOptions & { ids: readonly string[] }): Promise<Claim[]> {
    const parsed = parseInput(claimOptionsSchema, options, "claim");
    if (!parsed.ids || parsed.ids.length === 0) throw invalidInput("a batch claim needs at least one id");
    return (await this.claimInternal(parsed)) as Claim[];
  }

  private async claimInternal(parsed: z.output<typeof claimOptionsSchema>): Promise<Claim[] | null> {
    if (parsed.ids && parsed.minPriority !== undefined) {
      throw invalidInput("a minimum priority chooses among ready tasks; it does not apply to a claim by id");
    }
    // timeoutSeconds bounds the whole time in progress, so the first lease too.
    const leaseSeconds = Math.min(parsed.leaseSeconds ?? this.policy.leaseSeconds, this.policy.timeoutSeconds ?? Infinity);
    return this.store.transaction(async (tx) => {
      const now = await this.now(tx);
      await recoverDue(tx, now, LAZY_RECOVERY_BATCH, this.policy);
      const capabilities = await this.touchAgent(tx, parsed.agent, parsed.capabilities, now);
      let chosen: Task[];
      if (parsed.ids) {
        const ids = [...new Set(parsed.ids)];
        const found = new Map((await tx.getTasks(ids)).map((t) => [t.id, t]));
        chosen = [];
        const refusals: BatonError[] = [];
        // A named task whose lease expired (or whose retry is due) may lie beyond the lazy
        // recovery batch above; recover it here, or it would be refused as still held.
        for (const id of ids) {
          const task = found.get(id);
          if (task) chosen.push(await recoverTask(tx, task, now, this.policy));
          else refusals.push(notFound(id));
        }
        const statuses = await dependencyStatuses(tx, chosen);
        for (const task of chosen) {
          const refusal = claimRefusal(task, parsed.agent, capabilities, statuses);
          if (refusal) refusals.push(refusal);
        }
        if (refusals.length > 0) throw batchRefusal(ids, refusals);
      } else {
        const best = await pickBest(tx, parsed.agent, capabilities, parsed.minPriority);
        if (!best) return null;
        chosen = [best];
      }
      const claims: Claim[] = [];
      for (const task of chosen) {
        // Every store checks its own counter; this is the last line: never a token that repeats.
        const leaseToken = checkStoredToken(await tx.nextLeaseToken(), "the store's lease-token counter");
        const claimed = await applyChange(
          tx,
          task,
          { kind: "claim", agentId: parsed.agent, leaseToken, leaseSeconds },
          parsed.agent,
          now,
        );
        claims.push({ task: claimed, leaseToken });
      }
      return claims;
    }, { claimFor: parsed.agent, ...(parsed.ids && { taskIds: parsed.ids }) });
  }

  /** Why nothing is ready for `agent` (NOTHING_READY, for a face whose `next` found none). */
  async nothingReady(agent: string): Promise<BatonError> {
    return nothingReady(this.store, agent);
  }

  async heartbeat(
    id: string,
    credential: CredentialInput & { leaseSeconds?: number; note?: string },
  ): Promise<Task> {
    const leaseSeconds = credential.leaseSeconds ?? this.policy.leaseSeconds;
    return this.fenced(id, credential, { kind: "heartbeat", leaseSeconds, note: credential.note }, true);
  }

  async complete(id: string, credential: CredentialInput & { result?: string }): Promise<Task> {
    return this.fenced(id, credential, { kind: "complete", result: credential.result ?? null });
  }

  async fail(id: string, credential: CredentialInput & { error: string }): Promise<Task> {
    const error = parseInput(
      z.string().check(z.trim(), z.minLength(1, "say what went wrong (--error TEXT)")),
      credential.error,
      "fail",
    );
    return this.fenced(id, credential, { kind: "fail", error, retryDelayMs: 0 });
  }

  async release(id: string, credential: CredentialInput & { reason?: string }): Promise<Task> {
    return this.fenced(id, credential, { kind: "release", reason: credential.reason, by: credential.agent });
  }

  private async fenced(
    id: string,
    credentialInput: CredentialInput,
    transition: Transition,
    touch = false,
  ): Promise<Task> {
    checkTaskId(id);
    const credential: Credential = parseInput(
      credentialSchema,
      definedFields({ token: credentialInput.token, agent: credentialInput.agent }),
      "credential",
    );
    return this.store.transaction(async (tx) => {
      const now = await this.now(tx);
      const task = await mustGet(tx, id);
      // A `done` repeated with the token that completed the task (a network retry) already
      // happened: answer the task as it is, changing nothing, rather than LEASE_LOST.
      if (isRepeatedCompletion(task, transition, credential)) return task;
      checkHolder(task, credential, now);
      const holder = task.assignedTo as string;
      if (touch) await this.touchAgent(tx, holder, undefined, now);
      const effective =
        transition.kind === "fail"
          ? { ...transition, retryDelayMs: retryDelayMs(this.policy, task.attempts + 1, this.random()) }
          : transition.kind === "heartbeat" && this.policy.timeoutSeconds !== undefined
            ? { ...transition, notAfterMs: await this.inProgressDeadline(tx, task, this.policy.timeoutSeconds) }
            : transition;
      const after = await applyChange(tx, task, effective, credential.agent ?? holder, now);
      return transition.kind === "fail" ? offerRetryElsewhere(tx, after, holder, now, this.policy) : after;
    }, { taskIds: [id], ...(touch && credential.agent !== undefined && { agentId: credential.agent }) });
  }

  /** When the task's current claim reaches timeoutSeconds: its CLAIMED event's time plus that. */
  private async inProgressDeadline(tx: StoreReader, task: Task, timeoutSeconds: number): Promise<number | undefined> {
    const [claimed] = await tx.listEvents({ taskId: task.id, types: ["CLAIMED"], recent: 1 });
    return claimed ? fromIso(claimed.at) + timeoutSeconds * 1000 : undefined;
  }

  // ── ids ─────────────────────────────────────────────────────────────────────────────────

  /** n fresh ids, atomically (seed 003): {"ids":["SEC-20","SEC-21"],"reservedAt":"…"}. */
  async reserve(prefix: string, n = 1, by: { agent?: string } = {}): Promise<Reservation> {
    checkPrefix(prefix, this.policy.allowedPrefixes);
    parseInput(positiveIntSchema("the number of ids to reserve", 10_000), n, "reserve");
    const agent = by.agent === undefined ? null : checkAgentId(by.agent);
    return this.store.transaction(async (tx) => {
      const now = await this.now(tx);
      const last = await tx.advanceCounter(prefix, n);
      const ids = Array.from({ length: n }, (_, i) => formatId(prefix, last - n + 1 + i));
      const reservedAt = toIso(now);
      await tx.appendEvent({
        at: reservedAt,
        type: "IDS_RESERVED",
        taskId: null,
        agentId: agent,
        from: null,
        to: null,
        details: `reserved ${ids.length === 1 ? ids[0] : `${ids[0]}…${ids[ids.length - 1]}`}`,
        data: { prefix, ids },
      });
      return { ids, reservedAt };
    });
  }

  /**
   * Raise counters above every PREFIX-N already on the board and, when given, in a TASKS.md,
   * so reserved ids never collide with existing ones. Returns the counters after.
   */
  async initCounters(options: { markdown?: string } = {}): Promise<Record<string, number>> {
    return this.store.transaction(async (tx) => {
      const ids = (await tx.listTasks({})).map((t) => t.id);
      if (options.markdown !== undefined) ids.push(...idsInMarkdown(options.markdown));
      const before = await tx.counters();
      // Only the prefixes the board allows get counters: no id of another may be minted.
      const allowed = this.policy.allowedPrefixes;
      for (const [prefix, n] of highestPerPrefix(ids)) {
        if (allowed === undefined || allowed.length === 0 || allowed.includes(prefix)) await tx.raiseCounter(prefix, n);
      }
      const after = await tx.counters();
      const raised = Object.fromEntries(Object.entries(after).filter(([prefix, n]) => before[prefix] !== n));
      if (Object.keys(raised).length > 0) {
        await tx.appendEvent({
          at: toIso(await this.now(tx)),
          type: "COUNTERS_RAISED",
          taskId: null,
          agentId: null,
          from: null,
          to: null,
          details: `counters raised past existing ids: ${Object.entries(raised).map(([p, n]) => `${p} → ${n}`).join(", ")}`,
          data: { before, after: raised },
        });
      }
      return after;
    });
  }

  // ── moving in and out (src/migrate) ────────────────────────────────────────────────────

  /**
   * Imports a seed's file (tasks-json, task-queue, tasks-md) in one transaction: ids kept,
   * counters raised past them, an existing id updated only where it differs. `dryRun`: the
   * same transaction, rolled back; the plan says what it would have done.
   */
  async importTasks(
    text: string,
    options: { format: string; dryRun?: boolean; agent?: string; queuePrefix?: string },
  ): Promise<ImportPlan> {
    const format = checkFormat(options.format);
    const rows = parseImport(format, text, options.queuePrefix);
    const agent = options.agent === undefined ? null : checkAgentId(options.agent);
    return importRows(this.store, rows, {
      format,
      dryRun: options.dryRun === true,
      agent,
      policy: this.policy,
      now: (tx) => this.now(tx),
    });
  }

  /** The board's tasks in a seed's format (tasks-json carries every field and the history). */
  async exportTasks(options: { format: string; queuePrefix?: string }): Promise<string> {
    const format = checkFormat(options.format);
    const queuePrefix = checkPrefix(options.queuePrefix ?? DEFAULT_QUEUE_PREFIX);
    const tasks = await this.store.read((tx) => tx.listTasks({}));
    const history = format === "tasks-json" ? await exportHistory(this.store) : undefined;
    return formatTasks(format, tasks, { queuePrefix, ...(history && { history }) });
  }

  /**
   * Seed 003's inbox: each submitted task's id must be reserved and unused; accepted ones are
   * added and leave the file in one step under its lock, rejected ones stay with their reason.
   */
  async processInbox(path: string, by: { agent?: string } = {}): Promise<InboxOutcome> {
    const agent = by.agent === undefined ? null : checkAgentId(by.agent);
    return processInboxFile(this.store, path, { agent, policy: this.policy, now: (tx) => this.now(tx) });
  }

  async counters(): Promise<Record<string, number>> {
    return this.store.read((tx) => tx.counters());
  }

  // ── recovery ────────────────────────────────────────────────────────────────────────────

  /**
   * Eager recovery (claims also do it lazily): expired leases count an attempt and go back to
   * pending (or dead), due retries become pending, and agents unseen for longer than the agent
   * timeout are declared dead with their leases recovered.
   */
  async heal(): Promise<HealReport> {
    return this.store.transaction(async (tx) => {
      const now = await this.now(tx);
      const report = await recoverDue(tx, now, 1_000_000, this.policy);
      await recoverDeadAgents(tx, now, now - this.policy.agentTimeoutSeconds * 1000, report, this.policy);
      return report;
    });
  }

  // ── agents ──────────────────────────────────────────────────────────────────────────────

  /** Records an agent's capabilities (used by claims that name none). */
  async registerAgent(agent: string, capabilities: readonly string[]): Promise<Agent> {
    const id = parseInput(agentIdSchema, agent, "agent");
    const caps = parseInput(z.array(capabilitySchema), [...capabilities], "capabilities");
    return this.store.transaction(async (tx) => {
      const now = await this.now(tx);
      await this.touchAgent(tx, id, caps, now);
      return (await tx.getAgent(id)) as Agent;
    });
  }

  private async touchAgent(
    tx: StoreWriter,
    agent: string,
    capabilities: readonly string[] | undefined,
    now: number,
  ): Promise<string[]> {
    const known = await tx.getAgent(agent);
    const caps = capabilities ? [...capabilities] : (known?.capabilities ?? []);
    if (known && !this.mustTouch(known, caps, now)) return caps;
    await tx.putAgent({ id: agent, capabilities: caps, lastSeenAt: toIso(now) });
    return caps;
  }

  /**
   * An agent seen within the last second (or 1 % of the agent timeout, if less) with the same
   * capabilities keeps its row: rewriting it on every claim and heartbeat cost a SQLite page
   * per operation, and liveness is judged in minutes.
   */
  private mustTouch(known: Agent, capabilities: readonly string[], now: number): boolean {
    const seen = fromIso(known.lastSeenAt);
    const interval = Math.min(1000, this.policy.agentTimeoutSeconds * 10);
    return (
      seen > now ||
      now - seen >= interval ||
      known.capabilities.length !== capabilities.length ||
      known.capabilities.some((c, i) => c !== capabilities[i])
    );
  }

  private async capabilitiesOf(
    tx: StoreReader,
    agent: string | undefined,
    given: readonly string[] | undefined,
  ): Promise<string[]> {
    if (given) return parseInput(z.array(capabilitySchema), [...given], "capabilities");
    if (agent === undefined) return [];
    return (await tx.getAgent(agent))?.capabilities ?? [];
  }

  /**
   * Every health check (board/health.ts): store, schema, integrity, locks, expired leases,
   * dead agents, poison pills, the oldest ready task. Changes nothing.
   */
  async health(options: { integrity?: boolean } = {}): Promise<HealthReport> {
    return checkHealth(this.store, this.policy, (tx) => this.now(tx), options);
  }

  /** The facts of a status report (board/report.ts); `since` limits the activity counted. */
  async report(options: { since?: string } = {}): Promise<BoardReport> {
    const since = options.since === undefined ? null : toIso(parseInput(isoDateSchema, options.since, "--since"));
    return this.store.read(async (tx) => readReport(tx, await this.now(tx), this.policy, since));
  }

  /** A consistent copy of the board in one file, verified (integrity + replay) once written. */
  async backup(file: string): Promise<CopyVerdict> {
    return backupBoard(this.store, file);
  }

  /** Replaces the board with a backup once the backup is verified; a live board needs `force`. */
  async restore(file: string, options: { force?: boolean } = {}): Promise<CopyVerdict> {
    return restoreBoard(this.store, file, options.force === true);
  }

  // ── coordination (board/coordination.ts, board/pipeline.ts) ─────────────────────────────

  /** Every known agent with its load and whether it is alive, silent or dead. */
  async workload(): Promise<AgentLoad[]> {
    return this.store.read(async (tx) => readLoads(tx, await this.now(tx), this.policy));
  }

  /** Every known agent's workload and record: held, reserved, completed, failed. */
  async activity(): Promise<AgentActivity[]> {
    return this.store.read(async (tx) => readActivity(tx, await this.now(tx), this.policy));
  }

  /** Registers an agent ahead of its first claim (seen now, with these capabilities). */
  async addAgent(agent: string, capabilities: readonly string[]): Promise<Agent> {
    const id = parseInput(agentIdSchema, agent, "agent");
    const caps = parseInput(z.array(capabilitySchema), [...capabilities], "capabilities");
    return this.store.transaction(async (tx) => {
      await addAgent(tx, id, [...new Set(caps)], await this.now(tx));
      return (await tx.getAgent(id)) as Agent;
    });
  }

  /** Forgets an agent that holds nothing, lifting its reservations. */
  async removeAgent(agent: string, by: { agent?: string } = {}): Promise<void> {
    const id = parseInput(agentIdSchema, agent, "agent");
    const actor = by.agent === undefined ? null : checkAgentId(by.agent);
    await this.store.transaction(async (tx) => removeAgent(tx, id, actor, await this.now(tx)));
  }

  /** Reserves a task for the least-loaded alive agent that has what it needs (ties: idle longest). */
  async assignAuto(id: string, by: EditBy = {}): Promise<Task> {
    checkTaskId(id);
    const actor = by.agent === undefined ? null : checkAgentId(by.agent);
    const expectedVersion = expectedVersionOf(by);
    return this.store.transaction(
      async (tx) => assignAuto(tx, id, actor, await this.now(tx), this.policy, expectedVersion),
      { taskIds: [id] },
    );
  }

  /** The reservations that would move from overloaded (or dead) agents to idle capable ones; moved with `apply`. */
  async balance(options: { apply?: boolean } = {}, by: { agent?: string } = {}): Promise<ReservationMove[]> {
    const actor = by.agent === undefined ? null : checkAgentId(by.agent);
    if (!options.apply) return this.store.read(async (tx) => balance(tx as StoreWriter, false, actor, await this.now(tx), this.policy));
    return this.store.transaction(async (tx) => balance(tx, true, actor, await this.now(tx), this.policy));
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

  /** A NOTE event on the task's audit trail, by any agent; the task itself is unchanged. */
  async note(id: string, text: string, by: { agent?: string } = {}): Promise<NewEvent> {
    checkTaskId(id);
    const details = parseInput(noteSchema, text, "note");
    const agent = by.agent === undefined ? null : checkAgentId(by.agent);
    return this.store.transaction(async (tx) => {
      const task = await mustGet(tx, id);
      const event: NewEvent = {
        at: toIso(await this.now(tx)),
        type: "NOTE",
        taskId: id,
        agentId: agent,
        from: task.status,
        to: task.status,
        details,
        // Empty: a task event's data is what changed, and a note changes nothing (replay).
        data: {},
      };
      await tx.appendEvent(event);
      return event;
    }, { taskIds: [id] });
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

function expectedVersionOf(by: EditBy): number | undefined {
  return by.expectedVersion === undefined
    ? undefined
    : parseInput(positiveIntSchema("the expected version"), by.expectedVersion, "expected version");
}

