/**
 * One transaction's view of a JSON board: the tasks, counters, agents and audit position read
 * under the lock, the StoreWriter the board works through, and what changed — which the store
 * then commits (commit.ts). Selections (claim candidates, expired leases, due retries) are
 * scans of the in-memory array: a 10,000-task board scans in well under a millisecond, far
 * below the cost of reading the file.
 */
import { tokenAfter } from "../../core/fencing.js";
import { countOutcomes } from "../../core/outcomes.js";
import { claimKeyOf, compareClaimKeys, compareForClaim, compareIds } from "../../core/selection.js";
import { TASK_STATUSES } from "../../core/task.js";
import { listTrail } from "../archived-events.js";
import { archiveToPending } from "./archive-manifest.js";
import { eventLine } from "./audit-file.js";
import { recordFromTask } from "./task-record.js";
import type { Agent, BoardEvent, NewEvent, Task, TaskStatus } from "../../core/task.js";
import type { EventArchive, EventQuery, StoreWriter, TaskQuery } from "../store.js";
import type { CountersFile, MetaFile } from "./sidecar-files.js";
import type { HistoryEntry } from "./task-record.js";
import type { TaskEntry } from "./tasks-file.js";
import type { CommitChanges } from "./commit.js";

export interface LoadedBoard {
  entries: readonly TaskEntry[];
  /** Task id → position in `entries` (not changed by the state: it copies before inserting). */
  index: ReadonlyMap<string, number>;
  /** The highest lease token on a task. */
  maxLeaseToken: number;
  meta: MetaFile;
  counters: CountersFile;
  /** Reads the audit trail (only when a transaction asks for events). */
  readEvents(): BoardEvent[];
  /** The archives `audit rotate` recorded (archive-manifest.ts). */
  readArchives(): EventArchive[];
}

export class BoardState {
  private readonly entries: TaskEntry[];
  private index: ReadonlyMap<string, number>;
  private indexIsOwn = false;
  private readonly changed = new Set<string>();
  private readonly history = new Map<string, HistoryEntry[]>();
  private readonly newEvents: BoardEvent[] = [];
  private readonly agents: Map<string, Agent>;
  private readonly counters: Record<string, number>;
  private countersChanged = false;
  private metaChanged = false;
  private leaseToken: number;
  private auditSeq: number;
  private pastEvents: BoardEvent[] | null = null;
  private rotation: EventArchive | null = null;
  private candidates: { agentId: string; version: number; tasks: Task[] } | null = null;
  private version = 0;
  readonly writer: StoreWriter;

  constructor(private readonly loaded: LoadedBoard) {
    this.entries = [...loaded.entries];
    this.index = loaded.index;
    this.agents = new Map(
      Object.entries(loaded.meta.agents).map(([id, a]) => [id, { id, capabilities: a.capabilities, lastSeenAt: a.last_seen_at }]),
    );
    this.counters = { ...loaded.counters.counters };
    // Tokens must rise above any on the board, even if the sidecar was lost or reset by hand.
    this.leaseToken = Math.max(loaded.maxLeaseToken, loaded.meta.lease_token);
    this.auditSeq = loaded.meta.audit_seq;
    this.writer = this.makeWriter();
  }

  get hasChanges(): boolean {
    return this.changed.size > 0 || this.newEvents.length > 0 || this.countersChanged || this.metaChanged || this.rotation !== null;
  }

  /** Appends an event that is not about a task (LOCK_BROKEN). */
  appendEvent(event: NewEvent): void {
    const stored: BoardEvent = { ...event, seq: ++this.auditSeq };
    this.newEvents.push(stored);
    if (event.taskId !== null && this.index.has(event.taskId)) {
      const entries = this.history.get(event.taskId) ?? [];
      entries.push({ timestamp: event.at, event: event.type, agent_id: event.agentId, details: event.details });
      this.history.set(event.taskId, entries);
    }
  }

  /** What to commit: `tasks` is what tasks.json will hold, or null when no task changed. */
  changes(): CommitChanges<readonly TaskEntry[]> {
    for (const id of this.changed) {
      const i = this.index.get(id) as number;
      const entry = this.entries[i] as TaskEntry;
      const record = recordFromTask(entry.task, entry.record, this.history.get(id) ?? []);
      this.entries[i] = { task: entry.task, record };
    }
    const meta: CommitChanges["meta"] = {
      lease_token: this.leaseToken,
      audit_seq: this.auditSeq,
      agents: Object.fromEntries(
        [...this.agents.values()].map((a) => [a.id, { capabilities: a.capabilities, last_seen_at: a.lastSeenAt }]),
      ),
    };
    return {
      tasks: this.changed.size > 0 ? this.entries : null,
      meta,
      auditLines: this.newEvents.map(eventLine).join(""),
      counters: this.countersChanged ? { counters: this.counters, ...this.loaded.counters.rest } : null,
      rotate: this.rotation && { ...archiveToPending(this.rotation) },
    };
  }

  private task(id: string): Task | undefined {
    const i = this.index.get(id);
    return i === undefined ? undefined : (this.entries[i] as TaskEntry).task;
  }

  private tasks(): Task[] {
    return this.entries.map((e) => e.task);
  }

  private put(task: Task): void {
    const i = this.index.get(task.id);
    if (i === undefined) {
      // The index is shared with the codec's cached version: copy it before the first insert.
      const own = this.indexIsOwn ? (this.index as Map<string, number>) : new Map(this.index);
      this.indexIsOwn = true;
      own.set(task.id, this.entries.length);
      this.index = own;
      this.entries.push({ task, record: {} });
    } else {
      const entry = this.entries[i] as TaskEntry;
      this.entries[i] = { ...entry, task };
    }
    this.changed.add(task.id);
    this.version++;
  }

  private events(): BoardEvent[] {
    this.pastEvents ??= this.loaded.readEvents();
    return [...this.pastEvents, ...this.newEvents];
  }

  private makeWriter(): StoreWriter {
    return {
      getTask: async (id) => copy(this.task(id)),
      getTasks: async (ids) => ids.map((id) => this.task(id)).filter((t): t is Task => t !== undefined).map(copyTask),
      listTasks: async (query) => listTasks(this.tasks(), query).map(copyTask),
      countTasks: async (query) => listTasks(this.tasks(), { ...query, limit: undefined }).length,
      countByStatus: async () => {
        const counts = Object.fromEntries(TASK_STATUSES.map((s) => [s, 0])) as Record<TaskStatus, number>;
        for (const e of this.entries) counts[e.task.status]++;
        return counts;
      },
      claimCandidates: async (agentId, limit, offset) => {
        const cached = this.candidates;
        if (cached?.agentId !== agentId || cached.version !== this.version || cached.tasks.length < offset + limit) {
          const open = this.tasks().filter(
            (t) => t.status === "pending" && (t.assignedTo === null || t.assignedTo === agentId),
          );
          this.candidates = { agentId, version: this.version, tasks: best(open, compareForClaim(agentId), 4 * (offset + limit)) };
        }
        return (this.candidates as { tasks: Task[] }).tasks.slice(offset, offset + limit).map(copyTask);
      },
      pendingInClaimOrder: async ({ agentId, after, limit }) => {
        // A scan and a partial sort of the in-memory array, as for claimCandidates above.
        const key = (t: Task) => claimKeyOf(t, agentId);
        const walked = this.tasks().filter(
          (t) =>
            t.status === "pending" &&
            (agentId === undefined || t.assignedTo === null || t.assignedTo === agentId) &&
            (after === undefined || compareClaimKeys(key(t), after) > 0),
        );
        return best(walked, (a, b) => compareClaimKeys(key(a), key(b)), limit).map(copyTask);
      },
      expiredLeases: async (nowIso, limit) =>
        this.tasks()
          .filter((t) => t.status === "in_progress" && t.leaseExpiresAt !== null && t.leaseExpiresAt <= nowIso)
          .sort((a, b) => byString(a.leaseExpiresAt, b.leaseExpiresAt))
          .slice(0, limit)
          .map(copyTask),
      dueRetries: async (nowIso, limit) =>
        this.tasks()
          .filter((t) => t.status === "failed" && t.nextAttemptAt !== null && t.nextAttemptAt <= nowIso)
          .sort((a, b) => byString(a.nextAttemptAt, b.nextAttemptAt))
          .slice(0, limit)
          .map(copyTask),
      listEvents: async (query) => listTrail(query, this.loaded.readArchives(), async (q) => listEvents(this.events(), q)),
      listArchives: async () => this.loaded.readArchives(),
      rotateEvents: async (archive) => {
        if (this.rotation !== null) throw new Error("one rotation per transaction");
        this.rotation = archive;
        return this.events().filter((e) => e.seq >= archive.fromSeq && e.seq <= archive.toSeq).length;
      },
      countOutcomes: async (since, bucketMs) => countOutcomes(this.events(), since, bucketMs),
      getAgent: async (id) => {
        const agent = this.agents.get(id);
        return agent && { ...agent, capabilities: [...agent.capabilities] };
      },
      listAgents: async () =>
        [...this.agents.values()].sort((a, b) => byString(a.id, b.id)).map((a) => ({ ...a, capabilities: [...a.capabilities] })),
      counters: async () => Object.fromEntries(Object.entries(this.counters).sort(([a], [b]) => byString(a, b))),
      insertTask: async (task) => {
        if (this.index.has(task.id)) throw new Error(`insert of ${task.id}: it exists already`);
        this.put(copyTask(task));
      },
      updateTask: async (after) => {
        if (!this.index.has(after.id)) throw new Error(`update of ${after.id}: no such task`);
        this.put(copyTask(after));
      },
      appendEvent: async (event) => this.appendEvent(event),
      advanceCounter: async (prefix, n) => {
        this.counters[prefix] = (this.counters[prefix] ?? 0) + n;
        this.countersChanged = true;
        return this.counters[prefix];
      },
      raiseCounter: async (prefix, atLeast) => {
        if ((this.counters[prefix] ?? 0) >= atLeast) return;
        this.counters[prefix] = atLeast;
        this.countersChanged = true;
      },
      nextLeaseToken: async () => {
        this.metaChanged = true;
        this.leaseToken = tokenAfter(this.leaseToken, "the board's highest lease token (tasks.json, or lease_token in its sidecar)");
        return this.leaseToken;
      },
      putAgent: async (agent) => {
        this.agents.set(agent.id, { ...agent, capabilities: [...agent.capabilities] });
        this.metaChanged = true;
      },
      deleteAgent: async (id) => {
        if (this.agents.delete(id)) this.metaChanged = true;
      },
    };
  }
}

/**
 * The `k` smallest tasks in order, without sorting them all: a claim needs the first 16 of
 * maybe thousands, and a full sort of 1,000 pending tasks cost ~1 ms per claim (measured).
 * When fewer than k are open this is the whole list, sorted.
 */
function best(tasks: readonly Task[], compare: (a: Task, b: Task) => number, k: number): Task[] {
  if (tasks.length <= k) return [...tasks].sort(compare);
  const top: Task[] = [];
  for (const task of tasks) {
    if (top.length === k && compare(task, top[k - 1] as Task) >= 0) continue;
    let lo = 0;
    let hi = top.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (compare(top[mid] as Task, task) <= 0) lo = mid + 1;
      else hi = mid;
    }
    top.splice(lo, 0, task);
    if (top.length > k) top.pop();
  }
  return top;
}

function listTasks(tasks: readonly Task[], query: TaskQuery): Task[] {
  const needle = query.text?.toLowerCase();
  const after = query.after;
  const found = tasks
    .filter((t) => !query.statuses || query.statuses.length === 0 || query.statuses.includes(t.status))
    .filter((t) => query.assignedTo === undefined || t.assignedTo === query.assignedTo)
    .filter((t) => query.priority === undefined || t.priority === query.priority)
    .filter((t) => query.dependsOn === undefined || t.dependsOn.includes(query.dependsOn))
    .filter(
      (t) =>
        needle === undefined ||
        t.id.toLowerCase().includes(needle) ||
        t.title.toLowerCase().includes(needle) ||
        t.description.toLowerCase().includes(needle),
    )
    .filter((t) => after === undefined || byString(t.createdAt, after.createdAt) > 0 || (t.createdAt === after.createdAt && compareIds(t.id, after.id) > 0))
    .sort((a, b) => byString(a.createdAt, b.createdAt) || compareIds(a.id, b.id));
  return query.limit === undefined ? found : found.slice(0, query.limit);
}

function listEvents(events: readonly BoardEvent[], query: EventQuery): BoardEvent[] {
  const found = events.filter(
    (e) =>
      (query.taskId === undefined || e.taskId === query.taskId) &&
      (query.agentId === undefined || e.agentId === query.agentId) &&
      (query.types === undefined || query.types.includes(e.type)) &&
      (query.since === undefined || e.at >= query.since) &&
      (query.until === undefined || e.at < query.until) &&
      (query.afterSeq === undefined || e.seq > query.afterSeq) &&
      (query.beforeSeq === undefined || e.seq < query.beforeSeq),
  );
  if (query.recent !== undefined) return found.slice(Math.max(0, found.length - query.recent));
  return query.limit === undefined ? found : found.slice(0, query.limit);
}

function byString(a: string | null, b: string | null): number {
  return a === b ? 0 : (a ?? "") < (b ?? "") ? -1 : 1;
}

/** Tasks leave the state as copies, so a caller mutating one cannot change the board. */
function copyTask(task: Task): Task {
  return {
    ...task,
    needs: [...task.needs],
    dependsOn: [...task.dependsOn],
    metadata: structuredClone(task.metadata),
  };
}

function copy(task: Task | undefined): Task | undefined {
  return task && copyTask(task);
}
