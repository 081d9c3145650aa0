/**
 * A webhook and a delivery-log entry as every store keeps them: snake_case columns (SQLite
 * `webhooks`/`webhook_deliveries`, PostgreSQL `baton_webhooks`/`baton_webhook_deliveries`) or
 * the same names as JSON properties (the JSON store's tasks.webhooks.json). SQLite alone keeps
 * `events` as JSON text and `redelivery` as 0/1; its store converts those two before mapping.
 */
import type { EventType } from "../core/task.js";
import type { DeliveryOutcome, Webhook, WebhookDelivery } from "../core/webhooks.js";

export interface WebhookRow {
  id: number;
  url: string;
  events: string[];
  secret: string;
  created_at: string;
  cursor: number;
  attempts: number;
  next_attempt_at: string | null;
  last_error: string | null;
  lease_holder: string | null;
  lease_expires_at: string | null;
  version: number;
}

export interface DeliveryRow {
  id: number;
  hook_id: number;
  seq: number;
  type: string;
  attempt: number;
  outcome: string;
  status: number | null;
  error: string | null;
  at: string;
  duration_ms: number;
  redelivery: boolean;
}

export function webhookFromRow(row: WebhookRow): Webhook {
  return {
    id: row.id,
    url: row.url,
    // A copy: the JSON store's rows are its in-memory file, which a caller must not edit.
    events: [...row.events] as EventType[],
    secret: row.secret,
    createdAt: row.created_at,
    cursor: row.cursor,
    attempts: row.attempts,
    nextAttemptAt: row.next_attempt_at,
    lastError: row.last_error,
    leaseHolder: row.lease_holder,
    leaseExpiresAt: row.lease_expires_at,
    version: row.version,
  };
}

export function deliveryFromRow(row: DeliveryRow): WebhookDelivery {
  return {
    id: row.id,
    hookId: row.hook_id,
    seq: row.seq,
    type: row.type as EventType,
    attempt: row.attempt,
    outcome: row.outcome as DeliveryOutcome,
    status: row.status,
    error: row.error,
    at: row.at,
    durationMs: row.duration_ms,
    redelivery: row.redelivery,
  };
}
