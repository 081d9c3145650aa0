/**
 * GET /api/events/stream: Server-Sent Events, each event's `id` its audit seq. A client
 * resuming with Last-Event-ID (or ?after=SEQ) first reads what it missed from the audit
 * trail, then takes live events from the server's one watcher (src/http/event-fanout.ts):
 * every event once, in seq order. A client that reads too slowly has its buffer dropped and
 * catches up from the audit trail; one that falls more than `resyncAfter` events behind is
 * sent an explicit `resync` event (with the seqs it skips) instead of silently missing them.
 */
import { eventToWire } from "../../core/wire-shape.js";
import { checkQuery, intParam } from "../input.js";
import { SECURITY_HEADERS } from "../route.js";
import { eventFilter } from "./records.js";
import type { BoardEvent } from "../../core/task.js";
import type { Subscription } from "../event-fanout.js";
import type { EventFilter } from "./records.js";
import type { Route, RouteContext } from "../route.js";

const BACKFILL_PAGE = 500;
const encoder = new TextEncoder();

export const streamRoutes: Route[] = [
  {
    method: "GET",
    path: "/api/events/stream",
    access: "read",
    async run(ctx) {
      checkQuery(ctx.query, ["task", "agent", "type", "after"]);
      const filter = eventFilter(ctx.query);
      const lastEventId = ctx.headers("last-event-id");
      const after =
        intParam("Last-Event-ID", lastEventId?.trim() || undefined, 0, Number.MAX_SAFE_INTEGER) ??
        intParam("after", ctx.query.after, 0, Number.MAX_SAFE_INTEGER);
      const client = new StreamClient(ctx, filter, after);
      return new Response(client.body, {
        headers: {
          "content-type": "text/event-stream; charset=utf-8",
          "cache-control": "no-cache, no-transform",
          // nginx buffers proxied responses unless told not to (docs/http.md).
          "x-accel-buffering": "no",
          ...SECURITY_HEADERS,
        },
      });
    },
  },
];

function matches(event: BoardEvent, filter: EventFilter): boolean {
  return (
    (filter.taskId === undefined || event.taskId === filter.taskId) &&
    (filter.agent === undefined || event.agentId === filter.agent) &&
    (filter.type === undefined || event.type === filter.type)
  );
}

class StreamClient {
  readonly body: ReadableStream<Uint8Array>;
  private controller!: ReadableStreamDefaultController<Uint8Array>;
  private queue: BoardEvent[] = [];
  private overflowed = false;
  private closed = false;
  /** The seq up to which this client has been served (sent, or filtered out). */
  private position = 0;
  private wake: (() => void) | null = null;
  private drained: (() => void) | null = null;

  constructor(
    private readonly ctx: RouteContext,
    private readonly filter: EventFilter,
    private readonly after: number | undefined,
  ) {
    this.body = new ReadableStream<Uint8Array>(
      {
        start: (controller) => {
          this.controller = controller;
        },
        pull: () => this.release(),
        cancel: () => this.close(),
      },
      { highWaterMark: 64 * 1024, size: (chunk) => chunk.byteLength },
    );
    ctx.signal.addEventListener("abort", () => this.close());
    void this.run();
  }

  private async run(): Promise<void> {
    const heartbeat = setInterval(() => {
      if (!this.closed && (this.controller.desiredSize ?? 0) > 0) this.enqueue(": heartbeat\n\n");
    }, this.ctx.stream.heartbeatMs);
    heartbeat.unref?.();
    let subscription: Subscription | undefined;
    try {
      subscription = await this.ctx.events.subscribe((event) => this.offer(event));
      // Sent at once so the response's headers go out (the binding waits for a first chunk).
      this.enqueue("retry: 1000\n\n");
      this.position = this.after ?? subscription.position;
      await this.backfill();
      while (!this.closed) {
        if (this.overflowed) {
          this.overflowed = false;
          await this.catchUp();
          continue;
        }
        const event = this.queue.shift();
        if (!event) {
          await new Promise<void>((resolve) => (this.wake = resolve));
          this.wake = null;
          continue;
        }
        if (event.seq <= this.position) continue;
        this.position = event.seq;
        if (matches(event, this.filter)) await this.send(event);
      }
    } catch (error) {
      // The store failed mid-stream: end this stream (the client reconnects with Last-Event-ID).
      if (!this.closed) {
        this.closed = true;
        this.controller.error(error);
      }
    } finally {
      clearInterval(heartbeat);
      subscription?.unsubscribe();
      this.close();
    }
  }

  /** Live events arrive here; past `maxQueued` the buffer is dropped (the trail still has them). */
  private offer(event: BoardEvent): void {
    if (this.queue.length >= this.ctx.stream.maxQueued) {
      this.queue = [];
      this.overflowed = true;
    } else {
      this.queue.push(event);
    }
    this.wake?.();
  }

  private async catchUp(): Promise<void> {
    const head = this.ctx.events.head;
    if (head - this.position > this.ctx.stream.resyncAfter) {
      const skipped = { from_seq: this.position + 1, to_seq: head };
      this.position = head;
      this.enqueue(
        `event: resync\nid: ${head}\ndata: ${JSON.stringify({
          ...skipped,
          reason: "this client fell too far behind; reload what it shows (or read the skipped seqs from /api/events)",
        })}\n\n`,
      );
      await this.writable();
      return;
    }
    await this.backfill();
  }

  /** Everything after `position` from the audit trail, up to the watcher's head at least. */
  private async backfill(): Promise<void> {
    for (;;) {
      const head = this.ctx.events.head;
      const events = await this.ctx.board.audit({
        ...(this.filter.taskId !== undefined && { taskId: this.filter.taskId }),
        ...(this.filter.agent !== undefined && { agent: this.filter.agent }),
        ...(this.filter.type !== undefined && { type: this.filter.type }),
        afterSeq: this.position,
        limit: BACKFILL_PAGE,
      });
      for (const event of events) {
        if (this.closed) return;
        this.position = event.seq;
        await this.send(event);
      }
      if (events.length < BACKFILL_PAGE) {
        // That read began after the watcher reached `head`: nothing at or below it is left.
        this.position = Math.max(this.position, head);
        return;
      }
    }
  }

  private async send(event: BoardEvent): Promise<void> {
    this.enqueue(`id: ${event.seq}\ndata: ${JSON.stringify(eventToWire(event))}\n\n`);
    await this.writable();
  }

  private enqueue(text: string): void {
    if (!this.closed) this.controller.enqueue(encoder.encode(text));
  }

  /** Waits while the client's connection is full: its reading speed paces this loop. */
  private async writable(): Promise<void> {
    while (!this.closed && (this.controller.desiredSize ?? 0) <= 0) {
      await new Promise<void>((resolve) => (this.drained = resolve));
      this.drained = null;
    }
  }

  private release(): void {
    this.drained?.();
  }

  private close(): void {
    if (this.closed) return;
    this.closed = true;
    this.wake?.();
    this.drained?.();
    try {
      this.controller.close();
    } catch {
      // already closed or errored by the reader
    }
  }
}
