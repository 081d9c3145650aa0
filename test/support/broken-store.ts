/**
 * A deliberately broken store, to show the invariant checks of the chaos suite
 * (bench/chaos/read-back.ts) can fail: it wraps a real store and breaks one promise.
 * - "reuse-token": every claim gets lease token 1 (a token reused);
 * - "lose-event": every third COMPLETED event is dropped (an event lost);
 * - "skip-holder-check": a claim also offers a task another agent holds, as if pending
 *   (a double hold; the first holder is then fenced out of its own task: a lost update).
 * Test-only; nothing in src/ knows of it.
 */
import type { Store, StoreWriter } from "../../src/store/store.js";

export type Breakage = "reuse-token" | "lose-event" | "skip-holder-check";

export function breakStore(store: Store, breakage: Breakage): Store {
  let completions = 0;
  const brokenTx = (tx: StoreWriter): StoreWriter =>
    new Proxy(tx, {
      get(target, key) {
        const value: unknown = Reflect.get(target, key);
        if (typeof value !== "function") return value;
        if (breakage === "reuse-token" && key === "nextLeaseToken") {
          return async () => {
            await target.nextLeaseToken();
            return 1;
          };
        }
        if (breakage === "lose-event" && key === "appendEvent") {
          return async (event: Parameters<StoreWriter["appendEvent"]>[0]) => {
            if (event.type === "COMPLETED" && completions++ % 3 === 0) return;
            await target.appendEvent(event);
          };
        }
        if (breakage === "skip-holder-check" && key === "claimCandidates") {
          return async (agentId: string, limit: number, offset: number) => {
            const held = (await target.listTasks({ statuses: ["in_progress"], limit: 1 })).filter((t) => t.assignedTo !== agentId);
            const asPending = held.map((t) => ({ ...t, status: "pending" as const, assignedTo: null, leaseExpiresAt: null, leaseToken: null }));
            return [...asPending, ...(await target.claimCandidates(agentId, limit, offset))];
          };
        }
        return (value as (...args: unknown[]) => unknown).bind(target);
      },
    });
  return new Proxy(store, {
    get(target, key) {
      if (key === "transaction") {
        return <T>(fn: (tx: StoreWriter) => Promise<T>, intent?: Parameters<Store["transaction"]>[1]) =>
          target.transaction((tx) => fn(brokenTx(tx)), intent);
      }
      // Without group commit, so every body runs through the broken transaction above.
      if (key === "transactionBatch") return undefined;
      const value: unknown = Reflect.get(target, key);
      return typeof value === "function" ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
}
