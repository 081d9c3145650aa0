/**
 * Group commit: a Store wrapper for one long-running process in front of a board (`baton
 * serve`). Transactions that arrive while one is being committed wait, and then go together
 * through the store's `transactionBatch` — one store transaction, each operation still its
 * own savepoint, its own audit events, its own outcome and its own fencing check. A board
 * behind the server so takes many agents' writes with one lock hand-over and one commit per
 * batch instead of one per write.
 *
 * A write waits for the rest of the current event-loop turn (setImmediate), never for a
 * timer: the requests whose bytes arrived together are each handled in their own I/O
 * callback of one turn, and a SQLite commit is synchronous, so a write that went at once was
 * committed before the next socket was even read — at 64 HTTP clients every batch held one
 * write (mean 1.0). Deferred to the end of the turn, the batch is every write that arrived in
 * it, plus what queued up during the previous commit (a store whose commit is asynchronous).
 *
 * Correctness stays the store's: the operations of a batch run one after another, in arrival
 * order, each seeing the writes of those before it, as they would have unbatched. A store
 * without `transactionBatch` is passed through untouched.
 */
import type { Store, StoreReader, StoreWriter, TransactionIntent } from "./store.js";

/** How many store transactions carried how many writes (GET /api/health, the bench). */
export interface GroupCommitCounts {
  batches: number;
  operations: number;
  /** The most operations one transaction carried. */
  largest: number;
}

/** Two writers' counts as one (serve's main thread and its writer thread). */
export function addedCounts(a: GroupCommitCounts, b: GroupCommitCounts): GroupCommitCounts {
  return { batches: a.batches + b.batches, operations: a.operations + b.operations, largest: Math.max(a.largest, b.largest) };
}

interface Queued {
  fn: (tx: StoreWriter) => Promise<unknown>;
  resolve: (value: unknown) => void;
  reject: (reason: unknown) => void;
}

export class GroupCommitStore implements Store {
  /** Batches committed, and operations in them (for the bench and tests). */
  readonly counts: GroupCommitCounts = { batches: 0, operations: 0, largest: 0 };
  private readonly queued: Queued[] = [];
  private committing: Promise<void> | null = null;
  /** A commit is due at the end of this event-loop turn. */
  private scheduled = false;

  /** The inner store's clock and push channel, when it has them (optional capabilities stay optional). */
  readonly now?: () => Promise<number>;
  readonly subscribe?: (onEvent: () => void) => Promise<() => Promise<void>>;
  /** The inner store's health checks, side-effect-free read and copy (`baton health`, backups). */
  readonly inspect?: Store["inspect"];
  readonly peek?: Store["peek"];
  readonly backup?: Store["backup"];
  readonly restore?: Store["restore"];

  constructor(
    private readonly inner: Store,
    /** At most this many operations per store transaction, so one batch never holds the lock long. */
    private readonly maxBatch = 64,
  ) {
    if (inner.now) this.now = () => (inner.now as () => Promise<number>).call(inner);
    if (inner.subscribe) this.subscribe = (onEvent) => (inner.subscribe as NonNullable<Store["subscribe"]>).call(inner, onEvent);
    if (inner.inspect) this.inspect = inner.inspect.bind(inner);
    if (inner.peek) this.peek = inner.peek.bind(inner);
    if (inner.backup) this.backup = inner.backup.bind(inner);
    if (inner.restore) this.restore = inner.restore.bind(inner);
  }

  get kind(): Store["kind"] {
    return this.inner.kind;
  }

  get location(): string {
    return this.inner.location;
  }

  /** Webhook state is not a board transaction: straight to the store. */
  get webhooks(): Store["webhooks"] {
    return this.inner.webhooks;
  }

  transaction<T>(fn: (tx: StoreWriter) => Promise<T>, intent?: TransactionIntent): Promise<T> {
    if (!this.inner.transactionBatch) return this.inner.transaction(fn, intent);
    return new Promise<T>((resolve, reject) => {
      this.queued.push({ fn, resolve: resolve as (value: unknown) => void, reject });
      this.scheduleCommit();
    });
  }

  private scheduleCommit(): void {
    if (this.scheduled || this.committing) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.commitQueued();
    });
  }

  private commitQueued(): void {
    if (this.committing || this.queued.length === 0) return;
    const batch = this.queued.splice(0, this.maxBatch);
    this.counts.batches++;
    this.counts.operations += batch.length;
    this.counts.largest = Math.max(this.counts.largest, batch.length);
    const run = (this.inner.transactionBatch as NonNullable<Store["transactionBatch"]>)(batch.map((q) => q.fn));
    this.committing = run.then(
      (outcomes) => {
        outcomes.forEach((outcome, i) => {
          const queued = batch[i] as Queued;
          if (outcome.status === "fulfilled") queued.resolve(outcome.value);
          else queued.reject(outcome.reason);
        });
      },
      (error: unknown) => {
        for (const queued of batch) queued.reject(error);
      },
    );
    void this.committing.finally(() => {
      this.committing = null;
      // What queued during this commit goes next, with what arrives in the same turn.
      if (this.queued.length > 0) this.scheduleCommit();
    });
  }

  transactionBatch<T>(fns: readonly ((tx: StoreWriter) => Promise<T>)[]): Promise<PromiseSettledResult<T>[]> {
    return Promise.allSettled(fns.map((fn) => this.transaction(fn)));
  }

  read<T>(fn: (tx: StoreReader) => Promise<T>): Promise<T> {
    return this.inner.read(fn);
  }

  async close(): Promise<void> {
    while (this.committing || this.queued.length > 0) await (this.committing ?? new Promise((resolve) => setImmediate(resolve)));
    await this.inner.close();
  }
}
