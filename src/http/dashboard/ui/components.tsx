/** Pieces several views show: badges, task links, the lease countdown, the 412 view. */
import type { ComponentChildren } from "preact";
import { label, leaseLeft } from "./format.js";
import type { WireTask } from "./api.js";

export function StatusBadge({ status }: { status: string }) {
  return <span class={`badge status-${status}`}>{label(status)}</span>;
}

export function PriorityBadge({ priority }: { priority: string }) {
  return <span class={`badge priority-${priority}`}>{priority}</span>;
}

export function TaskLink({ id, children }: { id: string; children?: ComponentChildren }) {
  return <a href={`#/task/${encodeURIComponent(id)}`}>{children ?? id}</a>;
}

export function LeaseCountdown({ task, now }: { task: WireTask; now: number }) {
  if (task.status !== "in_progress") return null;
  const left = leaseLeft(task.lease_expires_at, now);
  return (
    <span class={left.expired ? "lease expired" : "lease"} data-testid="lease-countdown">
      {left.text}
    </span>
  );
}

export function ErrorLine({ error }: { error: string | null }) {
  if (!error) return null;
  return (
    <p class="error" role="alert">
      {error}
    </p>
  );
}

const COMPARED: readonly (keyof WireTask)[] = [
  "status",
  "title",
  "description",
  "priority",
  "assigned_to",
  "lease_token",
  "lease_expires_at",
  "attempts",
  "last_error",
];

/**
 * Shown when a person's action met a task an agent changed meanwhile (HTTP 412): what the
 * person saw, what it is now, and a retry on the new version. Nothing was written.
 */
export function ConflictView({
  seen,
  current,
  onRetry,
  onDismiss,
}: {
  seen: WireTask;
  current: WireTask;
  onRetry: () => void;
  onDismiss: () => void;
}) {
  const changed = COMPARED.filter((field) => JSON.stringify(seen[field]) !== JSON.stringify(current[field]));
  return (
    <section class="conflict" role="alertdialog" aria-labelledby="conflict-title" data-testid="conflict">
      <h3 id="conflict-title">
        {current.id} changed while you were looking (version {seen.version} → {current.version}); nothing was saved
      </h3>
      <table>
        <thead>
          <tr>
            <th scope="col">field</th>
            <th scope="col">you saw</th>
            <th scope="col">now</th>
          </tr>
        </thead>
        <tbody>
          {changed.map((field) => (
            <tr key={field}>
              <th scope="row">{field}</th>
              <td>{String(seen[field] ?? "—")}</td>
              <td>{String(current[field] ?? "—")}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <div class="actions">
        <button type="button" onClick={onRetry}>
          Retry on version {current.version}
        </button>
        <button type="button" class="secondary" onClick={onDismiss}>
          Keep the new version
        </button>
      </div>
    </section>
  );
}
