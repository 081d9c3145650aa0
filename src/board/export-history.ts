/** Seed 001's per-task `history`, rebuilt from the audit trail for `export --format tasks-json`. */
import { eventPages } from "./audit-pages.js";
import type { ExportHistory } from "../migrate/export.js";
import type { Store } from "../store/store.js";

export async function exportHistory(store: Store): Promise<Map<string, ExportHistory[]>> {
  const history = new Map<string, ExportHistory[]>();
  for await (const page of eventPages(store, {})) {
    for (const e of page) {
      if (e.taskId === null) continue;
      const list = history.get(e.taskId) ?? [];
      list.push({ timestamp: e.at, event: e.type, agent_id: e.agentId, details: e.details });
      history.set(e.taskId, list);
    }
  }
  return history;
}
