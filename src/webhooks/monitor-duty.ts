/**
 * Webhook delivery as a duty of a long-running process (`baton monitor`'s duty list, `baton
 * serve`): each tick starts a delivery round unless one is still under way, waits for it at
 * most `tickBudgetMs`, and reports every attempt recorded since the last tick as one action. A
 * hanging receiver therefore never holds up the process's other duties (heal runs on time),
 * and `drain()` at shutdown waits for the round in flight, so no delivery is left half done
 * (sent but not recorded).
 */
import { Deliverer } from "./deliverer.js";
import type { DelivererOptions } from "./deliverer.js";
import type { NewDelivery } from "../core/webhooks.js";
import type { Store } from "../store/store.js";

/** One thing the duty did, in the shape of the monitor's log lines. */
export interface WebhookAction {
  duty: "webhooks";
  /** delivered, failed, or error (a round that could not run: the store was unreachable). */
  action: "delivered" | "failed" | "error";
  detail: string;
  taskId?: string;
}

export interface WebhookDutyOptions extends Omit<DelivererOptions, "onAttempt"> {
  /** How long a tick waits for its round before moving on (default 1 s). */
  tickBudgetMs?: number;
}

export class WebhookDuty {
  readonly name = "webhooks";
  private readonly deliverer: Deliverer;
  private readonly tickBudgetMs: number;
  private readonly done: WebhookAction[] = [];
  private round: Promise<void> | null = null;

  constructor(store: Store, options: WebhookDutyOptions = {}) {
    const { tickBudgetMs, ...delivery } = options;
    this.tickBudgetMs = tickBudgetMs ?? 1000;
    this.deliverer = new Deliverer(store, { ...delivery, onAttempt: (_hook, d) => this.done.push(actionOf(d)) });
  }

  /** Starts a round if none is under way; returns the attempts recorded since the last call. */
  async run(): Promise<WebhookAction[]> {
    if (!this.round) {
      this.round = this.deliverer.deliverDue().then(
        () => undefined,
        (error: unknown) => {
          this.done.push({ duty: "webhooks", action: "error", detail: error instanceof Error ? error.message : String(error) });
        },
      );
      const round = this.round;
      void round.finally(() => {
        if (this.round === round) this.round = null;
      });
    }
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([this.round, new Promise<void>((resolve) => (timer = setTimeout(resolve, this.tickBudgetMs)))]);
    clearTimeout(timer);
    return this.done.splice(0);
  }

  /** Waits for the round under way (at most one request deadline) and returns what it recorded. */
  async drain(): Promise<WebhookAction[]> {
    await this.round;
    return this.done.splice(0);
  }
}

function actionOf(d: NewDelivery): WebhookAction {
  const what = `webhook ${d.hookId}: event ${d.seq} ${d.type}, attempt ${d.attempt}`;
  return d.outcome === "delivered"
    ? { duty: "webhooks", action: "delivered", detail: `${what}: delivered (${d.status}, ${d.durationMs} ms)` }
    : { duty: "webhooks", action: "failed", detail: `${what}: failed: ${d.error}` };
}

/**
 * The duty for a loop that hands each duty its board on every tick (`baton monitor`'s duty
 * list): the WebhookDuty is made on the first tick, for that board's store.
 */
export function webhookMonitorDuty(options: WebhookDutyOptions = {}): {
  name: "webhooks";
  run(board: { store: Store }): Promise<WebhookAction[]>;
  drain(): Promise<WebhookAction[]>;
} {
  let duty: WebhookDuty | undefined;
  return {
    name: "webhooks",
    run: (board) => (duty ??= new WebhookDuty(board.store, options)).run(),
    drain: async () => (duty ? duty.drain() : []),
  };
}
