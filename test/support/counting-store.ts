/**
 * A store that counts the task rows it hands the board: every task a read returns (getTask,
 * listTasks, claimCandidates, pendingInClaimOrder, dueRetries…), per method. Tests use it to
 * prove a read costs about what it returns, without timing anything. Test-only.
 */
import type { Store, StoreReader } from "../../src/store/store.js";

export interface RowCounts {
  /** Task rows returned, by reader method. */
  byMethod: Map<string, number>;
  total(): number;
  reset(): void;
}

export function countingStore(store: Store): { store: Store; rows: RowCounts } {
  const byMethod = new Map<string, number>();
  const rows: RowCounts = {
    byMethod,
    total: () => [...byMethod.values()].reduce((a, b) => a + b, 0),
    reset: () => byMethod.clear(),
  };
  const count = (method: string, answer: unknown): void => {
    const n = Array.isArray(answer) ? answer.filter(isTask).length : isTask(answer) ? 1 : 0;
    if (n > 0) byMethod.set(method, (byMethod.get(method) ?? 0) + n);
  };
  const counted = <T extends StoreReader>(tx: T): T =>
    new Proxy(tx, {
      get(target, key) {
        const value: unknown = Reflect.get(target, key);
        if (typeof value !== "function") return value;
        return async (...args: unknown[]) => {
          const answer: unknown = await (value as (...a: unknown[]) => unknown).apply(target, args);
          count(String(key), answer);
          return answer;
        };
      },
    });
  const wrapped = new Proxy(store, {
    get(target, key) {
      if (key === "read") return <T>(fn: (tx: StoreReader) => Promise<T>) => target.read((tx) => fn(counted(tx)));
      if (key === "transaction") {
        return <T>(fn: Parameters<Store["transaction"]>[0], intent?: Parameters<Store["transaction"]>[1]) =>
          target.transaction((tx) => fn(counted(tx)) as Promise<T>, intent);
      }
      if (key === "transactionBatch") return undefined;
      const value: unknown = Reflect.get(target, key);
      return typeof value === "function" ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
  return { store: wrapped, rows };
}

const isTask = (v: unknown): boolean =>
  typeof v === "object" && v !== null && "id" in v && "status" in v && "dependsOn" in v;
