/**
 * The audit stream: newest first, live events prepended as they commit, paged back by seq to
 * the first event (keyset: `before=<oldest seq shown>`), filtered by type, agent and task.
 */
import { useEffect, useState } from "preact/hooks";
import { api, query } from "../api.js";
import { ErrorLine } from "../components.js";
import { clock } from "../format.js";
import { stream } from "../stream.js";
import type { WireEvent } from "../api.js";

const PAGE = 100;

export function AuditView() {
  const [filter, setFilter] = useState({ type: "", agent: "", task: "" });
  const [events, setEvents] = useState<WireEvent[]>([]);
  const [older, setOlder] = useState<number | null>(null);
  const [error, setError] = useState<string | null>(null);

  const load = async (before: number | null): Promise<void> => {
    try {
      const page = await api<{ items: WireEvent[]; next_before: number | null }>(
        "GET",
        `/api/events/recent${query({ ...filter, before, limit: PAGE })}`,
      );
      setEvents((shown) => (before === null ? page.items : [...shown, ...page.items]));
      setOlder(page.next_before);
      setError(null);
    } catch (failure) {
      setError(failure instanceof Error ? failure.message : String(failure));
    }
  };
  useEffect(() => {
    void load(null);
  }, [filter.type, filter.agent, filter.task]);
  useEffect(
    () =>
      stream.onEvent((event) => {
        if (!matches(event, filter)) return;
        setEvents((shown) => (shown.some((e) => e.seq === event.seq) ? shown : [event, ...shown]));
      }),
    [filter.type, filter.agent, filter.task],
  );
  useEffect(() => stream.onResync(() => void load(null)), [filter.type, filter.agent, filter.task]);

  const input = (name: keyof typeof filter, text: string) => (
    <label>
      {text}
      <input
        name={name}
        value={filter[name]}
        onChange={(event) => setFilter({ ...filter, [name]: (event.target as HTMLInputElement).value.trim() })}
      />
    </label>
  );
  return (
    <section aria-labelledby="audit-title">
      <h2 id="audit-title">Audit trail</h2>
      <form class="filters" role="search" onSubmit={(event) => event.preventDefault()}>
        {input("type", "Type")}
        {input("agent", "Agent")}
        {input("task", "Task")}
      </form>
      <ErrorLine error={error} />
      <table class="grid" data-testid="audit-table">
        <thead>
          <tr>
            <th scope="col">seq</th>
            <th scope="col">at</th>
            <th scope="col">type</th>
            <th scope="col">task</th>
            <th scope="col">agent</th>
            <th scope="col">details</th>
          </tr>
        </thead>
        <tbody>
          {events.map((event) => (
            <tr key={event.seq} data-seq={event.seq}>
              <td>{event.seq}</td>
              <td>{clock(event.at)}</td>
              <td>{event.type}</td>
              <td>{event.task_id && <a href={`#/task/${encodeURIComponent(event.task_id)}`}>{event.task_id}</a>}</td>
              <td>{event.agent_id}</td>
              <td>{event.details}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {older !== null && (
        <button type="button" class="secondary" onClick={() => void load(older)}>
          Older events
        </button>
      )}
    </section>
  );
}

function matches(event: WireEvent, filter: { type: string; agent: string; task: string }): boolean {
  if (filter.type && !filter.type.split(",").map((t) => t.trim().toUpperCase()).includes(event.type)) return false;
  if (filter.agent && event.agent_id !== filter.agent) return false;
  if (filter.task && event.task_id !== filter.task) return false;
  return true;
}
