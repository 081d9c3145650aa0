/**
 * The wire side of one transaction. node-pg waits for each statement's answer before sending
 * the next (no pipelining), so every statement costs a round trip (0.2–0.3 ms on loopback
 * here, more across machines). BEGIN travels with the first statement, and writes whose answer
 * the board does not need are queued and sent with the next statement that reads their table,
 * or with COMMIT, as one multi-statement simple query (values inlined, see literal-sql.ts).
 */
import { inline } from "./literal-sql.js";
import type pg from "pg";

export type TxMode = "read" | "write";

export class TxConnection {
  /** Queued writes (inlined SQL) and the table each changes, sent before a statement that reads that table, or with COMMIT. */
  protected pending: { table: string; sql: string }[] = [];
  protected started = false;

  constructor(
    protected readonly client: pg.ClientBase,
    protected readonly mode: TxMode,
    /**
     * The BEGIN statement, sent lazily with the first statement (the board's first is the
     * clock). Read transactions also need listEvents to take its horizon before the snapshot.
     */
    protected readonly beginSql: string,
  ) {}

  /** Whether BEGIN was sent (so the store must COMMIT or ROLLBACK). */
  get begun(): boolean {
    return this.started;
  }

  /**
   * BEGIN (if not sent yet) and the queued writes to tables `text` mentions (all of them when
   * no text), to send ahead of it: a read always sees this transaction's own writes.
   */
  protected takePrefix(text?: string): string[] {
    const due = text === undefined ? this.pending : this.pending.filter((w) => text.includes(w.table));
    this.pending = text === undefined ? [] : this.pending.filter((w) => !text.includes(w.table));
    const prefix = [...(this.started ? [] : [this.beginSql]), ...due.map((w) => w.sql)];
    this.started = true;
    return prefix;
  }

  /** One multi-statement simple query: one round trip, all results. */
  protected async batch(statements: string[]): Promise<pg.QueryResult[]> {
    const result = (await this.client.query(statements.join(";\n"))) as unknown as pg.QueryResult | pg.QueryResult[];
    return Array.isArray(result) ? result : [result];
  }

  protected async query<R extends pg.QueryResultRow>(name: string | undefined, text: string, values: unknown[] = []): Promise<R[]> {
    const prefix = this.takePrefix(text);
    if (prefix.length > 0) {
      const results = await this.batch([...prefix, inline(text, values)]);
      return (results[results.length - 1]?.rows ?? []) as R[];
    }
    const result = await this.client.query<R>(name ? { name, text, values } : { text, values });
    return result.rows;
  }

  /** Queues a write to `table` whose answer nobody needs; a failure surfaces at the next flush. */
  protected queue(table: string, text: string, values: unknown[]): void {
    this.pending.push({ table, sql: inline(text, values) });
  }

  /** Sends the queued writes and COMMIT in one round trip. */
  async commit(): Promise<void> {
    if (!this.started && this.pending.length === 0) return;
    await this.batch([...this.takePrefix(), "COMMIT"]);
  }
}
