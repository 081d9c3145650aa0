/**
 * One watcher of the audit trail per server, fanned out to every stream client: 50 clients
 * cost one poll of the store, not 50. Listeners are called synchronously in seq order; a
 * subscriber learns the seq the watcher had reached when it joined, so it can read what came
 * before from the audit trail and take the rest from here with nothing missed.
 */
import type { Board } from "../board.js";
import type { BoardEvent } from "../core/task.js";

export type EventListener = (event: BoardEvent) => void;

export interface Subscription {
  /** Every event after this seq reaches the listener. */
  position: number;
  unsubscribe(): void;
}

export class EventFanout {
  private readonly listeners = new Set<EventListener>();
  private readonly abort = new AbortController();
  private started: Promise<void> | null = null;
  private seq = 0;

  constructor(
    private readonly board: Board,
    /**
     * How often the watcher polls a store without push (SQLite, JSON). 20 ms: one cheap read
     * (~0.05 ms on SQLite) 50 times a second, for a commit-to-client delay well under 100 ms.
     */
    private readonly pollMs = 20,
    private readonly log: (message: string) => void = () => {},
  ) {}

  /** The seq of the newest event the watcher has delivered. */
  get head(): number {
    return this.seq;
  }

  async subscribe(listener: EventListener): Promise<Subscription> {
    await this.start();
    // Joined and positioned in one synchronous step: no event can fall between the two.
    this.listeners.add(listener);
    return { position: this.seq, unsubscribe: () => this.listeners.delete(listener) };
  }

  private start(): Promise<void> {
    this.started ??= (async () => {
      this.seq = (await this.board.audit({ recent: 1 }))[0]?.seq ?? 0;
      void this.watch();
    })().catch((error: unknown) => {
      // The store was unreachable: this subscriber is refused, the next one tries again.
      this.started = null;
      throw error;
    });
    return this.started;
  }

  /** Watches until closed; a failing store read (an outage) is retried from the same seq. */
  private async watch(): Promise<void> {
    while (!this.abort.signal.aborted) {
      try {
        for await (const event of this.board.watch({ afterSeq: this.seq, pollMs: this.pollMs, signal: this.abort.signal })) {
          this.seq = event.seq;
          for (const listener of this.listeners) listener(event);
        }
      } catch (error) {
        this.log(`baton serve: the event watcher failed, retrying in 1 s: ${error instanceof Error ? error.message : String(error)}`);
        await new Promise((resolve) => setTimeout(resolve, 1000));
      }
    }
  }

  close(): void {
    this.abort.abort();
    this.listeners.clear();
  }
}
