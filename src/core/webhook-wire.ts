/**
 * Webhooks and their delivery log in the outside shape (snake_case, as core/wire-shape.ts).
 * A hook's secret is never part of it.
 */
import type { Webhook, WebhookDelivery } from "./webhooks.js";
import type { WireObject } from "./wire-shape.js";

export function webhookToWire(hook: Webhook): WireObject {
  return {
    id: hook.id,
    url: hook.url,
    events: hook.events,
    created_at: hook.createdAt,
    cursor: hook.cursor,
    attempts: hook.attempts,
    next_attempt_at: hook.nextAttemptAt,
    last_error: hook.lastError,
    lease_holder: hook.leaseHolder,
    lease_expires_at: hook.leaseExpiresAt,
  };
}

export function deliveryToWire(delivery: Omit<WebhookDelivery, "id"> & { id?: number }): WireObject {
  return {
    ...(delivery.id !== undefined && { id: delivery.id }),
    webhook_id: delivery.hookId,
    seq: delivery.seq,
    type: delivery.type,
    attempt: delivery.attempt,
    outcome: delivery.outcome,
    status: delivery.status,
    error: delivery.error,
    at: delivery.at,
    duration_ms: delivery.durationMs,
    redelivery: delivery.redelivery,
  };
}
