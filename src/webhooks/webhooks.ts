/**
 * The library's webhook operations (SPEC §10): add, list, remove, the delivery log and a
 * redelivery by hand. Input is checked here once (core/webhooks.ts); the store keeps rows.
 * Delivery itself is the Deliverer's (deliverer.ts).
 */
import { BatonError, ErrorCode, invalidInput } from "../core/errors.js";
import { checkWebhookEvents, checkWebhookSecret, checkWebhookUrl, subscribes } from "../core/webhooks.js";
import { sendWebhook } from "./sender.js";
import { signedRequest } from "./signing.js";
import type { NewDelivery, Webhook, WebhookDelivery } from "../core/webhooks.js";
import type { Store } from "../store/store.js";
import type { SendWebhook } from "./sender.js";

export interface AddWebhookInput {
  url: string;
  /** Event type names (core/task.ts EVENT_TYPES). */
  events: readonly string[];
  /** A Standard Webhooks secret: whsec_ and base64. */
  secret: string;
  /** Names where the secret came from in messages (a file name); never the secret itself. */
  secretSource?: string;
}

export interface WebhooksOptions {
  clock?: () => number;
  send?: SendWebhook;
  timeoutMs?: number;
}

export class Webhooks {
  private readonly send: SendWebhook;
  private readonly timeoutMs: number;

  constructor(
    private readonly store: Store,
    private readonly options: WebhooksOptions = {},
  ) {
    this.send = options.send ?? sendWebhook;
    this.timeoutMs = options.timeoutMs ?? 10_000;
  }

  private async now(): Promise<number> {
    if (this.options.clock) return this.options.clock();
    return this.store.now ? this.store.now() : Date.now();
  }

  /** A new hook, delivering the events that come after this moment (its cursor is the newest seq now). */
  async add(input: AddWebhookInput): Promise<Webhook> {
    const url = checkWebhookUrl(input.url);
    const events = checkWebhookEvents(input.events);
    const secret = checkWebhookSecret(input.secret, input.secretSource ?? "the secret");
    const [newest] = await this.store.read((tx) => tx.listEvents({ recent: 1 }));
    return this.store.webhooks.addWebhook({
      url,
      events,
      secret,
      createdAt: new Date(await this.now()).toISOString(),
      cursor: newest?.seq ?? 0,
    });
  }

  list(): Promise<Webhook[]> {
    return this.store.webhooks.listWebhooks();
  }

  async get(id: number): Promise<Webhook> {
    const hook = await this.store.webhooks.getWebhook(id);
    if (!hook) throw noSuchHook(id);
    return hook;
  }

  async remove(id: number): Promise<void> {
    if (!(await this.store.webhooks.removeWebhook(id))) throw noSuchHook(id);
  }

  /** The newest `limit` log entries (of one hook, or all), oldest first. */
  async log(query: { hookId?: number; limit?: number } = {}): Promise<WebhookDelivery[]> {
    if (query.hookId !== undefined) await this.get(query.hookId);
    return this.store.webhooks.listDeliveries(query);
  }

  /**
   * Sends event `seq` to the hook once more, now, with the same webhook-id; logged as a
   * redelivery. The cursor does not move (the deliverers' work is untouched).
   */
  async redeliver(id: number, seq: number): Promise<NewDelivery> {
    const hook = await this.get(id);
    const [event] = await this.store.read((tx) => tx.listEvents({ afterSeq: seq - 1, limit: 1 }));
    if (!event || event.seq !== seq) {
      throw new BatonError(ErrorCode.NOT_FOUND, `no event ${seq} in the audit trail (see \`baton audit\`)`, { seq });
    }
    if (!subscribes(hook, event)) {
      throw invalidInput(`event ${seq} is ${event.type}, which webhook ${id} does not deliver (it delivers ${hook.events.join(", ")})`);
    }
    const started = await this.now();
    const result = await this.send(signedRequest(hook, event, started), this.timeoutMs);
    const now = await this.now();
    const delivery: NewDelivery = {
      hookId: id,
      seq,
      type: event.type,
      attempt: 1,
      outcome: result.error === null ? "delivered" : "failed",
      status: result.status,
      error: result.error,
      at: new Date(now).toISOString(),
      durationMs: Math.max(0, now - started),
      redelivery: true,
    };
    if (!(await this.store.webhooks.appendDelivery(delivery))) throw noSuchHook(id);
    return delivery;
  }
}

function noSuchHook(id: number): BatonError {
  return new BatonError(ErrorCode.NOT_FOUND, `no webhook ${id} on this board (see \`baton webhook list\`)`, { webhookId: id });
}
