/**
 * One watcher, many listeners: a hub reads a board's new events once (one poll loop, or one
 * LISTEN on a store that pushes) and hands them to every subscriber, each in seq order, each
 * event exactly once.
 *
 *   const hub = new EventHub(store);
 *   for await (const event of hub.events({ afterSeq: 41 })) …   // 42, 43, … then live
 *   await hub.close();                                           // ends every subscription
 *
 * A subscriber (an async generator; it subscribes on its first next()) starts where it asks (`afterSeq`, e.g. an HTTP stream resuming from
 * Last-Event-ID; default: from now on). Until it has caught up with the hub it reads what it
 * missed from the store itself, page by page, as fast as it consumes them; then it joins the
 * hub and gets pushed events. A slow subscriber never stalls the others: pushed events wait in
 * its own buffer, and when that buffer passes `bufferLimit` the hub drops the buffer and tells
 * the subscriber (`onBehind`), which then reads from the store again from its last event,
 * so nothing is skipped, only fetched later.
 *
 * No event is lost between a read and a push: a push from the store (NOTIFY) that arrives
 * while the hub reads marks it `poked` and the hub reads once more before it sleeps (a lost
 * wake-up here stalled a watcher for its whole poll interval, 1 run in 3 of the 16-process
 * watch test). A subscriber joins only when its own read has reached the last event the hub
 * pushed, checked synchronously, so every later event comes by push.
 */
import type { BoardEvent } from "../core/task.js";
import type { Store } from "../store/store.js";

export interface HubOptions {
  /** Events buffered for one subscriber before it must read from the store itself. Default 10,000. */
  bufferLimit?: number;
}

export interface SubscribeOptions {
  /** Only events with seq greater than this. Default: the newest seq now (events from now on). */
  afterSeq?: number;
  /**
   * Poll period when the store has no push channel. Default 200 ms; the hub polls at the
   * shortest period any of its subscribers asks for.
   */
  pollMs?: number;
  /** Ends the subscription (the iterator returns). */
  signal?: AbortSignal;
  /** Called when this subscriber fell more than bufferLimit events behind (see the file comment). */
  onBehind?: (lastSeq: number) => void;
}

const DEFAULT_POLL_MS = 200;

/** Events per store read (the hub's and a catching-up subscriber's). */
const PAGE = 1000;

interface Subscriber {
  /** Joined: gets pushed events. Else it reads from the store until it catches up. */
  live: boolean;
  buffer: BoardEvent[];
  failure: { error: unknown } | null;
  wake: () => void;
  onBehind: ((lastSeq: number) => void) | undefined;
  pollMs: number;
  /** The last seq this subscriber yielded, so pushes that overlap its own reads are dropped. */
  last: number;
}

export class EventHub {
  private readonly bufferLimit: number;
  private readonly subscribers = new Set<Subscriber>();
  /** The seq of the last event the hub pushed (or the newest when it started); undefined while stopped. */
  private head: number | undefined;
  private running: Promise<void> | null = null;
  private wakeLoop: (() => void) | null = null;
  private closed = false;

  constructor(
    private readonly store: Store,
    options: HubOptions = {},
  ) {
    this.bufferLimit = options.bufferLimit ?? 10_000;
  }

  /** Events after `afterSeq` as they commit, until `signal` aborts or the hub closes. */
  async *events(options: SubscribeOptions = {}): AsyncGenerator<BoardEvent> {
    if (this.closed) return;
    const signal = options.signal;
    const sub: Subscriber = {
      live: false,
      buffer: [],
      failure: null,
      wake: () => {},
      onBehind: options.onBehind,
      pollMs: options.pollMs ?? DEFAULT_POLL_MS,
      last: options.afterSeq ?? (await this.latestSeq()),
    };
    let woken = false;
    let resolveWait: (() => void) | null = null;
    sub.wake = () => {
      woken = true;
      resolveWait?.();
    };
    const sleep = async (): Promise<void> => {
      if (!woken) await new Promise<void>((resolve) => (resolveWait = resolve));
      resolveWait = null;
      woken = false;
    };
    signal?.addEventListener("abort", sub.wake);
    this.subscribers.add(sub);
    this.start();
    try {
      while (!signal?.aborted && !this.closed) {
        if (sub.failure) throw sub.failure.error;
        if (sub.live) {
          const batch = sub.buffer;
          sub.buffer = [];
          for (const event of batch) {
            if (event.seq <= sub.last) continue;
            sub.last = event.seq;
            yield event;
            if (signal?.aborted || this.closed) return;
          }
          if (sub.buffer.length === 0 && sub.live && !sub.failure) await sleep();
          continue;
        }
        woken = false;
        const page = await this.store.read((tx) => tx.listEvents({ afterSeq: sub.last, limit: PAGE }));
        for (const event of page) {
          sub.last = event.seq;
          yield event;
          if (signal?.aborted || this.closed) return;
        }
        if (page.length === PAGE) continue;
        // Synchronous from here to `live = true`: no push can slip between the check and the join.
        if (this.head === undefined) {
          // The hub is starting: it wakes every subscriber once it knows where it is.
          await sleep();
        } else if (sub.last >= this.head) {
          sub.live = true;
          sub.buffer = [];
        }
        // Else the hub pushed past our read meanwhile: read again.
      }
    } finally {
      signal?.removeEventListener("abort", sub.wake);
      this.subscribers.delete(sub);
    }
  }

  /** Ends every subscription and stops the hub's loop. */
  async close(): Promise<void> {
    this.closed = true;
    for (const sub of this.subscribers) sub.wake();
    this.wakeLoop?.();
    await this.running;
  }

  private latestSeq(): Promise<number> {
    return this.store.read(async (tx) => (await tx.listEvents({ recent: 1 }))[0]?.seq ?? 0);
  }

  private start(): void {
    if (this.running || this.closed) return;
    this.running = this.loop()
      .catch((error: unknown) => {
        for (const sub of this.subscribers) {
          sub.failure = { error };
          sub.wake();
        }
      })
      .finally(() => {
        this.running = null;
        this.head = undefined;
        // A subscriber that came while the loop was winding down still needs one.
        if (this.subscribers.size > 0 && !this.subscribersAllFailed()) this.start();
      });
  }

  private subscribersAllFailed(): boolean {
    return [...this.subscribers].every((s) => s.failure !== null);
  }

  private async loop(): Promise<void> {
    let poked = false;
    const poke = (): void => {
      poked = true;
      this.wakeLoop?.();
    };
    const unsubscribe = this.store.subscribe ? await this.store.subscribe(poke) : null;
    try {
      let head = await this.latestSeq();
      this.head = head;
      this.wakeAll();
      while (this.subscribers.size > 0 && !this.closed) {
        poked = false;
        const events = await this.store.read((tx) => tx.listEvents({ afterSeq: head, limit: PAGE }));
        if (events.length > 0) {
          head = (events[events.length - 1] as BoardEvent).seq;
          this.head = head;
          this.push(events);
        }
        if (events.length === PAGE || poked) continue;
        await new Promise<void>((resolve) => {
          const pollMs = Math.min(...[...this.subscribers].map((s) => s.pollMs));
          const timer = setTimeout(resolve, pollMs);
          this.wakeLoop = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        this.wakeLoop = null;
      }
    } finally {
      this.head = undefined;
      await unsubscribe?.();
    }
  }

  /** Hands `events` to every joined subscriber; one too far behind is dropped back to reading. */
  private push(events: readonly BoardEvent[]): void {
    for (const sub of this.subscribers) {
      if (sub.live) {
        if (sub.buffer.length + events.length > this.bufferLimit) {
          sub.live = false;
          sub.buffer = [];
          sub.onBehind?.(sub.last);
        } else {
          for (const event of events) sub.buffer.push(event);
        }
      }
      sub.wake();
    }
  }

  private wakeAll(): void {
    for (const sub of this.subscribers) sub.wake();
  }
}
