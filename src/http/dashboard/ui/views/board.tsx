/**
 * The board: one column per status, each its own keyset-paged list (the first page only, so a
 * 100k-task board renders at once), counts from /api/stats, filters, and a form to add a task.
 */
import { useState } from "preact/hooks";
import { api, query, PRIORITIES, STATUSES } from "../api.js";
import { ErrorLine, LeaseCountdown, PriorityBadge, TaskLink } from "../components.js";
import { label } from "../format.js";
import { useLiveReload, useLoad, useServerNow } from "../hooks.js";
import type { Page, TaskStatus, WireTask } from "../api.js";

const PAGE = 25;

export interface BoardFilter {
  q: string;
  agent: string;
  needs: string;
  priority: string;
}

export function BoardView({ canWrite }: { canWrite: boolean }) {
  const [filter, setFilter] = useState<BoardFilter>({ q: "", agent: "", needs: "", priority: "" });
  const stats = useLoad(() => api<{ counts: Record<TaskStatus, number> }>("GET", "/api/stats"), []);
  useLiveReload((event) => event.task_id !== null, stats.reload);
  return (
    <section aria-labelledby="board-title">
      <h2 id="board-title">Board</h2>
      <FilterBar filter={filter} onChange={setFilter} />
      {canWrite && <NewTaskForm />}
      <ErrorLine error={stats.error} />
      <div class="columns">
        {STATUSES.map((status) => (
          <Column key={status} status={status} filter={filter} count={stats.value?.counts[status]} />
        ))}
      </div>
    </section>
  );
}

function FilterBar({ filter, onChange }: { filter: BoardFilter; onChange: (filter: BoardFilter) => void }) {
  const field = (name: keyof BoardFilter, text: string) => (
    <label>
      {text}
      <input
        name={name}
        value={filter[name]}
        onChange={(event) => onChange({ ...filter, [name]: (event.target as HTMLInputElement).value.trim() })}
      />
    </label>
  );
  return (
    <form class="filters" role="search" onSubmit={(event) => event.preventDefault()}>
      {field("q", "Text")}
      {field("agent", "Agent")}
      {field("needs", "Capability")}
      <label>
        Priority
        <select
          name="priority"
          value={filter.priority}
          onChange={(event) => onChange({ ...filter, priority: (event.target as HTMLSelectElement).value })}
        >
          <option value="">any</option>
          {PRIORITIES.map((priority) => (
            <option key={priority} value={priority}>
              {priority}
            </option>
          ))}
        </select>
      </label>
    </form>
  );
}

function Column({ status, filter, count }: { status: TaskStatus; filter: BoardFilter; count: number | undefined }) {
  const [extra, setExtra] = useState<{ items: WireTask[]; cursor: string | null } | null>(null);
  const now = useServerNow();
  const first = useLoad(() => {
    setExtra(null);
    return api<Page<WireTask>>("GET", `/api/tasks${query({ status, limit: PAGE, ...filter })}`);
  }, [status, filter.q, filter.agent, filter.needs, filter.priority]);
  useLiveReload((event) => event.task_id !== null && (event.from === status || event.to === status || event.type === "UPDATED"), first.reload);
  const items = [...(first.value?.items ?? []), ...(extra?.items ?? [])];
  const cursor = extra ? extra.cursor : (first.value?.next_cursor ?? null);
  const more = async (): Promise<void> => {
    if (!cursor) return;
    const page = await api<Page<WireTask>>("GET", `/api/tasks${query({ status, limit: PAGE, cursor, ...filter })}`);
    setExtra({ items: [...(extra?.items ?? []), ...page.items], cursor: page.next_cursor });
  };
  return (
    <section class={`column column-${status}`} aria-labelledby={`col-${status}`} data-testid={`column-${status}`}>
      <h3 id={`col-${status}`}>
        {label(status)} <span class="count">{count ?? "…"}</span>
      </h3>
      <ErrorLine error={first.error} />
      <ul>
        {items.map((task) => (
          <li key={task.id} class="card" data-testid={`card-${task.id}`}>
            <TaskLink id={task.id}>
              <span class="task-id">{task.id}</span> <span class="title">{task.title}</span>
            </TaskLink>
            <div class="meta">
              <PriorityBadge priority={task.priority} />
              {task.assigned_to && <span class="holder">{task.assigned_to}</span>}
              <LeaseCountdown task={task} now={now} />
            </div>
          </li>
        ))}
      </ul>
      {cursor && (
        <button type="button" class="secondary" onClick={() => void more()}>
          Show more
        </button>
      )}
    </section>
  );
}

function NewTaskForm() {
  const [error, setError] = useState<string | null>(null);
  const [created, setCreated] = useState<string | null>(null);
  const submit = async (event: Event): Promise<void> => {
    event.preventDefault();
    const form = event.target as HTMLFormElement;
    const data = new FormData(form);
    const needs = String(data.get("needs") ?? "")
      .split(",")
      .map((need) => need.trim())
      .filter(Boolean);
    try {
      const task = await api<WireTask>("POST", "/api/tasks", {
        body: {
          title: String(data.get("title") ?? ""),
          priority: String(data.get("priority") ?? "medium"),
          ...(needs.length ? { needs } : {}),
        },
      });
      setError(null);
      setCreated(task.id);
      form.reset();
    } catch (failure) {
      setCreated(null);
      setError(failure instanceof Error ? failure.message : String(failure));
    }
  };
  return (
    <form class="new-task" onSubmit={(event) => void submit(event)} aria-label="Add a task">
      <label>
        New task
        <input name="title" required placeholder="Title" />
      </label>
      <label>
        Priority
        <select name="priority">
          {PRIORITIES.map((priority) => (
            <option key={priority} value={priority} selected={priority === "medium"}>
              {priority}
            </option>
          ))}
        </select>
      </label>
      <label>
        Needs
        <input name="needs" placeholder="technical, content" />
      </label>
      <button type="submit">Add</button>
      {created && (
        <span role="status">
          Added <a href={`#/task/${encodeURIComponent(created)}`}>{created}</a>
        </span>
      )}
      <ErrorLine error={error} />
    </form>
  );
}
