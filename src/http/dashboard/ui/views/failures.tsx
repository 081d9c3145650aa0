/** Failures: failed and dead tasks grouped by their error text, with revive. */
import { useState } from "preact/hooks";
import { api, ApiError, query } from "../api.js";
import { ErrorLine, StatusBadge, TaskLink } from "../components.js";
import { useLiveReload, useLoad } from "../hooks.js";
import type { Page, WireTask } from "../api.js";

export function FailuresView({ canWrite }: { canWrite: boolean }) {
  const failures = useLoad(() => api<Page<WireTask>>("GET", `/api/tasks${query({ status: "failed,dead", limit: 200 })}`), []);
  useLiveReload((event) => ["FAILED", "POISON_PILL", "REVIVED", "RETRY_SCHEDULED", "TIMEOUT"].includes(event.type), failures.reload);
  const [error, setError] = useState<string | null>(null);
  const groups = new Map<string, WireTask[]>();
  for (const task of failures.value?.items ?? []) {
    const key = task.last_error ?? "(no error text)";
    groups.set(key, [...(groups.get(key) ?? []), task]);
  }
  const revive = async (task: WireTask): Promise<void> => {
    try {
      await api("POST", `/api/tasks/${encodeURIComponent(task.id)}/revive`, { body: {}, ifMatch: task.version });
      setError(null);
    } catch (failure) {
      setError(failure instanceof ApiError && failure.status === 412 ? `${task.id} changed meanwhile; look again` : String(failure instanceof Error ? failure.message : failure));
    }
    failures.reload();
  };
  return (
    <section aria-labelledby="failures-title">
      <h2 id="failures-title">Failures and poison pills</h2>
      <ErrorLine error={failures.error ?? error} />
      {groups.size === 0 && <p>No failed or dead tasks.</p>}
      {[...groups].map(([message, tasks]) => (
        <section class="failure-group" key={message}>
          <h3>
            {message} <span class="count">{tasks.length}</span>
          </h3>
          <ul>
            {tasks.map((task) => (
              <li key={task.id}>
                <TaskLink id={task.id} /> {task.title} <StatusBadge status={task.status} /> attempts {task.attempts}/
                {task.max_attempts}
                {canWrite && task.status === "dead" && (
                  <button type="button" onClick={() => void revive(task)}>
                    Revive {task.id}
                  </button>
                )}
              </li>
            ))}
          </ul>
        </section>
      ))}
    </section>
  );
}
