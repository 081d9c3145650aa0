/**
 * `board.replay`: the whole trail (or one task's events) folded by core/replay.ts and compared
 * with the stored tasks, all inside one read so a concurrent writer cannot make the two
 * disagree. Events are read a page at a time; the fold keeps one record per task.
 */
import { ReplayFold } from "../core/replay.js";
import { AUDIT_PAGE } from "./audit-pages.js";
import { throwNotFound } from "./transaction-steps.js";
import type { BoardEvent } from "../core/task.js";
import type { ReplayReport } from "../core/replay.js";
import type { EventQuery, Store, StoreReader } from "../store/store.js";

export async function replayBoard(store: Store, ids?: readonly string[]): Promise<ReplayReport> {
  return store.read(async (tx) => {
    const fold = new ReplayFold();
    if (ids) {
      for (const taskId of ids) await foldEvents(tx, fold, { taskId });
      const stored = await tx.getTasks(ids);
      const unknown = ids.find((id) => !fold.knows(id) && !stored.some((t) => t.id === id));
      if (unknown !== undefined) throwNotFound(unknown);
      return fold.compare(stored, ids);
    }
    await foldEvents(tx, fold, {});
    return fold.compare(await tx.listTasks({}));
  });
}

async function foldEvents(tx: StoreReader, fold: ReplayFold, query: EventQuery): Promise<void> {
  let afterSeq = 0;
  for (;;) {
    const page = await tx.listEvents({ ...query, afterSeq, limit: AUDIT_PAGE });
    for (const event of page) fold.add(event);
    if (page.length < AUDIT_PAGE) return;
    afterSeq = (page[page.length - 1] as BoardEvent).seq;
  }
}
