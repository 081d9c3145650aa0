/**
 * `baton-board/webhooks`: managing a board's webhooks and delivering to them (docs/webhooks.md).
 *
 *   import { openBoard } from "baton-board";
 *   import { Webhooks, Deliverer } from "baton-board/webhooks";
 *   const board = await openBoard("sqlite:.baton/board.db");
 *   await new Webhooks(board.store).add({ url, events: ["FAILED"], secret });
 *   const deliverer = new Deliverer(board.store);
 *   deliverer.start(2000);
 */
export { Webhooks } from "./webhooks.js";
export type { AddWebhookInput, WebhooksOptions } from "./webhooks.js";
export { Deliverer } from "./deliverer.js";
export type { DelivererOptions, DeliveryRound } from "./deliverer.js";
export { sendWebhook } from "./sender.js";
export type { SendResult, SendWebhook } from "./sender.js";
export { signedRequest } from "./signing.js";
export { WebhookDuty, webhookMonitorDuty } from "./monitor-duty.js";
export type { WebhookAction, WebhookDutyOptions } from "./monitor-duty.js";
export type { WebhookRequest } from "./signing.js";
export { DEFAULT_WEBHOOK_BACKOFF, DELIVERY_LOG_KEEP } from "../core/webhooks.js";
export type { NewDelivery, Webhook, WebhookBackoff, WebhookDelivery } from "../core/webhooks.js";
