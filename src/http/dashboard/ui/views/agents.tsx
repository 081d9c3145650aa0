/** Agents: what each holds, when it was last seen, alive / silent / dead, throughput, failures. */
import { api } from "../api.js";
import { ErrorLine, TaskLink } from "../components.js";
import { ago } from "../format.js";
import { useLiveReload, useLoad, useServerNow } from "../hooks.js";
import type { Page, WireAgent } from "../api.js";

export function AgentsView() {
  const agents = useLoad(() => api<Page<WireAgent>>("GET", "/api/agents"), []);
  useLiveReload((event) => event.agent_id !== null, agents.reload, 1000);
  const now = useServerNow(5000);
  return (
    <section aria-labelledby="agents-title">
      <h2 id="agents-title">Agents</h2>
      <ErrorLine error={agents.error} />
      <table class="grid" data-testid="agents-table">
        <thead>
          <tr>
            <th scope="col">agent</th>
            <th scope="col">state</th>
            <th scope="col">holds</th>
            <th scope="col">last seen</th>
            <th scope="col">capabilities</th>
            <th scope="col">completed</th>
            <th scope="col">failed</th>
            <th scope="col">failure rate</th>
          </tr>
        </thead>
        <tbody>
          {(agents.value?.items ?? []).map((agent) => {
            const finished = (agent.completed ?? 0) + (agent.failed ?? 0);
            return (
              <tr key={agent.id}>
                <th scope="row">{agent.id}</th>
                <td>
                  <span class={`badge agent-${agent.state ?? "alive"}`}>{agent.state ?? "—"}</span>
                </td>
                <td>
                  {(agent.holding ?? []).map((id) => (
                    <TaskLink key={id} id={id} />
                  ))}
                </td>
                <td>{ago(agent.last_seen_at, now)}</td>
                <td>{agent.capabilities.join(", ") || "any"}</td>
                <td>{agent.completed ?? 0}</td>
                <td>{agent.failed ?? 0}</td>
                <td>{finished ? `${Math.round(((agent.failed ?? 0) / finished) * 100)}%` : "—"}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </section>
  );
}
