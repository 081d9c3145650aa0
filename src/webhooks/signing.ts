/**
 * A webhook request as Standard Webhooks defines it: `webhook-id` (the event's seq, the same on
 * every retry and redelivery, so a receiver can drop duplicates), `webhook-timestamp` (Unix
 * seconds of this attempt) and `webhook-signature` (`v1,` and the base64 HMAC-SHA256 of
 * `id.timestamp.body` under the hook's secret, computed by the standardwebhooks package).
 * The body is `{type, timestamp, data}`, the standard's recommended shape, with the event in
 * the wire shape every face uses (core/wire-shape.ts).
 */
import { Webhook as Signer } from "standardwebhooks";
import { eventToWire } from "../core/wire-shape.js";
import type { BoardEvent } from "../core/task.js";

export interface WebhookRequest {
  url: string;
  body: string;
  headers: Record<string, string>;
}

export function signedRequest(hook: { url: string; secret: string }, event: BoardEvent, nowMs: number): WebhookRequest {
  const body = JSON.stringify({ type: event.type, timestamp: event.at, data: eventToWire(event) });
  const id = String(event.seq);
  const at = new Date(nowMs);
  return {
    url: hook.url,
    body,
    headers: {
      "content-type": "application/json",
      "webhook-id": id,
      "webhook-timestamp": String(Math.floor(nowMs / 1000)),
      "webhook-signature": new Signer(hook.secret).sign(id, at, body),
    },
  };
}
