/**
 * The page's one live connection: GET /api/events/stream (SSE). Every view listens here
 * instead of opening its own. The browser's EventSource resumes a dropped stream with
 * Last-Event-ID by itself; when it gives up (the server answered an error while restarting)
 * we open a new one with `?after=<last seq seen>`, so a reconnect never skips or repeats an
 * event, and events are handed on at most once each, in seq order.
 */
import type { WireEvent } from "./api.js";

export type StreamState = "connecting" | "live" | "disconnected";

type EventListener = (event: WireEvent) => void;
type StateListener = (state: StreamState) => void;

const RECONNECT_MS = 1000;

export class LiveStream {
  private source: EventSource | null = null;
  private lastSeq = 0;
  private state: StreamState = "connecting";
  private readonly eventListeners = new Set<EventListener>();
  private readonly stateListeners = new Set<StateListener>();
  private resyncListeners = new Set<() => void>();
  private retryTimer: ReturnType<typeof setTimeout> | null = null;

  constructor(private readonly path = "/api/events/stream") {}

  get lastSeen(): number {
    return this.lastSeq;
  }

  /** Starts after `seq` (the newest event the page already loaded); 0 = from now on. */
  start(afterSeq: number): void {
    this.lastSeq = Math.max(this.lastSeq, afterSeq);
    this.open();
  }

  onEvent(listener: EventListener): () => void {
    this.eventListeners.add(listener);
    return () => this.eventListeners.delete(listener);
  }

  onState(listener: StateListener): () => void {
    this.stateListeners.add(listener);
    listener(this.state);
    return () => this.stateListeners.delete(listener);
  }

  /** The server said this page fell too far behind: views must reload what they show. */
  onResync(listener: () => void): () => void {
    this.resyncListeners.add(listener);
    return () => this.resyncListeners.delete(listener);
  }

  private open(): void {
    this.source?.close();
    const url = `${this.path}?after=${this.lastSeq}`;
    const source = new EventSource(url, { withCredentials: true });
    this.source = source;
    source.onopen = () => this.setState("live");
    source.onmessage = (message) => this.deliver(message);
    source.addEventListener("resync", (message) => {
      const seq = Number((message as MessageEvent<string>).lastEventId);
      if (Number.isSafeInteger(seq)) this.lastSeq = seq;
      for (const listener of this.resyncListeners) listener();
    });
    source.onerror = () => {
      this.setState("disconnected");
      if (source.readyState === EventSource.CLOSED) this.scheduleReopen();
    };
  }

  private scheduleReopen(): void {
    if (this.retryTimer) return;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      this.open();
    }, RECONNECT_MS);
  }

  private deliver(message: MessageEvent<string>): void {
    let event: WireEvent;
    try {
      event = JSON.parse(message.data) as WireEvent;
    } catch {
      return;
    }
    if (!Number.isSafeInteger(event.seq) || event.seq <= this.lastSeq) return;
    this.lastSeq = event.seq;
    this.setState("live");
    for (const listener of this.eventListeners) listener(event);
  }

  private setState(state: StreamState): void {
    if (state === this.state) return;
    this.state = state;
    for (const listener of this.stateListeners) listener(state);
  }
}

export const stream = new LiveStream();
