/**
 * The dashboard page (served by `baton serve` at /): a shell with the views, the stream's
 * state, and the sign-in hint when the browser has no session.
 */
import { render } from "preact";
import { useEffect } from "preact/hooks";
import { api } from "./api.js";
import { useRoute, useSession, useStreamState } from "./hooks.js";
import { stream } from "./stream.js";
import { AgentsView } from "./views/agents.js";
import { AuditView } from "./views/audit.js";
import { BoardView } from "./views/board.js";
import { FailuresView } from "./views/failures.js";
import { TaskView } from "./views/task.js";
import { ThroughputView } from "./views/throughput.js";
import type { WireEvent } from "./api.js";
import type { Route } from "./hooks.js";
import type { StreamState } from "./stream.js";

const NAV: readonly { view: Route["view"]; text: string }[] = [
  { view: "board", text: "Board" },
  { view: "agents", text: "Agents" },
  { view: "failures", text: "Failures" },
  { view: "audit", text: "Audit" },
  { view: "throughput", text: "Throughput" },
];

function App() {
  const session = useSession();
  const route = useRoute();
  const streamState = useStreamState();
  const signedIn = session.kind === "ok";
  useEffect(() => {
    if (!signedIn) return;
    // Start the stream after the newest event that exists now: views load the present state.
    api<{ items: WireEvent[] }>("GET", "/api/events/recent?limit=1").then(
      (page) => stream.start(page.items[0]?.seq ?? 0),
      () => stream.start(0),
    );
  }, [signedIn]);

  if (session.kind === "loading") return <p>Loading…</p>;
  if (session.kind === "signed-out") return <SignIn message={session.message} />;
  const canWrite = session.session.role === "write";
  return (
    <>
      <header>
        <h1>baton</h1>
        <nav aria-label="Views">
          {NAV.map((item) => (
            <a key={item.view} href={`#/${item.view}`} aria-current={route.view === item.view ? "page" : undefined}>
              {item.text}
            </a>
          ))}
        </nav>
        <StreamBadge state={streamState} />
        <span class="who">
          {session.session.name} ({canWrite ? "write" : "read only"})
        </span>
      </header>
      <main id="main">{view(route, canWrite)}</main>
    </>
  );
}

function view(route: Route, canWrite: boolean) {
  switch (route.view) {
    case "board":
      return <BoardView canWrite={canWrite} />;
    case "task":
      return <TaskView id={route.id} canWrite={canWrite} />;
    case "agents":
      return <AgentsView />;
    case "failures":
      return <FailuresView canWrite={canWrite} />;
    case "audit":
      return <AuditView />;
    case "throughput":
      return <ThroughputView />;
  }
}

function StreamBadge({ state }: { state: StreamState }) {
  const text = { connecting: "connecting…", live: "live", disconnected: "disconnected — reconnecting" }[state];
  return (
    <span class={`stream stream-${state}`} role="status" data-testid="stream-state">
      {text}
    </span>
  );
}

function SignIn({ message }: { message: string }) {
  return (
    <main id="main" class="sign-in" data-testid="sign-in">
      <h1>baton</h1>
      <p>This board needs a sign-in: {message}</p>
      <p>
        Open the one-time URL that <code>baton serve</code> printed when it started (it sets a session cookie for this
        browser), or start the server again to get a new one.
      </p>
    </main>
  );
}

render(<App />, document.getElementById("app") as HTMLElement);
