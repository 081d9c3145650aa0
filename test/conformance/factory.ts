/**
 * What a store gives the conformance suite: a way to make new, empty boards. Every store's
 * test file (test/sqlite/sqlite-conformance.test.ts, test/json/…, test/postgres/…) calls `runConformanceSuite`
 * with one of these.
 */
export interface BoardFactory {
  /** Shown in test names, e.g. "sqlite". */
  name: string;
  /** The URL of a new, empty board, for `openBoard(url)` and for worker processes. */
  freshUrl(): Promise<string>;
  /** OS processes in the multi-process races (default 16). */
  raceProcesses?: number;
  /** Test name → why this store cannot run it. A skip without a reason is not allowed. */
  skip?: Record<string, string>;
}
