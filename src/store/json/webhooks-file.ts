/**
 * The JSON store's webhooks: `tasks.webhooks.json` beside tasks.json holds the hooks (with
 * their cursors and delivery leases), the delivery log and the next ids. Every step runs under
 * tasks.lock, as every other read and write of the board does, reads the file, and — when it
 * changed something — replaces it whole (temp file + rename; with durability=full, fsynced
 * before and the directory after), so a crash leaves the old or the new version, never a mix.
 * A file that does not parse or has the wrong shape is CORRUPT_STORE, never overwritten.
 *
 * The file is its own unit of change: no board transaction writes it, so it needs no part in
 * the journal of commit.ts. Its temp files carry the writer's pid (temp-file-sweep.ts removes
 * a dead writer's ones).
 */
import { randomBytes } from "node:crypto";
import { BatonError, ErrorCode } from "../../core/errors.js";
import { DELIVERY_LOG_KEEP } from "../../core/webhooks.js";
import { replaceFile } from "./atomic-write.js";
import { readText } from "./sidecar-files.js";
import type { NewDelivery, NewWebhook, Webhook, WebhookDelivery } from "../../core/webhooks.js";
import { deliveryFromRow, webhookFromRow } from "../webhook-rows.js";
import type { DeliveryQuery, WebhookStore } from "../store.js";
import type { DeliveryRow, WebhookRow } from "../webhook-rows.js";

interface WebhooksFile {
  next_hook_id: number;
  next_delivery_id: number;
  hooks: WebhookRow[];
  deliveries: DeliveryRow[];
}

const EMPTY: WebhooksFile = { next_hook_id: 1, next_delivery_id: 1, hooks: [], deliveries: [] };
const SHAPE = '{"next_hook_id":1,"next_delivery_id":1,"hooks":[],"deliveries":[]}';

/** Runs `fn` holding the board's lock (JsonStore's own queue and tasks.lock). */
export type UnderBoardLock = <T>(fn: () => T) => Promise<T>;

export class JsonWebhooks implements WebhookStore {
  constructor(
    private readonly path: string,
    private readonly durable: boolean,
    private readonly underLock: UnderBoardLock,
  ) {}

  addWebhook(hook: NewWebhook): Promise<Webhook> {
    return this.change((file) => {
      const record: WebhookRow = {
        id: file.next_hook_id++,
        url: hook.url,
        events: [...hook.events],
        secret: hook.secret,
        created_at: hook.createdAt,
        cursor: hook.cursor,
        attempts: 0,
        next_attempt_at: null,
        last_error: null,
        lease_holder: null,
        lease_expires_at: null,
        version: 1,
      };
      file.hooks.push(record);
      return { result: webhookFromRow(record), changed: true };
    });
  }

  getWebhook(id: number): Promise<Webhook | undefined> {
    return this.look((file) => {
      const record = file.hooks.find((h) => h.id === id);
      return record && webhookFromRow(record);
    });
  }

  listWebhooks(): Promise<Webhook[]> {
    return this.look((file) => file.hooks.map(webhookFromRow).sort((a, b) => a.id - b.id));
  }

  removeWebhook(id: number): Promise<boolean> {
    return this.change((file) => {
      const before = file.hooks.length;
      file.hooks = file.hooks.filter((h) => h.id !== id);
      if (file.hooks.length === before) return { result: false, changed: false };
      file.deliveries = file.deliveries.filter((d) => d.hook_id !== id);
      return { result: true, changed: true };
    });
  }

  updateWebhook(next: Webhook, expectedVersion: number, delivery?: NewDelivery): Promise<boolean> {
    return this.change((file) => {
      const i = file.hooks.findIndex((h) => h.id === next.id);
      if (i < 0 || file.hooks[i]?.version !== expectedVersion) return { result: false, changed: false };
      file.hooks[i] = recordOf(next);
      if (delivery) appendTo(file, delivery);
      return { result: true, changed: true };
    });
  }

  appendDelivery(delivery: NewDelivery): Promise<boolean> {
    return this.change((file) => {
      if (!file.hooks.some((h) => h.id === delivery.hookId)) return { result: false, changed: false };
      appendTo(file, delivery);
      return { result: true, changed: true };
    });
  }

  listDeliveries(query: DeliveryQuery): Promise<WebhookDelivery[]> {
    return this.look((file) => {
      const mine = file.deliveries.filter((d) => query.hookId === undefined || d.hook_id === query.hookId);
      return (query.limit === undefined ? mine : mine.slice(Math.max(0, mine.length - query.limit))).map(deliveryFromRow);
    });
  }

  private look<T>(fn: (file: WebhooksFile) => T): Promise<T> {
    return this.underLock(() => fn(this.read()));
  }

  private change<T>(fn: (file: WebhooksFile) => { result: T; changed: boolean }): Promise<T> {
    return this.underLock(() => {
      const file = this.read();
      const { result, changed } = fn(file);
      if (changed) {
        const temp = `${this.path}.${process.pid}-${randomBytes(4).toString("hex")}.tmp`;
        replaceFile(this.path, temp, `${JSON.stringify(file, null, 2)}\n`, this.durable);
      }
      return result;
    });
  }

  private read(): WebhooksFile {
    const text = readText(this.path);
    if (text === null) return structuredClone(EMPTY);
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (error) {
      throw this.corrupt(`it is not valid JSON (${(error as Error).message})`);
    }
    const v = value as Partial<WebhooksFile> | null;
    const whole = (x: unknown): boolean => typeof x === "number" && Number.isInteger(x) && x >= 1;
    if (
      typeof v !== "object" || v === null || Array.isArray(v) ||
      !whole(v.next_hook_id) || !whole(v.next_delivery_id) || !Array.isArray(v.hooks) || !Array.isArray(v.deliveries)
    ) {
      throw this.corrupt("it lacks next_hook_id, next_delivery_id, hooks or deliveries");
    }
    for (const hook of v.hooks) {
      if (typeof hook !== "object" || hook === null || !whole(hook.id) || typeof hook.url !== "string" ||
          !Array.isArray(hook.events) || typeof hook.secret !== "string" || !whole(hook.version) ||
          typeof hook.cursor !== "number") {
        throw this.corrupt(`hook ${JSON.stringify((hook as { id?: unknown } | null)?.id)} lacks id, url, events, secret, cursor or version`);
      }
    }
    return v as WebhooksFile;
  }

  private corrupt(problem: string): BatonError {
    return new BatonError(
      ErrorCode.CORRUPT_STORE,
      `${this.path} is invalid: ${problem} (expected ${SHAPE}). baton left it untouched: fix or restore it by hand`,
      { location: this.path },
    );
  }
}

function appendTo(file: WebhooksFile, d: NewDelivery): void {
  file.deliveries.push({
    id: file.next_delivery_id++,
    hook_id: d.hookId,
    seq: d.seq,
    type: d.type,
    attempt: d.attempt,
    outcome: d.outcome,
    status: d.status,
    error: d.error,
    at: d.at,
    duration_ms: d.durationMs,
    redelivery: d.redelivery,
  });
  const mine = file.deliveries.filter((e) => e.hook_id === d.hookId);
  if (mine.length > DELIVERY_LOG_KEEP) {
    const oldest = new Set(mine.slice(0, mine.length - DELIVERY_LOG_KEEP).map((e) => e.id));
    file.deliveries = file.deliveries.filter((e) => !oldest.has(e.id));
  }
}

function recordOf(h: Webhook): WebhookRow {
  return {
    id: h.id,
    url: h.url,
    events: [...h.events],
    secret: h.secret,
    created_at: h.createdAt,
    cursor: h.cursor,
    attempts: h.attempts,
    next_attempt_at: h.nextAttemptAt,
    last_error: h.lastError,
    lease_holder: h.leaseHolder,
    lease_expires_at: h.leaseExpiresAt,
    version: h.version,
  };
}

