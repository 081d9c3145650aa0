/** A watcher for tests: collects `board.watch` events until told to stop. */
import type { Board, BoardEvent } from "../../src/index.js";

/** Collects watched events until `until` says stop; returns them. */
export function collect(board: Board, afterSeq: number, until: (events: BoardEvent[]) => boolean): {
  events: BoardEvent[];
  done: Promise<BoardEvent[]>;
  stop: () => void;
} {
  const events: BoardEvent[] = [];
  const abort = new AbortController();
  const done = (async () => {
    for await (const event of board.watch({ afterSeq, pollMs: 60_000, signal: abort.signal })) {
      events.push(event);
      if (until(events)) break;
    }
    return events;
  })();
  return { events, done, stop: () => abort.abort() };
}
