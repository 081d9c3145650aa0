/**
 * The claim intent's contract (TransactionIntent.claimFor in src/store/store.ts): the
 * PostgreSQL store fetches a claim's first reads with BEGIN, trusting that the board makes
 * exactly those reads, in that order, with those limits, and that a claim finding nothing
 * returns null. This records what the board really does, on a real store, and fails if the
 * board drifts from the contract.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { Board } from "../../src/board.js";
import { openStore } from "../../src/store/open.js";
import { CLAIM_FIRST_READS, CLAIM_RECOVERY_BATCH } from "../../src/store/store.js";
import type { Store, StoreWriter, TransactionIntent } from "../../src/store/store.js";

const root = mkdtempSync(join(tmpdir(), "baton-intent-"));
let boards = 0;
afterAll(() => rmSync(root, { recursive: true, force: true }));

interface Recorded {
  intent: TransactionIntent | undefined;
  calls: { name: string; args: unknown[] }[];
  result: unknown;
}

/** A store that records, per write transaction, its intent, every call on `tx` and the result. */
async function recordingStore(): Promise<{ store: Store; transactions: Recorded[] }> {
  const inner = await openStore(`sqlite:${join(root, `board-${++boards}.db`)}`);
  const transactions: Recorded[] = [];
  const store: Store = {
    kind: inner.kind,
    location: inner.location,
    read: (fn) => inner.read(fn),
    close: () => inner.close(),
    webhooks: inner.webhooks,
    transaction: (fn, intent) =>
      inner.transaction(async (tx) => {
        const recorded: Recorded = { intent, calls: [], result: undefined };
        transactions.push(recorded);
        const spy = new Proxy(tx, {
          get(target, name: string) {
            const value = (target as unknown as Record<string, unknown>)[name];
            if (typeof value !== "function") return value;
            return (...args: unknown[]) => {
              recorded.calls.push({ name, args });
              return (value as (...a: unknown[]) => unknown).apply(target, args);
            };
          },
        }) as StoreWriter;
        recorded.result = await fn(spy);
        return recorded.result as never;
      }, intent),
  };
  return { store, transactions };
}

const WRITES = ["insertTask", "updateTask", "appendEvent", "advanceCounter", "raiseCounter", "nextLeaseToken", "putAgent"];

/** The reads of a transaction, in order (writes may come between them: a new agent's row). */
const readsOf = (t: Recorded | undefined): Recorded["calls"] => (t?.calls ?? []).filter((c) => !WRITES.includes(c.name));

/** The contract's order without `now`: a SQLite store has no clock of its own. */
const withoutClock = (reads: readonly string[]): string[] => reads.filter((r) => r !== "now");

describe("the claim intent matches what the board reads", () => {
  it("a claim of the best task: recovery, the agent, then one candidate, as the intent says", async () => {
    const { store, transactions } = await recordingStore();
    const board = new Board(store);
    try {
      await board.addMany([{ title: "one" }, { title: "two" }]);
      transactions.length = 0;
      await board.claim({ agent: "agent-a" });
      const [claim] = transactions;
      expect(claim?.intent).toEqual({ claimFor: "agent-a" });
      const first = readsOf(claim).slice(0, CLAIM_FIRST_READS.best.length - 1);
      expect(first.map((c) => c.name)).toEqual(withoutClock(CLAIM_FIRST_READS.best));
      expect(first[0]?.args[1]).toBe(CLAIM_RECOVERY_BATCH);
      expect(first[1]?.args[1]).toBe(CLAIM_RECOVERY_BATCH);
      expect(first[2]?.args).toEqual(["agent-a"]);
      expect(first[3]?.args).toEqual(["agent-a", 1, 0]);
    } finally {
      await board.close();
    }
  });

  it("a claim by id: recovery, the agent, then the named tasks", async () => {
    const { store, transactions } = await recordingStore();
    const board = new Board(store);
    try {
      await board.addMany([{ title: "one" }, { title: "two" }]);
      transactions.length = 0;
      await board.claim({ agent: "agent-a", ids: ["T-2"] });
      const [claim] = transactions;
      expect(claim?.intent).toEqual({ claimFor: "agent-a", taskIds: ["T-2"] });
      const first = readsOf(claim).slice(0, CLAIM_FIRST_READS.byId.length - 1);
      expect(first.map((c) => c.name)).toEqual(withoutClock(CLAIM_FIRST_READS.byId));
      expect(first[3]?.args).toEqual([["T-2"]]);
    } finally {
      await board.close();
    }
  });

  it("a claim that finds nothing ready returns null from its transaction, having written only the agent's row", async () => {
    const { store, transactions } = await recordingStore();
    const board = new Board(store);
    try {
      await expect(board.claim({ agent: "agent-a" })).rejects.toMatchObject({ code: "NOTHING_READY" });
      const claim = transactions.find((t) => t.intent?.claimFor === "agent-a");
      expect(claim?.result).toBeNull();
      // Only the new agent's row: no task, event, counter or token.
      expect(claim!.calls.filter((c) => WRITES.includes(c.name)).map((c) => c.name)).toEqual(["putAgent"]);
    } finally {
      await board.close();
    }
  });
});
