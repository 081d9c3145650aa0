/**
 * One task: its fields, holder with fencing token and lease countdown, heartbeat against the
 * last checkpoint note, dependencies both ways, why it cannot be claimed now, its audit
 * timeline, and the person actions — each sent with If-Match, so an agent's change made
 * meanwhile is shown (412) instead of overwritten.
 */
import { useState } from "preact/hooks";
import { api, ApiError, query, PRIORITIES } from "../api.js";
import { ConflictView, ErrorLine, LeaseCountdown, PriorityBadge, StatusBadge, TaskLink } from "../components.js";
import { ago, clock } from "../format.js";
import { useLiveReload, useLoad, useServerNow } from "../hooks.js";
import type { Page, WireEvent, WireTask } from "../api.js";

interface Related {
  id: string;
  title: string;
  status: string;
}

/** GET /api/tasks/:id/context: what the task page needs beyond the task itself. */
export interface TaskContext {
  dependencies: Related[];
  dependents: Related[];
  /** Why no agent may claim it now; empty when it is ready. */
  blockers: { kind: string; message: string }[];
  last_heartbeat_at: string | null;
  checkpoint: { note: string; at: string } | null;
}

type Action = { name: string; send: (version: number) => Promise<WireTask> };

export function TaskView({ id, canWrite }: { id: string; canWrite: boolean }) {
  const path = `/api/tasks/${encodeURIComponent(id)}`;
  const task = useLoad(() => api<WireTask>("GET", path), [id]);
  const context = useLoad(() => api<TaskContext>("GET", `${path}/context`), [id]);
  const events = useLoad(() => api<Page<WireEvent>>("GET", `/api/events${query({ task: id, limit: 200 })}`), [id]);
  const reload = (): void => {
    task.reload();
    context.reload();
    events.reload();
  };
  useLiveReload((event) => event.task_id === id || (context.value?.dependencies ?? []).some((d) => d.id === event.task_id), reload);
  const now = useServerNow();
  const [conflict, setConflict] = useState<{ seen: WireTask; current: WireTask; action: Action } | null>(null);
  const [error, setError] = useState<string | null>(null);

  const run = async (action: Action, version: number, seen: WireTask): Promise<void> => {
    try {
      await action.send(version);
      setConflict(null);
      setError(null);
      reload();
    } catch (failure) {
      if (failure instanceof ApiError && failure.status === 412 && failure.current) {
        setConflict({ seen, current: failure.current, action });
      } else {
        setError(failure instanceof Error ? failure.message : String(failure));
      }
    }
  };

  const current = task.value;
  if (!current) return <ErrorLine error={task.error ?? null} />;
  const post = (verb: string, body: object = {}) => (version: number) =>
    api<WireTask>("POST", `${path}/${verb}`, { body, ifMatch: version });
  // An action is checked against the version the person acted on: the task as shown for a
  // button, the task as it was when the edit form opened for an edit (the page refreshes
  // underneath a form, but the form's fields still hold what the person saw then).
  const act = (action: Action, base: WireTask = current) => void run(action, base.version, base);

  return (
    <article aria-labelledby="task-title" data-testid="task-view">
      <h2 id="task-title">
        <span class="task-id">{current.id}</span> {current.title}
      </h2>
      <p class="meta">
        <StatusBadge status={current.status} /> <PriorityBadge priority={current.priority} /> version {current.version} ·
        attempts {current.attempts}/{current.max_attempts}
      </p>
      <ErrorLine error={error} />
      {conflict && (
        <ConflictView
          seen={conflict.seen}
          current={conflict.current}
          onRetry={() => void run(conflict.action, conflict.current.version, conflict.current)}
          onDismiss={() => {
            setConflict(null);
            reload();
          }}
        />
      )}
      <Holder task={current} context={context.value} now={now} />
      <Blockers context={context.value} status={current.status} />
      {current.description && <pre class="description">{current.description}</pre>}
      {current.last_error && <p class="last-error">Last error: {current.last_error}</p>}
      {current.result && <p>Result: {current.result}</p>}
      <Dependencies title="Waits for" items={context.value?.dependencies ?? []} />
      <Dependencies title="Unblocks" items={context.value?.dependents ?? []} />
      {canWrite && <Actions task={current} act={act} post={post} path={path} />}
      <Timeline events={events.value?.items ?? []} />
    </article>
  );
}

function Holder({ task, context, now }: { task: WireTask; context: TaskContext | undefined; now: number }) {
  if (task.status !== "in_progress") {
    return task.assigned_to && task.status === "pending" ? <p>Reserved for {task.assigned_to}</p> : null;
  }
  return (
    <dl class="holder-box">
      <dt>Holder</dt>
      <dd>{task.assigned_to ?? "—"}</dd>
      <dt>Fencing token</dt>
      <dd data-testid="lease-token">{task.lease_token}</dd>
      <dt>Lease</dt>
      <dd>
        <LeaseCountdown task={task} now={now} />
      </dd>
      <dt>Last heartbeat</dt>
      <dd>{ago(context?.last_heartbeat_at ?? null, now)}</dd>
      <dt>Last checkpoint note</dt>
      <dd>{context?.checkpoint ? `${context.checkpoint.note} (${ago(context.checkpoint.at, now)})` : "none"}</dd>
    </dl>
  );
}

function Blockers({ context, status }: { context: TaskContext | undefined; status: string }) {
  if (!context) return null;
  if (context.blockers.length === 0) {
    return status === "pending" ? <p class="ready">Ready: any agent with its needs may claim it now.</p> : null;
  }
  return (
    <section aria-labelledby="why-title" class="blockers">
      <h3 id="why-title">Why it cannot be claimed now</h3>
      <ul>
        {context.blockers.map((blocker) => (
          <li key={blocker.kind + blocker.message} data-kind={blocker.kind}>
            {blocker.message}
          </li>
        ))}
      </ul>
    </section>
  );
}

function Dependencies({ title, items }: { title: string; items: Related[] }) {
  if (items.length === 0) return null;
  return (
    <section class="deps">
      <h3>{title}</h3>
      <ul>
        {items.map((item) => (
          <li key={item.id}>
            <TaskLink id={item.id} /> {item.title} <StatusBadge status={item.status} />
          </li>
        ))}
      </ul>
    </section>
  );
}

function Actions({
  task,
  act,
  post,
  path,
}: {
  task: WireTask;
  act: (action: Action, base?: WireTask) => void;
  post: (verb: string, body?: object) => (version: number) => Promise<WireTask>;
  path: string;
}) {
  const [editing, setEditing] = useState<WireTask | null>(null);
  const [agent, setAgent] = useState("");
  const open = !["completed", "cancelled"].includes(task.status);
  return (
    <section class="actions" aria-label="Actions">
      {open && <button type="button" onClick={() => setEditing(editing ? null : task)}>Edit</button>}
      {task.status === "in_progress" && <button type="button" onClick={() => act({ name: "release", send: post("release") })}>Release</button>}
      {(task.status === "dead" || task.status === "failed" || task.status === "cancelled") && (
        <button type="button" onClick={() => act({ name: "revive", send: post("revive") })}>Revive</button>
      )}
      {open && <button type="button" class="danger" onClick={() => act({ name: "cancel", send: post("cancel") })}>Cancel task</button>}
      {task.status === "pending" && (
        <form class="inline" onSubmit={(event) => { event.preventDefault(); act({ name: "assign", send: post("assign", { agent: agent || null }) }); }}>
          <label>
            Reserve for
            <input name="agent" value={agent} onInput={(event) => setAgent((event.target as HTMLInputElement).value.trim())} placeholder="agent id (empty: anyone)" />
          </label>
          <button type="submit">Assign</button>
        </form>
      )}
      {editing && (
        <EditForm
          task={editing}
          onSave={(patch) => {
            setEditing(null);
            act({ name: "edit", send: (version) => api<WireTask>("PATCH", path, { body: patch, ifMatch: version }) }, editing);
          }}
        />
      )}
    </section>
  );
}

function EditForm({ task, onSave }: { task: WireTask; onSave: (patch: Partial<WireTask>) => void }) {
  const submit = (event: Event): void => {
    event.preventDefault();
    const data = new FormData(event.target as HTMLFormElement);
    const patch: Partial<WireTask> = {};
    const title = String(data.get("title") ?? "");
    const description = String(data.get("description") ?? "");
    const priority = String(data.get("priority") ?? task.priority) as WireTask["priority"];
    if (title !== task.title) patch.title = title;
    if (description !== task.description) patch.description = description;
    if (priority !== task.priority) patch.priority = priority;
    onSave(patch);
  };
  return (
    <form class="edit" onSubmit={submit} aria-label={`Edit ${task.id}`}>
      <label>
        Title <input name="title" defaultValue={task.title} required />
      </label>
      <label>
        Description <textarea name="description" defaultValue={task.description} rows={4} />
      </label>
      <label>
        Priority
        <select name="priority">
          {PRIORITIES.map((priority) => (
            <option key={priority} value={priority} selected={priority === task.priority}>
              {priority}
            </option>
          ))}
        </select>
      </label>
      <button type="submit">Save</button>
    </form>
  );
}

function Timeline({ events }: { events: WireEvent[] }) {
  return (
    <section aria-labelledby="timeline-title">
      <h3 id="timeline-title">Audit timeline</h3>
      <ol class="timeline">
        {events.map((event) => (
          <li key={event.seq}>
            <span class="seq">#{event.seq}</span> <time>{clock(event.at)}</time> <strong>{event.type}</strong>{" "}
            {event.agent_id && <span class="agent">{event.agent_id}</span>} {event.details}
          </li>
        ))}
      </ol>
    </section>
  );
}
