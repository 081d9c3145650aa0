/**
 * SQLite's WebhookStore: the webhooks and webhook_deliveries tables of migration 3. Each
 * method is one short transaction of its own on the store's connection (a write is BEGIN
 * IMMEDIATE, like a board operation, and waits for the write lock the same way).
 */
import { DELIVERY_LOG_KEEP } from "../../core/webhooks.js";
import type { NewDelivery, NewWebhook, Webhook, WebhookDelivery } from "../../core/webhooks.js";
import { deliveryFromRow, webhookFromRow } from "../webhook-rows.js";
import type { DeliveryQuery, WebhookStore } from "../store.js";
import type { DeliveryRow, WebhookRow } from "../webhook-rows.js";

/** Runs SQL on the store's connection. */
export interface SqlRunner {
  all<R>(sql: string, ...params: unknown[]): R[];
  get<R>(sql: string, ...params: unknown[]): R | undefined;
  run(sql: string, ...params: unknown[]): { changes: number; lastInsertRowid: number | bigint };
}

/** One step in its own transaction: a write one (BEGIN IMMEDIATE) or a read one. */
export type SqlStep = <T>(write: boolean, fn: (sql: SqlRunner) => T) => Promise<T>;

/** SQLite's rows: `events` as JSON text, `redelivery` as 0/1 (it has no array or boolean). */
type SqliteWebhookRow = Omit<WebhookRow, "events"> & { events: string };
type SqliteDeliveryRow = Omit<DeliveryRow, "redelivery"> & { redelivery: number };

export class SqliteWebhooks implements WebhookStore {
  constructor(private readonly step: SqlStep) {}

  addWebhook(hook: NewWebhook): Promise<Webhook> {
    return this.step(true, (sql) => {
      const row = sql.get<SqliteWebhookRow>(
        `INSERT INTO webhooks (url, events, secret, created_at, cursor, attempts, version)
         VALUES (?, ?, ?, ?, ?, 0, 1) RETURNING *`,
        hook.url,
        JSON.stringify(hook.events),
        hook.secret,
        hook.createdAt,
        hook.cursor,
      ) as SqliteWebhookRow;
      return hookFromRow(row);
    });
  }

  getWebhook(id: number): Promise<Webhook | undefined> {
    return this.step(false, (sql) => {
      const row = sql.get<SqliteWebhookRow>("SELECT * FROM webhooks WHERE id = ?", id);
      return row && hookFromRow(row);
    });
  }

  listWebhooks(): Promise<Webhook[]> {
    return this.step(false, (sql) => sql.all<SqliteWebhookRow>("SELECT * FROM webhooks ORDER BY id").map(hookFromRow));
  }

  removeWebhook(id: number): Promise<boolean> {
    return this.step(true, (sql) => {
      sql.run("DELETE FROM webhook_deliveries WHERE hook_id = ?", id);
      return sql.run("DELETE FROM webhooks WHERE id = ?", id).changes === 1;
    });
  }

  updateWebhook(next: Webhook, expectedVersion: number, delivery?: NewDelivery): Promise<boolean> {
    return this.step(true, (sql) => {
      const changed = sql.run(
        `UPDATE webhooks SET url = ?, events = ?, secret = ?, cursor = ?, attempts = ?, next_attempt_at = ?,
           last_error = ?, lease_holder = ?, lease_expires_at = ?, version = ?
         WHERE id = ? AND version = ?`,
        next.url,
        JSON.stringify(next.events),
        next.secret,
        next.cursor,
        next.attempts,
        next.nextAttemptAt,
        next.lastError,
        next.leaseHolder,
        next.leaseExpiresAt,
        next.version,
        next.id,
        expectedVersion,
      ).changes;
      if (changed !== 1) return false;
      if (delivery) insertDelivery(sql, delivery);
      return true;
    });
  }

  appendDelivery(delivery: NewDelivery): Promise<boolean> {
    return this.step(true, (sql) => {
      if (!sql.get("SELECT 1 FROM webhooks WHERE id = ?", delivery.hookId)) return false;
      insertDelivery(sql, delivery);
      return true;
    });
  }

  listDeliveries(query: DeliveryQuery): Promise<WebhookDelivery[]> {
    return this.step(false, (sql) => {
      const filter = query.hookId === undefined ? "" : "WHERE hook_id = ?";
      const params = query.hookId === undefined ? [] : [query.hookId];
      const rows = sql.all<SqliteDeliveryRow>(
        `SELECT * FROM webhook_deliveries ${filter} ORDER BY id DESC LIMIT ?`,
        ...params,
        query.limit ?? -1,
      );
      return rows.reverse().map(sqliteDeliveryFromRow);
    });
  }
}

function insertDelivery(sql: SqlRunner, d: NewDelivery): void {
  sql.run(
    `INSERT INTO webhook_deliveries (hook_id, seq, type, attempt, outcome, status, error, at, duration_ms, redelivery)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    d.hookId,
    d.seq,
    d.type,
    d.attempt,
    d.outcome,
    d.status,
    d.error,
    d.at,
    d.durationMs,
    d.redelivery ? 1 : 0,
  );
  // The newest DELIVERY_LOG_KEEP of this hook stay (an index walk down webhook_deliveries_hook).
  sql.run(
    `DELETE FROM webhook_deliveries WHERE hook_id = ? AND id <=
       (SELECT id FROM webhook_deliveries WHERE hook_id = ? ORDER BY id DESC LIMIT 1 OFFSET ${DELIVERY_LOG_KEEP})`,
    d.hookId,
    d.hookId,
  );
}

function hookFromRow(row: SqliteWebhookRow): Webhook {
  return webhookFromRow({ ...row, events: JSON.parse(row.events) as string[] });
}

function sqliteDeliveryFromRow(row: SqliteDeliveryRow): WebhookDelivery {
  return deliveryFromRow({ ...row, redelivery: row.redelivery === 1 });
}
