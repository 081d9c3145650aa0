/** Round trips to PostgreSQL, counted on each connection's socket (for the round-trip tests). */
import pg from "pg";
import { afterAll, beforeAll } from "vitest";

/**
 * Round trips per connection, counted on its socket: a write after data came back starts a new
 * round trip; writes made before any answer arrived travel together.
 */
const wire = new Map<object, { roundTrips: number; answered: boolean }>();
const originalQuery = pg.Client.prototype.query;

/** Counts round trips on every pg connection while this test file runs (call at top level). */
export function countRoundTrips(): void {
  beforeAll(() => {
    pg.Client.prototype.query = function watchedQuery(this: pg.Client, ...args: unknown[]) {
      const stream = (this as unknown as { connection: { stream: NodeJS.WritableStream & NodeJS.EventEmitter } }).connection.stream;
      if (!wire.has(stream)) {
        const state = { roundTrips: 0, answered: true };
        wire.set(stream, state);
        const write = stream.write.bind(stream) as (...a: unknown[]) => boolean;
        stream.write = ((...a: unknown[]) => {
          if (state.answered) {
            state.roundTrips++;
            state.answered = false;
          }
          return write(...a);
        }) as typeof stream.write;
        stream.on("data", () => {
          state.answered = true;
        });
      }
      return (originalQuery as (...a: unknown[]) => unknown).apply(this, args);
    } as typeof pg.Client.prototype.query;
  });
  afterAll(() => {
    pg.Client.prototype.query = originalQuery;
  });
}

/** Leaves this client's round trips out of the count (a test's own helper connection). */
export function unwatched(client: pg.Client): pg.Client {
  client.query = originalQuery.bind(client) as typeof client.query;
  return client;
}

/** Runs `operation` and returns its result with the round trips it cost, over every connection. */
export async function watched<T>(operation: () => Promise<T>): Promise<{ result: T; roundTrips: number }> {
  for (const state of wire.values()) state.roundTrips = 0;
  const result = await operation();
  return { result, roundTrips: [...wire.values()].reduce((sum, s) => sum + s.roundTrips, 0) };
}

