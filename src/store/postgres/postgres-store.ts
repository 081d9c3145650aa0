/**
 * The PostgreSQL store: one board shared by agents on many machines. A pg Pool per process;
 * each board operation is one READ COMMITTED transaction whose reads lock the rows they will
 * change (see locking-reads.ts); leases and timestamps are judged on the database's clock (`now`);
 * events are pushed with LISTEN/NOTIFY (`subscribe`). Lost connections are retried while that
 * is safe (before COMMIT was sent), then reported as STORE_UNAVAILABLE. An operation on tasks
 * this process wrote last is tried in one round trip first (see speculation.ts). The pool, its
 * spare client and the retrying of lost connections are in connections.ts.
 */
import { BatonError, ErrorCode } from "../../core/errors.js";
import { BoardTx } from "./board-tx.js";
import { Connections, ignore, reconnectDelay, sleep } from "./connections.js";
import { EventListener } from "./event-listener.js";
import { describeUrl, hostAndPort, isConnectionFailure, isSerializationConflict, isUniqueRace } from "./failures.js";
import { CLOCK_MS } from "./claim-sql.js";
import { inspectPostgres } from "./inspection.js";
import { migrate } from "./schema.js";
import { PostgresWebhooks } from "./webhooks.js";
import { ClockEstimate, RecentRows, SpeculationMiss, speculationFor } from "./speculation.js";
import type { KnownAgent, KnownRow, Speculation } from "./speculation.js";
import type pg from "pg";
import type { Store, StoreCheck, StoreOptions, StoreReader, StoreWriter, TransactionIntent, WebhookStore } from "../store.js";

/** How long an operation keeps retrying while the server is unreachable (e.g. restarting). */
const RECONNECT_WINDOW_MS = 20_000;
/** At open, fail sooner: a server that is simply not there should be reported quickly. */
const OPEN_WINDOW_MS = 3_000;
/** Re-runs after unique-key races before giving up (each re-run sees the winner's row). */
const MAX_UNIQUE_RACES = 5;

export async function openPostgresStore(url: string, options: StoreOptions = {}): Promise<Store> {
  const store = new PostgresStore(url, options);
  try {
    await store.open(options.create ?? true);
  } catch (error) {
    await store.close();
    throw error;
  }
  return store;
}

export class PostgresStore implements Store {
  readonly kind = "postgres" as const;
  readonly location: string;
  private readonly hostPort: string;
  private readonly connections: Connections;
  private readonly lockTimeoutMs: number;
  private readonly listeners = new Set<EventListener>();
  /** What this process's transactions wrote last, and the database clock: see speculation.ts. */
  private readonly recent = new RecentRows<KnownRow>();
  private readonly recentAgents = new RecentRows<KnownAgent>();
  private readonly clock = new ClockEstimate();
  readonly webhooks: WebhookStore = new PostgresWebhooks((what, job) =>
    this.connections.withConnection(RECONNECT_WINDOW_MS, `${what} (after retrying for ${RECONNECT_WINDOW_MS / 1000} s)`, job),
  );

  constructor(
    private readonly url: string,
    options: StoreOptions = {},
  ) {
    this.location = describeUrl(url);
    this.hostPort = hostAndPort(url);
    this.lockTimeoutMs = options.lockTimeoutMs ?? 30_000;
    this.connections = new Connections(url, this.location, this.hostPort, this.lockTimeoutMs);
  }

  async open(create: boolean): Promise<void> {
    const outcome = await this.connections.withConnection(OPEN_WINDOW_MS, "while opening the board", async (client) => {
      try {
        return await migrate(client, create);
      } catch (error) {
        if (isConnectionFailure(error) || isSerializationConflict(error) || error instanceof BatonError) throw error;
        if (error instanceof Error && /newer than this baton/.test(error.message)) {
          throw new BatonError(
            ErrorCode.CORRUPT_STORE,
            `the board ${this.location} was created by a newer baton (${error.message}); upgrade baton`,
            { location: this.location },
          );
        }
        throw error;
      }
    });
    if (outcome === "missing") {
      throw new BatonError(
        ErrorCode.NOT_FOUND,
        `no board in the database ${this.location}; run \`baton init --store ${this.location}\` to create one`,
        { location: this.location },
      );
    }
  }

  async transaction<T>(fn: (tx: StoreWriter) => Promise<T>, intent?: TransactionIntent): Promise<T> {
    // A claim reads candidates: there is nothing to guess.
    const speculation =
      intent?.claimFor === undefined ? speculationFor(intent?.taskIds, this.recent, this.recentAgents, this.clock) : undefined;
    if (speculation) {
      const speculated = await this.speculate(fn, intent, speculation);
      if (speculated) return speculated.result;
    }
    const reconnectDeadline = Date.now() + RECONNECT_WINDOW_MS;
    const lockedDeadline = Date.now() + this.lockTimeoutMs;
    let uniqueRaces = 0;
    for (let attempt = 1; ; attempt++) {
      let client: pg.PoolClient | undefined;
      let commitSent = false;
      try {
        client = await this.connections.acquire();
        const tx = new BoardTx(client, "write", "BEGIN", { ...(intent && { intent }), clock: this.clock });
        const result = await fn(tx);
        // The board's claim returns null when it found nothing ready. If rows it might have
        // taken were only locked by other claimers (who may not take them), look again.
        if (result === null && tx.sawLockedCandidates && Date.now() < lockedDeadline) throw new CandidatesBusy();
        commitSent = true;
        await tx.commit();
        this.connections.release(client);
        this.remember(tx);
        return result;
      } catch (error) {
        if (client) {
          const broken = isConnectionFailure(error);
          // Also after a failed COMMIT batch (a queued write refused): never pool an aborted session.
          if (!broken) await client.query("ROLLBACK").catch(ignore);
          this.connections.release(client, broken ? error : undefined);
        }
        if (isSerializationConflict(error) && Date.now() < lockedDeadline) {
          await sleep(Math.random() * Math.min(2 ** attempt, 50));
          continue;
        }
        if (error instanceof CandidatesBusy) {
          await sleep(Math.random() * Math.min(2 ** attempt, 20));
          continue;
        }
        if (isUniqueRace(error) && ++uniqueRaces <= MAX_UNIQUE_RACES) continue;
        if (isConnectionFailure(error)) {
          if (commitSent) throw this.lostWhileCommitting();
          if (Date.now() < reconnectDeadline && !this.connections.closed) {
            await sleep(reconnectDelay(attempt));
            continue;
          }
        }
        throw this.connections.mapFailure(error, `after retrying for ${RECONNECT_WINDOW_MS / 1000} s`);
      }
    }
  }

  /**
   * Runs `fn` on the rows this process wrote last and the estimated clock, then sends the
   * clock check and its writes in one round trip, as one implicit transaction (no BEGIN or
   * COMMIT: the server commits the batch at its Sync, or rolls all of it back). Undefined when
   * the operation must run the usual way: a read the speculation cannot answer, an error `fn`
   * threw on the remembered rows (which may be stale), or the database refusing a guess.
   * Nothing is saved in those cases, and the remembered rows are forgotten.
   */
  private async speculate<T>(
    fn: (tx: StoreWriter) => Promise<T>,
    intent: TransactionIntent | undefined,
    speculation: Speculation,
  ): Promise<{ result: T } | undefined> {
    const ids = [...speculation.rows.keys()];
    let client: pg.PoolClient;
    try {
      client = await this.connections.acquire();
    } catch {
      return undefined;
    }
    const tx = new BoardTx(client, "write", undefined, { ...(intent && { intent }), speculation, clock: this.clock });
    let result: T;
    try {
      result = await fn(tx);
    } catch (error) {
      this.connections.release(client);
      if (!(error instanceof SpeculationMiss)) this.forget(ids, tx);
      return undefined;
    }
    try {
      await tx.commit();
    } catch (error) {
      this.forget(ids, tx);
      if (!isConnectionFailure(error)) {
        this.connections.release(client);
        return undefined;
      }
      this.connections.release(client, error);
      // The whole transaction went out together. If every task is still at the version this
      // transaction expected, it did not commit (it would have changed them): run it again.
      if (await this.stillAt(speculation)) return undefined;
      throw this.lostWhileCommitting();
    }
    this.connections.release(client);
    this.remember(tx);
    return { result };
  }

  /** What a committed transaction leaves this process knowing. */
  private remember(tx: BoardTx): void {
    for (const [id, row] of tx.written) this.recent.remember(id, row);
    for (const [id, agent] of tx.agentsSeen) this.recentAgents.remember(id, agent);
  }

  /** A speculation on these rows failed: they may be stale. */
  private forget(ids: readonly string[], tx: BoardTx): void {
    this.recent.forget(ids);
    this.recentAgents.forget([...tx.speculatedAgents]);
  }

  /**
   * Whether every task of the speculation is still at the row version it expected. Waits for
   * a transaction still writing one of them (FOR SHARE), so one that commits late is seen.
   */
  private async stillAt(speculation: Speculation): Promise<boolean> {
    try {
      const rows = await this.connections.withConnection(RECONNECT_WINDOW_MS, "checking a lost commit", async (client) => {
        const { rows } = await client.query<{ id: string; version: string }>(
          "SELECT id, xmin::text AS version FROM baton_tasks WHERE id = ANY($1::text[]) FOR SHARE",
          [[...speculation.rows.keys()]],
        );
        return rows;
      });
      return [...speculation.rows].every(([id, known]) => rows.some((r) => r.id === id && r.version === known.version));
    } catch {
      return false;
    }
  }

  private lostWhileCommitting(): BatonError {
    return new BatonError(
      ErrorCode.STORE_UNAVAILABLE,
      `lost the connection to the PostgreSQL board ${this.location} (${this.hostPort}) while committing: ` +
        "the change may or may not have been saved; check with `baton show` / `baton audit` before repeating it",
      { location: this.location, outcome: "unknown" },
    );
  }

  async read<T>(fn: (tx: StoreReader) => Promise<T>): Promise<T> {
    return this.connections.withConnection(RECONNECT_WINDOW_MS, `after retrying for ${RECONNECT_WINDOW_MS / 1000} s`, async (client) => {
      const tx = new BoardTx(client, "read", "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
      try {
        const result = await fn(tx);
        if (tx.begun) await client.query("COMMIT");
        return result;
      } catch (error) {
        if (tx.begun && !isConnectionFailure(error)) await client.query("ROLLBACK").catch(ignore);
        throw error;
      }
    });
  }

  /**
   * The database's clock. Taken outside the board's transaction, just before it: a
   * transaction's own now() is its start time, no fresher than this, and fencing never rests
   * on the clock alone (row locks and lease tokens order the writes).
   */
  async now(): Promise<number> {
    return this.connections.withConnection(RECONNECT_WINDOW_MS, "reading the database clock", async (client) => {
      const { rows } = await client.query<{ ms: number }>({
        name: "db-clock",
        text: `SELECT ${CLOCK_MS} AS ms`,
      });
      const ms = (rows[0] as { ms: number }).ms;
      this.clock.observe(ms);
      return ms;
    });
  }

  async inspect(): Promise<StoreCheck[]> {
    return this.connections.withConnection(RECONNECT_WINDOW_MS, "checking the board's health", (client) =>
      inspectPostgres(client, this.location),
    );
  }

  async subscribe(onEvent: () => void): Promise<() => Promise<void>> {
    const listener = new EventListener(this.url, onEvent);
    this.listeners.add(listener);
    try {
      await listener.start();
    } catch (error) {
      this.listeners.delete(listener);
      await listener.stop();
      throw this.connections.mapFailure(error, "to listen for events");
    }
    return async () => {
      this.listeners.delete(listener);
      await listener.stop();
    };
  }

  async close(): Promise<void> {
    if (this.connections.closed) return;
    this.connections.refuseNew();
    await Promise.all([...this.listeners].map((l) => l.stop()));
    this.listeners.clear();
    await this.connections.end();
  }
}

/** A claim found nothing, but other transactions held candidate rows: run it again. */
class CandidatesBusy extends Error {}
