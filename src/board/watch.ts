import type { BoardEvent } from "../core/task.js";
import type { Store } from "../store/store.js";

/**
 * Events as they commit, starting after `afterSeq` (default: from now on). Uses the store's
 * push channel when it has one (PostgreSQL LISTEN/NOTIFY), else polls every `pollMs`.
 */
export async function* watchEvents(
  store: Store,
  options: { afterSeq?: number; pollMs?: number; signal?: AbortSignal } = {},
): AsyncGenerator<BoardEvent> {
  let after =
    options.afterSeq ?? ((await store.read((tx) => tx.listEvents({ recent: 1 })))[0]?.seq ?? 0);
  const pollMs = options.pollMs ?? 200;
  let wake: (() => void) | null = null;
  // A push that arrives while we are reading must not be lost: the read may have begun before
  // that commit, and its NOTIFY may be the last one for a long time (this lost wake-up stalled
  // a watcher for its whole poll interval, 1 run in 3 of the 16-process watch test).
  let poked = false;
  const poke = (): void => {
    poked = true;
    wake?.();
  };
  const unsubscribe = store.subscribe ? await store.subscribe(poke) : null;
  options.signal?.addEventListener("abort", poke);
  try {
    while (!options.signal?.aborted) {
      poked = false;
      const events = await store.read((tx) => tx.listEvents({ afterSeq: after, limit: 1000 }));
      for (const event of events) {
        after = event.seq;
        yield event;
      }
      if (events.length === 1000 || poked) continue;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, pollMs);
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      wake = null;
    }
  } finally {
    options.signal?.removeEventListener("abort", poke);
    await unsubscribe?.();
  }
}
