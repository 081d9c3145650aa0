/**
 * Delivers the audit trail to webhooks, at least once (SPEC §10). `baton monitor`, `baton
 * serve` and `baton webhook deliver` each run one; any number may run on one board.
 *
 * Per hook, one round is:
 *   take the hook's delivery lease (compare-and-set on its row: a deliverer that finds it held
 *   and unexpired, or the hook backing off, leaves it alone) → read the events after the cursor
 *   → send each one the hook subscribes to, in seq order, outside any store transaction →
 *   after a 2xx, move the cursor to it (compare-and-set again, with its log entry: a deliverer
 *   that lost its lease cannot move the cursor any more, and stops) → after a failure, log it
 *   and back off (the hook's next attempt time, its lease given up, so whichever deliverer is
 *   around then retries) → give the lease up.
 * A crash between a 2xx and the cursor's move sends that event again later (at least once; the
 * receiver drops it by its webhook-id). Two fault-free deliverers never send one event twice:
 * only the lease holder sends, and it moves the cursor before it gives the lease up.
 *
 * The board is never kept waiting: the only store work is short steps of the WebhookStore and
 * reads, and a receiver's slowness only holds this hook's lease (each request has a deadline).
 */
import { hostname } from "node:os";
import { randomBytes } from "node:crypto";
import {
  advanced,
  DEFAULT_WEBHOOK_BACKOFF,
  deliveryDelayMs,
  deliveryRefusal,
  failedAttempt,
  released,
  subscribes,
  withLease,
} from "../core/webhooks.js";
import { sendWebhook } from "./sender.js";
import { signedRequest } from "./signing.js";
import type { BoardEvent } from "../core/task.js";
import type { NewDelivery, Webhook, WebhookBackoff } from "../core/webhooks.js";
import type { Store } from "../store/store.js";
import type { SendWebhook } from "./sender.js";

export interface DelivererOptions {
  /** Names this deliverer in leases (default host:pid:random). */
  id?: string;
  /** Milliseconds since the epoch (default: the store's clock, else Date.now). */
  clock?: () => number;
  /** In [0, 1), for the backoff's jitter. */
  random?: () => number;
  send?: SendWebhook;
  /** Deadline of one request (default 10 s). */
  timeoutMs?: number;
  /** How long a lease holds without news from its holder (default 60 s, at least 3 request deadlines). */
  leaseMs?: number;
  /** Events read from the audit trail at a time (default 100). */
  batchSize?: number;
  backoff?: WebhookBackoff;
  /** Told of every attempt, after it is recorded (the monitor logs a line for each). */
  onAttempt?: (hook: Webhook, delivery: NewDelivery) => void;
}

export interface DeliveryRound {
  delivered: number;
  failed: number;
  /** Hooks left alone: held by another deliverer, or backing off. */
  skipped: number;
}

export class Deliverer {
  readonly id: string;
  private readonly clock: () => Promise<number>;
  private readonly random: () => number;
  private readonly send: SendWebhook;
  private readonly timeoutMs: number;
  private readonly leaseMs: number;
  private readonly batchSize: number;
  private readonly backoff: WebhookBackoff;
  private readonly onAttempt: DelivererOptions["onAttempt"];
  private stopping = false;
  private running: Promise<void> | null = null;
  private wake: (() => void) | null = null;
  /** Hooks this deliverer is working on now: a second round of its own leaves them alone (its lease is its own). */
  private readonly busy = new Set<number>();

  constructor(
    private readonly store: Store,
    options: DelivererOptions = {},
  ) {
    this.id = options.id ?? `${hostname()}:${process.pid}:${randomBytes(3).toString("hex")}`;
    const clock = options.clock;
    this.clock = async () => (clock ? clock() : store.now ? store.now() : Date.now());
    this.random = options.random ?? Math.random;
    this.send = options.send ?? sendWebhook;
    this.timeoutMs = options.timeoutMs ?? 10_000;
    this.leaseMs = Math.max(options.leaseMs ?? 60_000, 3 * this.timeoutMs);
    this.batchSize = options.batchSize ?? 100;
    this.backoff = options.backoff ?? DEFAULT_WEBHOOK_BACKOFF;
    this.onAttempt = options.onAttempt;
  }

  /** One round over every hook (hooks in parallel: a slow receiver holds up only its own). */
  async deliverDue(): Promise<DeliveryRound> {
    const round: DeliveryRound = { delivered: 0, failed: 0, skipped: 0 };
    const hooks = await this.store.webhooks.listWebhooks();
    await Promise.all(hooks.map((hook) => this.deliverHook(hook, round)));
    return round;
  }

  /**
   * Rounds every `intervalMs` until `stop()`. A round under way finishes its current request
   * (at most one deadline) and records it before the loop ends: never half a delivery.
   */
  start(intervalMs: number, onError: (error: unknown) => void = () => undefined): void {
    if (this.running) return;
    this.stopping = false;
    this.running = (async () => {
      while (!this.stopping) {
        try {
          await this.deliverDue();
        } catch (error) {
          onError(error);
        }
        if (this.stopping) break;
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, intervalMs);
          this.wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        this.wake = null;
      }
    })();
  }

  async stop(): Promise<void> {
    this.stopping = true;
    this.wake?.();
    await this.running;
    this.running = null;
  }

  private async deliverHook(found: Webhook, round: DeliveryRound): Promise<void> {
    if (this.busy.has(found.id)) {
      round.skipped++;
      return;
    }
    this.busy.add(found.id);
    try {
      await this.deliverLeased(found, round);
    } finally {
      this.busy.delete(found.id);
    }
  }

  private async deliverLeased(found: Webhook, round: DeliveryRound): Promise<void> {
    let now = await this.clock();
    if (deliveryRefusal(found, this.id, now) !== null) {
      round.skipped++;
      return;
    }
    // Nothing after the cursor: no lease taken, no write (an idle board costs each round one read per hook).
    const [first] = await this.store.read((tx) => tx.listEvents({ afterSeq: found.cursor, limit: 1 }));
    if (!first) return;
    let hook = withLease(found, this.id, now, this.leaseMs);
    if (!(await this.store.webhooks.updateWebhook(hook, found.version))) {
      round.skipped++; // another deliverer took it first
      return;
    }
    for (;;) {
      const events = await this.store.read((tx) => tx.listEvents({ afterSeq: hook.cursor, limit: this.batchSize }));
      let handled = hook.cursor;
      for (const event of events) {
        if (this.stopping) break;
        if (!subscribes(hook, event)) {
          handled = event.seq;
          continue;
        }
        const outcome = await this.attempt(hook, event, handled);
        if (outcome.kind === "lost") return;
        hook = outcome.hook;
        if (outcome.kind === "failed") {
          round.failed++;
          return; // backing off, lease given up
        }
        round.delivered++;
        handled = event.seq;
      }
      now = await this.clock();
      if (handled > hook.cursor) {
        const next = advanced(hook, handled, this.id, now, this.leaseMs);
        if (!(await this.store.webhooks.updateWebhook(next, hook.version))) return;
        hook = next;
      }
      if (events.length < this.batchSize || this.stopping) break;
    }
    await this.store.webhooks.updateWebhook(released(hook), hook.version);
  }

  /** Sends one event and records the outcome; `handled` is the seq everything before it is handled up to. */
  private async attempt(
    hook: Webhook,
    event: BoardEvent,
    handled: number,
  ): Promise<{ kind: "delivered" | "failed"; hook: Webhook } | { kind: "lost" }> {
    const started = await this.clock();
    const result = await this.send(signedRequest(hook, event, started), this.timeoutMs);
    const now = await this.clock();
    const ok = result.error === null;
    const delivery: NewDelivery = {
      hookId: hook.id,
      seq: event.seq,
      type: event.type,
      attempt: hook.attempts + 1,
      outcome: ok ? "delivered" : "failed",
      status: result.status,
      error: result.error,
      at: new Date(now).toISOString(),
      durationMs: Math.max(0, now - started),
      redelivery: false,
    };
    const next = ok
      ? advanced(hook, event.seq, this.id, now, this.leaseMs)
      : failedAttempt(
          { ...hook, cursor: Math.max(hook.cursor, handled) },
          result.error as string,
          now,
          deliveryDelayMs(this.backoff, hook.attempts + 1, this.random()),
        );
    if (!(await this.store.webhooks.updateWebhook(next, hook.version, delivery))) return { kind: "lost" };
    this.onAttempt?.(next, delivery);
    return { kind: ok ? "delivered" : "failed", hook: next };
  }
}
