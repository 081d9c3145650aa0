/**
 * Webhooks (SPEC §10) as the domain sees them: a hook, its cursor into the audit trail, the
 * delivery lease that keeps two deliverers from sending the same event, the backoff after a
 * failed attempt, and the checks on what a person configures. Pure: time is passed in.
 *
 * A hook's cursor is the seq of the last event it has handled (delivered, or not one of its
 * types). Every write to a hook row is compare-and-set on `version`, so a deliverer whose lease
 * was taken over (it stalled past `leaseExpiresAt`) cannot move the cursor any more: fenced
 * like a task's lease token.
 */
import { invalidInput } from "./errors.js";
import { EVENT_TYPES } from "./task.js";
import type { BoardEvent, EventType } from "./task.js";

export interface Webhook {
  /** Numbered from 1 on each board, never reused. */
  id: number;
  url: string;
  events: EventType[];
  /** Standard Webhooks secret (`whsec_` + base64); never printed. */
  secret: string;
  createdAt: string;
  /** Seq of the last event handled; the next delivery is the first matching event after it. */
  cursor: number;
  /** Failed attempts in a row at the event after the cursor (0 after a success). */
  attempts: number;
  /** No attempt before this time (backoff); null: due now. */
  nextAttemptAt: string | null;
  lastError: string | null;
  /** The deliverer sending this hook's events now, until `leaseExpiresAt`. */
  leaseHolder: string | null;
  leaseExpiresAt: string | null;
  /** Rises by one at every write; every write is compare-and-set on it. */
  version: number;
}

export type NewWebhook = Pick<Webhook, "url" | "events" | "secret" | "createdAt" | "cursor">;

export const DeliveryOutcome = {
  delivered: "delivered",
  failed: "failed",
} as const;
export type DeliveryOutcome = (typeof DeliveryOutcome)[keyof typeof DeliveryOutcome];

/** One attempt to send one event to one hook, as the delivery log keeps it. */
export interface WebhookDelivery {
  /** Numbered across the board's log, oldest first. */
  id: number;
  hookId: number;
  seq: number;
  type: EventType;
  /** 1 for the first attempt at this event, then 2, 3… (a redelivery counts as 1). */
  attempt: number;
  outcome: DeliveryOutcome;
  /** The receiver's HTTP status, or null when none came back (refused, timed out). */
  status: number | null;
  error: string | null;
  at: string;
  durationMs: number;
  /** Sent by hand (`webhook redeliver`), not by a deliverer; the cursor did not move. */
  redelivery: boolean;
}

export type NewDelivery = Omit<WebhookDelivery, "id">;

/** Entries each hook's log keeps; older ones are dropped as new ones come (all stores alike). */
export const DELIVERY_LOG_KEEP = 1000;

export interface WebhookBackoff {
  baseMs: number;
  multiplier: number;
  maxMs: number;
  /** ± this fraction of the delay, so deliverers restarted together do not retry in step. */
  jitter: number;
}

/** 1 s, 2 s, 4 s … capped at 1 h, ±20 %: a receiver down for a day gets ~30 tries an hour at first, then one. */
export const DEFAULT_WEBHOOK_BACKOFF: WebhookBackoff = { baseMs: 1000, multiplier: 2, maxMs: 3_600_000, jitter: 0.2 };

/** Delay after the `attempts`-th failure in a row; `random` is in [0, 1). */
export function deliveryDelayMs(backoff: WebhookBackoff, attempts: number, random: number): number {
  const base = Math.min(backoff.maxMs, backoff.baseMs * backoff.multiplier ** Math.max(0, attempts - 1));
  return Math.max(0, Math.round(base + base * backoff.jitter * (2 * random - 1)));
}

export function subscribes(hook: Pick<Webhook, "events">, event: Pick<BoardEvent, "type">): boolean {
  return hook.events.includes(event.type);
}

/** Why `holder` may not deliver this hook at `nowMs`, or null when it may. */
export function deliveryRefusal(hook: Webhook, holder: string, nowMs: number): "leased" | "backing-off" | null {
  if (hook.leaseHolder !== null && hook.leaseHolder !== holder && Date.parse(hook.leaseExpiresAt ?? "") > nowMs) {
    return "leased";
  }
  if (hook.nextAttemptAt !== null && Date.parse(hook.nextAttemptAt) > nowMs) return "backing-off";
  return null;
}

/** The hook with its delivery lease taken (or renewed) by `holder` until nowMs + leaseMs. */
export function withLease(hook: Webhook, holder: string, nowMs: number, leaseMs: number): Webhook {
  return { ...hook, leaseHolder: holder, leaseExpiresAt: new Date(nowMs + leaseMs).toISOString(), version: hook.version + 1 };
}

/** The hook once events up to `seq` are handled: the cursor moves, failures are forgotten. */
export function advanced(hook: Webhook, seq: number, holder: string, nowMs: number, leaseMs: number): Webhook {
  return { ...withLease(hook, holder, nowMs, leaseMs), cursor: Math.max(hook.cursor, seq), attempts: 0, nextAttemptAt: null, lastError: null };
}

/** The hook after a failed attempt: backing off, its lease given up so any deliverer may retry. */
export function failedAttempt(hook: Webhook, error: string, nowMs: number, delayMs: number): Webhook {
  return {
    ...hook,
    attempts: hook.attempts + 1,
    nextAttemptAt: new Date(nowMs + delayMs).toISOString(),
    lastError: error,
    leaseHolder: null,
    leaseExpiresAt: null,
    version: hook.version + 1,
  };
}

export function released(hook: Webhook): Webhook {
  return { ...hook, leaseHolder: null, leaseExpiresAt: null, version: hook.version + 1 };
}

// ── what a person configures ─────────────────────────────────────────────────────────────

const MAX_URL_LENGTH = 2048;

/**
 * A receiver's URL: http or https, a host, no user name or password (they would be shown by
 * `webhook list` and sent on every request), no fragment (never sent).
 */
export function checkWebhookUrl(text: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw invalidInput(`${JSON.stringify(text)} is not a URL; give the receiver's full address, e.g. https://example.com/hooks/baton`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw invalidInput(`a webhook URL must start with http:// or https://, not ${url.protocol}//; give the receiver's HTTP address`);
  }
  if (url.hostname === "") throw invalidInput(`the webhook URL ${text} has no host`);
  if (url.username !== "" || url.password !== "") {
    throw invalidInput("a webhook URL must not carry a user name or password: receivers check the signature instead (--secret-file)");
  }
  if (url.hash !== "") throw invalidInput(`the webhook URL ${text} has a #fragment, which is never sent; leave it out`);
  if (text.length > MAX_URL_LENGTH) throw invalidInput(`a webhook URL is at most ${MAX_URL_LENGTH} characters`);
  return url.href;
}

/** Event type names, comma-separated or as a list; each must be one of EVENT_TYPES, none twice. */
export function checkWebhookEvents(names: readonly string[]): EventType[] {
  const types = names.map((n) => n.trim()).filter((n) => n !== "");
  if (types.length === 0) throw invalidInput(`say which events to deliver: --events FAILED,POISON_PILL (any of ${EVENT_TYPES.join(", ")})`);
  const unknown = types.filter((t) => !(EVENT_TYPES as readonly string[]).includes(t));
  if (unknown.length > 0) {
    throw invalidInput(`unknown event type ${unknown.join(", ")}; the types are ${EVENT_TYPES.join(", ")}`);
  }
  return [...new Set(types)] as EventType[];
}

const SECRET_PREFIX = "whsec_";
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

/**
 * A Standard Webhooks secret: `whsec_` and the base64 of 24 to 64 random bytes (the standard's
 * range). `where` names the file in messages; the secret itself is never repeated.
 */
export function checkWebhookSecret(text: string, where: string): string {
  const secret = text.trim();
  const body = secret.startsWith(SECRET_PREFIX) ? secret.slice(SECRET_PREFIX.length) : secret;
  const bytes = BASE64.test(body) && body.length % 4 === 0 ? Math.floor((body.length * 3) / 4) - (body.match(/=+$/)?.[0].length ?? 0) : -1;
  if (bytes < 24 || bytes > 64) {
    throw invalidInput(
      `${where} does not hold a Standard Webhooks secret (whsec_ and the base64 of 24-64 random bytes); ` +
        `make one with: echo "whsec_$(openssl rand -base64 32)" > ${where}`,
    );
  }
  return `${SECRET_PREFIX}${body}`;
}

export function checkWebhookId(text: string): number {
  const id = Number(text);
  if (!/^[0-9]+$/.test(text) || !Number.isSafeInteger(id) || id < 1) {
    throw invalidInput(`${JSON.stringify(text)} is not a webhook id; ids are whole numbers from 1 (see \`baton webhook list\`)`);
  }
  return id;
}
