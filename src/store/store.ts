/**
 * The Store interface: what the board needs from a place that keeps tasks, events, counters
 * and agents. A store knows nothing of the domain rules; `board.ts` applies them inside one
 * store transaction per operation. SQLite, JSON and PostgreSQL stores implement this and pass
 * the same conformance suite (test/conformance).
 */
import type { Agent, BoardEvent, EventType, NewEvent, Priority, Task, TaskStatus } from "../core/task.js";
import type { ClaimKey } from "../core/selection.js";
import type { OutcomeBucket } from "../core/outcomes.js";
import type { NewDelivery, NewWebhook, Webhook, WebhookDelivery } from "../core/webhooks.js";

export type { ClaimKey, OutcomeBucket };

export interface TaskQuery {
  statuses?: readonly TaskStatus[];
  /** Holder (in progress) or reservation (pending). */
  assignedTo?: string;
  /** Case-insensitive substring of id, title or description. */
  text?: string;
  /** Only tasks of this priority. */
  priority?: Priority;
  /** Only tasks that depend on this task id (its downstream, one level). */
  dependsOn?: string;
  /**
   * Only tasks after this one in list order (created_at, then natural id order): keyset
   * paging, so a page never repeats or skips a task when others are inserted meanwhile
   * (src/board/paging.ts). The task itself need not exist any more.
   */
  after?: TaskKey;
  limit?: number;
}

/** Where Store.pendingInClaimOrder starts and for whom. */
export interface ClaimWalk {
  agentId?: string;
  after?: ClaimKey;
  limit: number;
}

/** A task's place in list order: created_at, then the id's natural order (idOrderKey). */
export interface TaskKey {
  createdAt: string;
  id: string;
}

export interface EventQuery {
  taskId?: string;
  agentId?: string;
  /** Events of any of these types (an empty list matches none). */
  types?: readonly EventType[];
  /** Only events at or after this ISO time. */
  since?: string;
  /** Only events before this ISO time. */
  until?: string;
  /** Only events with seq greater than this. */
  afterSeq?: number;
  /** Only events with seq less than this (with `recent`: the newest N before it, paging back). */
  beforeSeq?: number;
  /** The newest N (still returned oldest first). */
  recent?: number;
  limit?: number;
}

/** Reads available in every transaction. */
export interface StoreReader {
  /**
   * The store's own clock as seen inside this transaction (PostgreSQL: the database's time),
   * when leases must be judged on it rather than on this process's clock.
   */
  now?(): Promise<number>;
  getTask(id: string): Promise<Task | undefined>;
  /** The tasks that exist among `ids`, in no particular order. */
  getTasks(ids: readonly string[]): Promise<Task[]>;
  /** Ordered by creation (oldest first), then the id's natural order (core/selection.ts idOrderKey). */
  listTasks(query: TaskQuery): Promise<Task[]>;
  /** How many tasks `listTasks` would return without its limit (after the key, if given). */
  countTasks(query: TaskQuery): Promise<number>;
  countByStatus(): Promise<Record<TaskStatus, number>>;
  /**
   * Pending tasks `agentId` may be offered, best first: those reserved for it, then unreserved
   * ones by priority rank, then oldest, then id. Dependencies and capabilities are checked by
   * the board. Must be an index walk, not a scan: this runs on every claim.
   */
  claimCandidates(agentId: string, limit: number, offset: number): Promise<Task[]>;
  /**
   * The ready list's walk (src/board/ready-walk.ts): pending tasks in claim order (core/
   * selection.ts compareClaimKeys with `claimKeyOf(task, agentId)`), strictly after `after`
   * when given, at most `limit`. For an agent, the tasks claimCandidates offers: those reserved
   * for it (key reserved 0), then unreserved ones (1), never those reserved for another. For
   * no agent, every pending task, reserved or not (all keyed reserved 1), by priority rank,
   * created, id. Dependencies and capabilities are checked by the board. A page costs about
   * `limit` rows, not the board: an ordered index walk from `after`.
   */
  pendingInClaimOrder(walk: ClaimWalk): Promise<Task[]>;
  /** In-progress tasks whose lease expired at or before `nowIso`. */
  expiredLeases(nowIso: string, limit: number): Promise<Task[]>;
  /** Failed tasks whose retry is due at or before `nowIso`. */
  dueRetries(nowIso: string, limit: number): Promise<Task[]>;
  /** Oldest first. */
  listEvents(query: EventQuery): Promise<BoardEvent[]>;
  /**
   * The COMPLETED and FAILED events at or after `since`, counted per bucket of `bucketMs`
   * (bucket n holds since + n·bucketMs ≤ at < since + (n+1)·bucketMs), buckets with none left
   * out, in bucket order. Exact and uncapped: one aggregate query over an index of those two
   * types by time, not a walk of the trail (the dashboard's throughput chart).
   */
  countOutcomes(since: string, bucketMs: number): Promise<OutcomeBucket[]>;
  getAgent(id: string): Promise<Agent | undefined>;
  listAgents(): Promise<Agent[]>;
  counters(): Promise<Record<string, number>>;
  /**
   * The archives `rotateEvents` recorded, oldest first; they cover seqs 1…(the last's toSeq)
   * without a gap. `listEvents` already reads them (src/store/archived-events.ts).
   */
  listArchives(): Promise<EventArchive[]>;
}

/**
 * An archive file of audit events (`baton audit rotate`, src/board/audit-rotate.ts): the
 * events fromSeq…toSeq, one wire-shaped event a line, as `audit export --format jsonl` writes.
 */
export interface EventArchive {
  /** Absolute path. */
  file: string;
  fromSeq: number;
  toSeq: number;
  /** Events in the file (seqs may have gaps: a JSON board's dropped commits). */
  count: number;
  /** The oldest and newest `at` among them, so a time-bounded query skips the file. */
  firstAt: string;
  lastAt: string;
  /** Of the file's bytes, lowercase hex. */
  sha256: string;
  bytes: number;
  rotatedAt: string;
}

/** Writes, only inside `Store.transaction`. */
export interface StoreWriter extends StoreReader {
  insertTask(task: Task): Promise<void>;
  /** `before` is the version the change was computed from (a store may check it). */
  updateTask(after: Task, before: Task): Promise<void>;
  /** Appends the event; the store gives it its seq. */
  appendEvent(event: NewEvent): Promise<void>;
  /** Adds `n` to the prefix's counter and returns the new value (the last id handed out). */
  advanceCounter(prefix: string, n: number): Promise<number>;
  /** Raises the counter to at least `atLeast` (never lowers it). */
  raiseCounter(prefix: string, atLeast: number): Promise<void>;
  /** The next fencing token: strictly greater than every token handed out before. */
  nextLeaseToken(): Promise<number>;
  putAgent(agent: Agent): Promise<void>;
  /** Forgets an agent (`baton agent remove`); the tasks it held or was reserved are untouched. */
  deleteAgent(id: string): Promise<void>;
  /**
   * Records `archive` and deletes the events it holds (seqs fromSeq…toSeq) from the trail —
   * the only delete the trail allows, and only of seqs a recorded archive covers. Returns how
   * many events it deleted; the board refuses (and nothing is kept) unless that is
   * `archive.count`. Seqs are never reused: the board appends its ROTATED event first.
   */
  rotateEvents(archive: EventArchive): Promise<number>;
}

export interface Store {
  readonly kind: "sqlite" | "json" | "postgres";
  /** Where the board lives, for messages (a path or a URL without its password). */
  readonly location: string;
  /**
   * Runs `fn` as if it were alone on the board (serializable), then commits; if `fn` throws,
   * nothing it wrote is kept. The store may run `fn` more than once after a conflict, so `fn`
   * must act on the board only through `tx`.
   */
  transaction<T>(fn: (tx: StoreWriter) => Promise<T>, intent?: TransactionIntent): Promise<T>;
  /**
   * Optional (group commit, src/store/group-commit.ts): runs several transactions' bodies, in
   * order, inside one store transaction, each in its own savepoint — one that throws has only
   * its own writes undone, and its outcome is its own. Resolves with each body's outcome once
   * all are committed; rejects as a whole (nothing kept) if the commit itself fails.
   */
  transactionBatch?<T>(fns: readonly ((tx: StoreWriter) => Promise<T>)[]): Promise<PromiseSettledResult<T>[]>;
  /** A consistent snapshot for reading. */
  read<T>(fn: (tx: StoreReader) => Promise<T>): Promise<T>;
  /** The store's own clock, when leases must be judged on it (PostgreSQL's now()). */
  now?(): Promise<number>;
  /**
   * The store's own health checks (schema version, integrity, stale locks, file sizes), for
   * `baton health` and the monitor. Never modifies anything. `integrity: false` skips the
   * checks that read the whole store (SQLite's quick_check).
   */
  inspect?(options?: { integrity?: boolean }): Promise<StoreCheck[]>;
  /**
   * A read that changes nothing anywhere, not even a lock file: the JSON store reads its last
   * whole files without taking (or breaking) tasks.lock. Health reads through this when given.
   */
  peek?<T>(fn: (tx: StoreReader) => Promise<T>): Promise<T>;
  /** A consistent copy of the whole board in one file, taken while others keep writing. */
  backup?(file: string): Promise<void>;
  /** Replaces this board with a copy made by `backup` (the caller has verified it). */
  restore?(file: string): Promise<void>;
  /** Push new events as they commit (PostgreSQL LISTEN/NOTIFY); others are polled. */
  subscribe?(onEvent: () => void): Promise<() => Promise<void>>;
  /** The board's webhooks, their cursors and delivery log (SPEC §10). */
  readonly webhooks: WebhookStore;
  close(): Promise<void>;
}

export interface DeliveryQuery {
  hookId?: number;
  /** The newest N (still returned oldest first). Default: all the log keeps. */
  limit?: number;
}

/**
 * Where webhooks live. Each method is one atomic step of its own, never part of a board
 * transaction: a deliverer writes here between HTTP requests, and a board operation never
 * waits for a receiver. The rules (leases, backoff, the cursor) are in core/webhooks.ts; a
 * store only keeps rows and compares versions.
 */
export interface WebhookStore {
  /** Creates the hook with the next id (never one used before on this board), at version 1, without a lease. */
  addWebhook(hook: NewWebhook): Promise<Webhook>;
  getWebhook(id: number): Promise<Webhook | undefined>;
  /** By id. */
  listWebhooks(): Promise<Webhook[]>;
  /** Deletes the hook and its delivery log; false when there was no such hook. */
  removeWebhook(id: number): Promise<boolean>;
  /**
   * Replaces the hook by `next` (whose version is `expectedVersion + 1`) if the stored hook is
   * still at `expectedVersion`, and appends `delivery` to the log in the same atomic step.
   * False, writing nothing, when the hook changed meanwhile or is gone.
   */
  updateWebhook(next: Webhook, expectedVersion: number, delivery?: NewDelivery): Promise<boolean>;
  /** Appends to the log (a redelivery by hand, which moves no cursor); false when the hook is gone. */
  appendDelivery(delivery: NewDelivery): Promise<boolean>;
  /**
   * The log, oldest first (by id). A store keeps the newest DELIVERY_LOG_KEEP entries of each
   * hook and may drop older ones.
   */
  listDeliveries(query: DeliveryQuery): Promise<WebhookDelivery[]>;
}

/**
 * How many expired leases and how many due retries a claim recovers on its way (heal does the
 * rest). Shared by the board, which reads that many, and the PostgreSQL store, which fetches
 * that many with BEGIN (a different limit would just miss its prefetch).
 */
export const CLAIM_RECOVERY_BATCH = 32;

/**
 * What a transaction will read first, known before it begins. A store whose every statement
 * costs a network round trip (PostgreSQL) may fetch these together with BEGIN; the answers
 * must be exactly what the same reads would return inside the transaction. Others ignore it.
 * The board keeps to the orders written here; test/board/claim-intent.test.ts fails if it
 * drifts from them.
 */
export interface TransactionIntent {
  /** Tasks read by id (fenced operations, edits, claims by id), read with getTasks/getTask. */
  taskIds?: readonly string[];
  /**
   * The agent a claim is for. Its first reads are, in CLAIM_FIRST_READS order: the store's
   * clock (when the board runs on it), expiredLeases and dueRetries (each with the limit
   * CLAIM_RECOVERY_BATCH), getAgent(claimFor), then either getTasks(taskIds) (a claim by id)
   * or claimCandidates(claimFor, 1, 0) (the best task). A claim that finds nothing ready
   * returns null, having written nothing but recovery and the agent's row. Writes (a new
   * agent's row) may come between these reads; the reads keep this order.
   */
  claimFor?: string;
  /** An agent whose row the transaction reads (a heartbeat records its holder as seen). */
  agentId?: string;
}

/** One named health check a store ran; a failed one says how to fix it. */
export interface StoreCheck {
  name: string;
  ok: boolean;
  detail: string;
  fix?: string;
}
/** A claim's first reads (see TransactionIntent.claimFor), `now` only on a store with a clock. */
export const CLAIM_FIRST_READS = {
  best: ["now", "expiredLeases", "dueRetries", "getAgent", "claimCandidates"],
  byId: ["now", "expiredLeases", "dueRetries", "getAgent", "getTasks"],
} as const;

export type Durability = "normal" | "full";

/**
 * How a process waits for the write lock (SQLite; the other stores ignore it). "async" keeps
 * the event loop turning while it waits, so timers fire, servers answer and MCP sessions
 * heartbeat: the default, for every process, the one-shot CLI included. "blocking" blocks the
 * thread in the kernel until the lock may be free (the wait of earlier versions). Measured in
 * one run of `npm run bench -- sqlite` (2 shared, heavily loaded cores), async ÷ blocking
 * cycles/s at 1 / 4 / 16 processes: 0.28 / 0.61 / 3.57 (normal), 1.09 / 0.59 / 1.28 (full):
 * not reliably faster either way, so the CLI does not keep a mode of its own; a process
 * waiting 2 s on a locked board saw its timers late by 41 ms at p99 (async) vs 2,013 ms.
 */
export type LockWait = "async" | "blocking";

export interface StoreOptions {
  durability?: Durability;
  /** Milliseconds to wait for a busy store / lock before LOCK_TIMEOUT. */
  lockTimeoutMs?: number;
  /** Default "async"; see LockWait. */
  lockWait?: LockWait;
  /**
   * SQLite: how a process hands the write lock on to processes waiting for it. "turns" (the
   * default) keeps it for a short turn, then queues behind the waiters: fair, and faster from
   * 4 processes up; "ring" wakes the oldest waiter after every write and may take the lock
   * straight back. See src/store/sqlite/turn.ts; the bench compares both in one run.
   */
  lockHandOver?: "turns" | "ring";
  /** Create the board if it does not exist (`baton init`, library default). */
  create?: boolean;
  /**
   * The board's lease length (its policy's leaseSeconds). The JSON store gives this lease to a
   * task a hand-following agent set in progress (docs/json-store.md); other stores ignore it.
   */
  leaseSeconds?: number;
}
