/**
 * PostgreSQL's WebhookStore: baton_webhooks and baton_webhook_deliveries (schema version 4).
 * Every method is one statement in autocommit (a compare-and-set with its log entry is one
 * statement with data-modifying CTEs), so a statement repeated after a lost connection is at
 * worst a compare-and-set that finds the version moved — false, and the deliverer starts over
 * from the cursor: at least once, as promised.
 */
import { DELIVERY_LOG_KEEP } from "../../core/webhooks.js";
import type { NewDelivery, NewWebhook, Webhook, WebhookDelivery } from "../../core/webhooks.js";
import { deliveryFromRow, webhookFromRow } from "../webhook-rows.js";
import type { DeliveryQuery, WebhookStore } from "../store.js";
import type { DeliveryRow, WebhookRow } from "../webhook-rows.js";
import type pg from "pg";

/** Runs `job` on a pooled connection (Connections.withConnection, connections.ts). */
export type WithClient = <T>(what: string, job: (client: pg.PoolClient) => Promise<T>) => Promise<T>;

const DELIVERY_COLUMNS = "hook_id, seq, type, attempt, outcome, status, error, at, duration_ms, redelivery";

export class PostgresWebhooks implements WebhookStore {
  constructor(private readonly withClient: WithClient) {}

  private async query<R extends pg.QueryResultRow>(what: string, text: string, values: unknown[]): Promise<R[]> {
    return this.withClient(what, async (client) => (await client.query<R>(text, values)).rows);
  }

  async addWebhook(hook: NewWebhook): Promise<Webhook> {
    const [row] = await this.query<WebhookRow>(
      "adding a webhook",
      `INSERT INTO baton_webhooks (url, events, secret, created_at, cursor, attempts, version)
       VALUES ($1, $2, $3, $4, $5, 0, 1) RETURNING *`,
      [hook.url, JSON.stringify(hook.events), hook.secret, hook.createdAt, hook.cursor],
    );
    return webhookFromRow(row as WebhookRow);
  }

  async getWebhook(id: number): Promise<Webhook | undefined> {
    const [row] = await this.query<WebhookRow>("reading a webhook", "SELECT * FROM baton_webhooks WHERE id = $1", [id]);
    return row && webhookFromRow(row);
  }

  async listWebhooks(): Promise<Webhook[]> {
    return (await this.query<WebhookRow>("listing webhooks", "SELECT * FROM baton_webhooks ORDER BY id", [])).map(webhookFromRow);
  }

  async removeWebhook(id: number): Promise<boolean> {
    const rows = await this.query<{ id: number }>(
      "removing a webhook",
      `WITH log AS (DELETE FROM baton_webhook_deliveries WHERE hook_id = $1)
       DELETE FROM baton_webhooks WHERE id = $1 RETURNING id`,
      [id],
    );
    return rows.length === 1;
  }

  async updateWebhook(next: Webhook, expectedVersion: number, delivery?: NewDelivery): Promise<boolean> {
    const values: unknown[] = [
      next.id,
      expectedVersion,
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
    ];
    const update = `UPDATE baton_webhooks SET url = $3, events = $4, secret = $5, cursor = $6, attempts = $7,
        next_attempt_at = $8, last_error = $9, lease_holder = $10, lease_expires_at = $11, version = $12
      WHERE id = $1 AND version = $2 RETURNING id`;
    if (!delivery) {
      return (await this.query("updating a webhook", update, values)).length === 1;
    }
    values.push(...deliveryValues(delivery));
    const rows = await this.query<{ n: number }>(
      "updating a webhook",
      `WITH up AS (${update}),
       logged AS (INSERT INTO baton_webhook_deliveries (${DELIVERY_COLUMNS})
         SELECT id, ${typed(13)} FROM up)
       SELECT count(*)::int AS n FROM up`,
      values,
    );
    if (rows[0]?.n !== 1) return false;
    await this.prune(delivery.hookId);
    return true;
  }

  async appendDelivery(delivery: NewDelivery): Promise<boolean> {
    const rows = await this.query<{ id: number }>(
      "logging a webhook delivery",
      `INSERT INTO baton_webhook_deliveries (${DELIVERY_COLUMNS})
       SELECT id, ${typed(2)} FROM baton_webhooks WHERE id = $1 RETURNING id`,
      [delivery.hookId, ...deliveryValues(delivery)],
    );
    if (rows.length !== 1) return false;
    await this.prune(delivery.hookId);
    return true;
  }

  async listDeliveries(query: DeliveryQuery): Promise<WebhookDelivery[]> {
    const rows = await this.query<DeliveryRow>(
      "reading the webhook delivery log",
      `SELECT * FROM baton_webhook_deliveries WHERE ($1::bigint IS NULL OR hook_id = $1) ORDER BY id DESC LIMIT $2`,
      [query.hookId ?? null, query.limit ?? null],
    );
    return rows.reverse().map(deliveryFromRow);
  }

  /** The newest DELIVERY_LOG_KEEP entries of the hook stay (an index walk down baton_webhook_deliveries_hook). */
  private async prune(hookId: number): Promise<void> {
    await this.query(
      "trimming the webhook delivery log",
      `DELETE FROM baton_webhook_deliveries WHERE hook_id = $1 AND id <=
         (SELECT id FROM baton_webhook_deliveries WHERE hook_id = $1 ORDER BY id DESC LIMIT 1 OFFSET ${DELIVERY_LOG_KEEP})`,
      [hookId],
    );
  }
}

/** The delivery's parameters from $first on, typed (INSERT … SELECT would take them for text). */
function typed(first: number): string {
  return ["bigint", "text", "integer", "text", "integer", "text", "timestamptz", "integer", "boolean"]
    .map((type, i) => `$${first + i}::${type}`)
    .join(", ");
}

/** $2…$10 of a delivery (hook_id is $1 or comes from the row). */
function deliveryValues(d: NewDelivery): unknown[] {
  return [d.seq, d.type, d.attempt, d.outcome, d.status, d.error, d.at, d.durationMs, d.redelivery];
}
