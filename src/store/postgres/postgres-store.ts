/**
 * The PostgreSQL store: one board shared by agents on many machines. A pg Pool per process;
 * each board operation is one READ COMMITTED transaction whose reads lock the rows they will
 * change (see board-tx.ts); leases and timestamps are judged on the database's clock (`now`);
 * events are pushed with LISTEN/NOTIFY (`subscribe`). Lost connections are retried while that
 * is safe (before COMMIT was sent), then reported as STORE_UNAVAILABLE. An operation on tasks
 * this process wrote last is tried in one round trip first (see speculation.ts).
 */
import pg from "pg";
import { BatonError, ErrorCode } from "../../core/errors.js";
import { BoardTx } from "./board-tx.js";
import { EventListener } from "./event-listener.js";
import {
  describeUrl,
  hostAndPort,
  isConnectionFailure,
  isSerializationConflict,
  isUniqueRace,
  mapQueryFailure,
  unavailable,
} from "./failures.js";
import { typeParsers } from "./rows.js";
import { CLOCK_MS } from "./claim-sql.js";
import { inspectPostgres } from "./inspection.js";
import { migrate } from "./schema.js";
import { PostgresWebhooks } from "./webhooks.js";
import { ClockEstimate, RecentRows, SpeculationMiss, speculationFor } from "./speculation.js";
import type { KnownAgent, KnownRow, Speculation } from "./speculation.js";
import type { Store, StoreCheck, StoreOptions, StoreReader, StoreWriter, TransactionIntent, WebhookStore } from "../store.js";

/** How long an operation keeps retrying while the server is unreachable (e.g. restarting). */
const RECONNECT_WINDOW_MS = 20_000;
/** At open, fail sooner: a server that is simply not there should be reported quickly. */
const OPEN_WINDOW_MS = 3_000;
/** Re-runs after unique-key races before giving up (each re-run sees the winner's row). */
const MAX_UNIQUE_RACES = 5;

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

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
  private readonly pool: pg.Pool;
  private readonly lockTimeoutMs: number;
  private readonly listeners = new Set<EventListener>();
  private closed = false;
  /** What this process's transactions wrote last, and the database clock: see speculation.ts. */
  private readonly recent = new RecentRows<KnownRow>();
  private readonly recentAgents = new RecentRows<KnownAgent>();
  private readonly clock = new ClockEstimate();
  readonly webhooks: WebhookStore = new PostgresWebhooks((what, job) =>
    this.withConnection(RECONNECT_WINDOW_MS, `${what} (after retrying for ${RECONNECT_WINDOW_MS / 1000} s)`, job),
  );
  /**
   * The client the last operation used, kept out of the pool until the next one: an agent's
   * operations run one after another, and a hand-over through the pool (its queue, idle timer
   * and events) cost each transaction ~5 % of node's CPU at 32 processes.
   */
  private spare: pg.PoolClient | undefined;
  /** Drops the spare client when its connection dies while it waits. */
  private readonly onSpareLost = (): void => {
    const spare = this.spare;
    this.spare = undefined;
    spare?.release(true);
  };

  constructor(
    private readonly url: string,
    options: StoreOptions = {},
  ) {
    this.location = describeUrl(url);
    this.hostPort = hostAndPort(url);
    this.lockTimeoutMs = options.lockTimeoutMs ?? 30_000;
    this.pool = new pg.Pool({
      connectionString: url,
      max: 4,
      connectionTimeoutMillis: 5_000,
      keepAlive: true,
      application_name: "baton",
      types: typeParsers,
      // UTC: timestamptz text is parsed without a time-zone table. Generic plans: our
      // prepared statements are planned once per connection, not per call (a claim's candidate
      // query took 0.86 ms to plan and 0.25 ms to run). lock_timeout: a row lock
      // held too long becomes LOCK_TIMEOUT. idle_in_transaction: a hung agent cannot hold
      // row locks forever (a crashed one loses its connection, which rolls back at once).
      options:
        `-c TimeZone=UTC -c plan_cache_mode=force_generic_plan -c lock_timeout=${this.lockTimeoutMs}` +
        ` -c idle_in_transaction_session_timeout=${Math.max(60_000, this.lockTimeoutMs * 2)}`,
    });
    // Idle clients whose server went away emit 'error'; the pool drops them. Without a
    // listener Node would crash the process.
    this.pool.on("error", () => undefined);
  }

  async open(create: boolean): Promise<void> {
    const outcome = await this.withConnection(OPEN_WINDOW_MS, "while opening the board", async (client) => {
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

  /**
   * Takes a pooled client and runs `job`, retrying connection failures for `windowMs`.
   * `job` must be safe to repeat after a connection failure (reads; the migration).
   */
  private async withConnection<T>(windowMs: number, what: string, job: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    const deadline = Date.now() + windowMs;
    for (let attempt = 1; ; attempt++) {
      let client: pg.PoolClient | undefined;
      try {
        client = await this.acquire();
        const result = await job(client);
        this.release(client);
        return result;
      } catch (error) {
        if (client) this.release(client, isConnectionFailure(error) ? error : undefined);
        if (isConnectionFailure(error) && Date.now() < deadline && !this.closed) {
          await sleep(reconnectDelay(attempt));
          continue;
        }
        throw this.mapFailure(error, what);
      }
    }
  }

  private async acquire(): Promise<pg.PoolClient> {
    if (this.closed) {
      throw new BatonError(ErrorCode.STORE_UNAVAILABLE, `the board ${this.location} is closed`, { location: this.location });
    }
    const spare = this.takeSpare();
    if (spare) return spare;
    const client = await this.pool.connect();
    // A checked-out client whose connection dies emits 'error' too; the failing query reports it.
    client.on("error", ignore);
    return client;
  }

  /** The spare client, if any, now the caller's (no longer watched for its connection's end). */
  private takeSpare(): pg.PoolClient | undefined {
    const spare = this.spare;
    this.spare = undefined;
    spare?.removeListener("end", this.onSpareLost);
    return spare;
  }

  /** Keeps the client as the spare (see `spare`), or returns it to the pool, or destroys it if its connection failed. */
  private release(client: pg.PoolClient, failure?: unknown): void {
    if (failure !== undefined) {
      // Keep the no-op listener: a dying connection may still emit 'error' while it closes.
      client.release(true);
      return;
    }
    if (this.spare === undefined && !this.closed) {
      this.spare = client;
      client.once("end", this.onSpareLost);
      return;
    }
    client.removeListener("error", ignore);
    client.release();
  }

  private mapFailure(error: unknown, what: string): unknown {
    if (error instanceof BatonError) return error;
    if (isConnectionFailure(error) || ["28P01", "28000", "3D000"].includes((error as { code?: string }).code ?? "")) {
      return unavailable(this.location, this.hostPort, error, what);
    }
    return mapQueryFailure(error, this.location, this.lockTimeoutMs) ?? error;
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
        client = await this.acquire();
        const tx = new BoardTx(client, "write", "BEGIN", { ...(intent && { intent }), clock: this.clock });
        const result = await fn(tx);
        // The board's claim returns null when it found nothing ready. If rows it might have
        // taken were only locked by other claimers (who may not take them), look again.
        if (result === null && tx.sawLockedCandidates && Date.now() < lockedDeadline) throw new CandidatesBusy();
        commitSent = true;
        await tx.commit();
        this.release(client);
        this.remember(tx);
        return result;
      } catch (error) {
        if (client) {
          const broken = isConnectionFailure(error);
          // Also after a failed COMMIT batch (a queued write refused): never pool an aborted session.
          if (!broken) await client.query("ROLLBACK").catch(ignore);
          this.release(client, broken ? error : undefined);
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
          if (Date.now() < reconnectDeadline && !this.closed) {
            await sleep(reconnectDelay(attempt));
            continue;
          }
        }
        throw this.mapFailure(error, `after retrying for ${RECONNECT_WINDOW_MS / 1000} s`);
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
      client = await this.acquire();
    } catch {
      return undefined;
    }
    const tx = new BoardTx(client, "write", undefined, { ...(intent && { intent }), speculation, clock: this.clock });
    let result: T;
    try {
      result = await fn(tx);
    } catch (error) {
      this.release(client);
      if (!(error instanceof SpeculationMiss)) this.forget(ids, tx);
      return undefined;
    }
    try {
      await tx.commit();
    } catch (error) {
      this.forget(ids, tx);
      if (!isConnectionFailure(error)) {
        this.release(client);
        return undefined;
      }
      this.release(client, error);
      // The whole transaction went out together. If every task is still at the version this
      // transaction expected, it did not commit (it would have changed them): run it again.
      if (await this.stillAt(speculation)) return undefined;
      throw this.lostWhileCommitting();
    }
    this.release(client);
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
      const rows = await this.withConnection(RECONNECT_WINDOW_MS, "checking a lost commit", async (client) => {
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
    return this.withConnection(RECONNECT_WINDOW_MS, `after retrying for ${RECONNECT_WINDOW_MS / 1000} s`, async (client) => {
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
    return this.withConnection(RECONNECT_WINDOW_MS, "reading the database clock", async (client) => {
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
    return this.withConnection(RECONNECT_WINDOW_MS, "checking the board's health", (client) =>
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
      throw this.mapFailure(error, "to listen for events");
    }
    return async () => {
      this.listeners.delete(listener);
      await listener.stop();
    };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all([...this.listeners].map((l) => l.stop()));
    this.listeners.clear();
    const spare = this.takeSpare();
    if (spare) this.release(spare);
    await this.pool.end().catch(ignore);
  }
}

/** A claim found nothing, but other transactions held candidate rows: run it again. */
class CandidatesBusy extends Error {}

function ignore(): void {}

/** 50 ms, 100 ms, … capped at 1 s, with jitter so restarted agents do not reconnect in step. */
function reconnectDelay(attempt: number): number {
  const cap = Math.min(1000, 50 * 2 ** Math.min(attempt, 5));
  return cap / 2 + Math.random() * (cap / 2);
}
