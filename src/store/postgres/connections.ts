/**
 * The PostgreSQL store's connections: a pg Pool per process, one spare client kept between
 * operations, connection failures retried for a window, and pg's failures told as BatonErrors.
 */
import pg from "pg";
import { BatonError, ErrorCode } from "../../core/errors.js";
import { isConnectionFailure, mapQueryFailure, unavailable } from "./failures.js";
import { typeParsers } from "./rows.js";

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export function ignore(): void {}

/** 50 ms, 100 ms, … capped at 1 s, with jitter so restarted agents do not reconnect in step. */
export function reconnectDelay(attempt: number): number {
  const cap = Math.min(1000, 50 * 2 ** Math.min(attempt, 5));
  return cap / 2 + Math.random() * (cap / 2);
}

export class Connections {
  private readonly pool: pg.Pool;
  private shut = false;
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
    url: string,
    private readonly location: string,
    private readonly hostPort: string,
    private readonly lockTimeoutMs: number,
  ) {
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
        `-c TimeZone=UTC -c plan_cache_mode=force_generic_plan -c lock_timeout=${lockTimeoutMs}` +
        ` -c idle_in_transaction_session_timeout=${Math.max(60_000, lockTimeoutMs * 2)}`,
    });
    // Idle clients whose server went away emit 'error'; the pool drops them. Without a
    // listener Node would crash the process.
    this.pool.on("error", () => undefined);
  }

  /** Set by `refuseNew`: no new operation starts and no retry goes on. */
  get closed(): boolean {
    return this.shut;
  }

  /**
   * Takes a pooled client and runs `job`, retrying connection failures for `windowMs`.
   * `job` must be safe to repeat after a connection failure (reads; the migration).
   */
  async withConnection<T>(windowMs: number, what: string, job: (client: pg.PoolClient) => Promise<T>): Promise<T> {
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
        if (isConnectionFailure(error) && Date.now() < deadline && !this.shut) {
          await sleep(reconnectDelay(attempt));
          continue;
        }
        throw this.mapFailure(error, what);
      }
    }
  }

  async acquire(): Promise<pg.PoolClient> {
    if (this.shut) {
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
  release(client: pg.PoolClient, failure?: unknown): void {
    if (failure !== undefined) {
      // Keep the no-op listener: a dying connection may still emit 'error' while it closes.
      client.release(true);
      return;
    }
    if (this.spare === undefined && !this.shut) {
      this.spare = client;
      client.once("end", this.onSpareLost);
      return;
    }
    client.removeListener("error", ignore);
    client.release();
  }

  mapFailure(error: unknown, what: string): unknown {
    if (error instanceof BatonError) return error;
    if (isConnectionFailure(error) || ["28P01", "28000", "3D000"].includes((error as { code?: string }).code ?? "")) {
      return unavailable(this.location, this.hostPort, error, what);
    }
    return mapQueryFailure(error, this.location, this.lockTimeoutMs) ?? error;
  }

  /** The first step of closing: operations from now on are refused, retries stop. */
  refuseNew(): void {
    this.shut = true;
  }

  /** The last step of closing: the spare client back, the pool ended. */
  async end(): Promise<void> {
    const spare = this.takeSpare();
    if (spare) this.release(spare);
    await this.pool.end().catch(ignore);
  }
}
