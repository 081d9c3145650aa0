/**
 * The wire side of one transaction. A statement costs a round trip only if the transaction
 * waits for its answer before sending the next (0.2–0.3 ms on loopback here, more across
 * machines). So statements go out in batches, one wait each (see wire-batch.ts): BEGIN and what
 * the transaction will surely read first travel together (the opening, see opening.ts);
 * writes whose answer the board does not need are queued and travel with the next read or
 * with COMMIT. A claim or a completion is then two round trips: the opening, and the writes
 * with COMMIT.
 */
import { invalidInput } from "../../core/errors.js";
import { WireBatch } from "./wire-batch.js";
import type { BatchResult } from "./wire-batch.js";
import type pg from "pg";

export type TxMode = "read" | "write";

/** One statement; named ones are prepared once per connection and planned once (generic plans). */
export interface Statement {
  name?: string;
  text: string;
  values?: unknown[];
  /** For a queued write: receives its rows once the batch it travelled in is answered. */
  onRows?: (rows: Record<string, unknown>[]) => void;
}

export class TxConnection {
  /** Queued writes, sent ahead of the next read or with COMMIT. */
  protected pending: Statement[] = [];
  protected started = false;
  /** How many times this transaction waited for the server (see the round-trip test). */
  roundTrips = 0;

  constructor(
    protected readonly client: pg.ClientBase,
    protected readonly mode: TxMode,
    /**
     * Sent with the first statement; undefined for a transaction whose every statement goes
     * out in one batch: the server runs a batch (up to its one Sync) as one implicit
     * transaction, committed at the Sync, so neither BEGIN nor COMMIT is needed.
     */
    protected readonly beginSql: string | undefined,
  ) {}

  /** Whether BEGIN was sent (so the store must COMMIT or ROLLBACK). */
  get begun(): boolean {
    return this.started;
  }

  /** What travels with BEGIN besides it (none here; the board's transaction adds its opening). */
  protected openingStatements(): Statement[] {
    return [];
  }

  /** Receives the answers to `openingStatements`. */
  protected acceptOpening(_results: BatchResult[]): void {}

  /** Called before a round trip that is not the commit's; may refuse it by throwing. */
  protected beforeRead(): void {}

  /**
   * Sends BEGIN and the opening (the first time), the queued writes and `statements` in one
   * pipeline, waits once, and returns the answers to `statements`.
   */
  protected async send(statements: Statement[], committing = false): Promise<BatchResult[]> {
    if (!committing) this.beforeRead();
    // Named: prepared once per connection like every other statement.
    const begin = this.started || this.beginSql === undefined ? [] : [{ name: statementName(this.beginSql), text: this.beginSql }];
    const opening = this.started ? [] : this.openingStatements();
    const queued = this.pending;
    this.started = true;
    this.pending = [];
    const results = await this.pipeline([...begin, ...opening, ...queued, ...statements]);
    const head = begin.length + opening.length;
    if (opening.length > 0) this.acceptOpening(results.slice(begin.length, head));
    queued.forEach((statement, i) => statement.onRows?.(results[head + i]?.rows ?? []));
    return results.slice(head + queued.length);
  }

  /** Sends the statements as one batch (see wire-batch.ts) and waits once for all answers. */
  private async pipeline(statements: Statement[]): Promise<BatchResult[]> {
    this.roundTrips++;
    const batch = new WireBatch(statements);
    void this.client.query(batch as unknown as pg.QueryConfig);
    return batch.done;
  }

  protected async query<R extends pg.QueryResultRow>(name: string | undefined, text: string, values: unknown[] = []): Promise<R[]> {
    const [result] = await this.send([{ ...(name !== undefined && { name }), text, values }]);
    return (result?.rows ?? []) as R[];
  }

  /** Queues a write whose answer nobody needs; a failure surfaces at the next send. */
  protected queue(name: string, text: string, values: unknown[], onRows?: Statement["onRows"]): void {
    refuseNul(values);
    this.pending.push({ name, text, values, ...(onRows && { onRows }) });
  }

  /** Sends the queued writes and COMMIT in one round trip. */
  async commit(): Promise<void> {
    if (!this.started && this.pending.length === 0) return;
    await this.send(this.beginSql === undefined ? [] : [{ name: "commit", text: "COMMIT" }], true);
  }
}

/** "BEGIN ISOLATION LEVEL …" → "begin-isolation-level-…". */
function statementName(sql: string): string {
  return sql.toLowerCase().replace(/\W+/g, "-");
}

/** PostgreSQL cannot store a NUL in text; say so before it reaches the wire (and the board is untouched). */
function refuseNul(values: readonly unknown[]): void {
  for (const value of values) {
    if (typeof value === "string" && value.includes("\u0000")) {
      throw invalidInput("PostgreSQL cannot store a NUL character (\\u0000) in text; remove it and retry");
    }
  }
}
