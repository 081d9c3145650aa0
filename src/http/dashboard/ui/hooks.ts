/** Small Preact hooks the views share: the route, the clock, the stream, the session. */
import { useEffect, useRef, useState } from "preact/hooks";
import { api, ApiError, serverSkewMs } from "./api.js";
import { stream } from "./stream.js";
import type { WireEvent } from "./api.js";
import type { StreamState } from "./stream.js";

export type Route =
  | { view: "board" }
  | { view: "task"; id: string }
  | { view: "agents" }
  | { view: "failures" }
  | { view: "audit" }
  | { view: "throughput" };

export function parseRoute(hash: string): Route {
  const [view, ...rest] = hash.replace(/^#\/?/, "").split("/");
  switch (view) {
    case "task":
      return rest[0] ? { view: "task", id: decodeURIComponent(rest[0]) } : { view: "board" };
    case "agents":
    case "failures":
    case "audit":
    case "throughput":
      return { view };
    default:
      return { view: "board" };
  }
}

export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseRoute(location.hash));
  useEffect(() => {
    const onChange = (): void => setRoute(parseRoute(location.hash));
    addEventListener("hashchange", onChange);
    return () => removeEventListener("hashchange", onChange);
  }, []);
  return route;
}

/** The server's time now, ticking every `everyMs` (lease countdowns). */
export function useServerNow(everyMs = 1000): number {
  const [now, setNow] = useState(() => Date.now() + serverSkewMs);
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now() + serverSkewMs), everyMs);
    return () => clearInterval(timer);
  }, [everyMs]);
  return now;
}

export function useStreamState(): StreamState {
  const [state, setState] = useState<StreamState>("connecting");
  useEffect(() => stream.onState(setState), []);
  return state;
}

/**
 * Calls `reload` when an event that `matters` arrives, and when the server asks for a resync:
 * at once for the first event, then at most once per `delayMs` while a burst goes on, so a
 * race of 1,000 events is two reloads, not 1,000, and a lone event shows without waiting.
 */
export function useLiveReload(matters: (event: WireEvent) => boolean, reload: () => void, delayMs = 250): void {
  const latest = useRef({ matters, reload });
  latest.current = { matters, reload };
  useEffect(() => {
    let timer: ReturnType<typeof setTimeout> | null = null;
    let pending = false;
    const quietAfterReload = (): void => {
      timer = setTimeout(() => {
        timer = null;
        if (!pending) return;
        pending = false;
        latest.current.reload();
        quietAfterReload();
      }, delayMs);
    };
    const schedule = (): void => {
      if (timer) {
        pending = true;
        return;
      }
      latest.current.reload();
      quietAfterReload();
    };
    const offEvent = stream.onEvent((event) => {
      if (latest.current.matters(event)) schedule();
    });
    const offResync = stream.onResync(schedule);
    return () => {
      offEvent();
      offResync();
      if (timer) clearTimeout(timer);
    };
  }, [delayMs]);
}

export interface Session {
  name: string;
  role: "read" | "write";
}

export type SessionState = { kind: "loading" } | { kind: "signed-out"; message: string } | { kind: "ok"; session: Session };

export function useSession(): SessionState {
  const [state, setState] = useState<SessionState>({ kind: "loading" });
  useEffect(() => {
    api<Session>("GET", "/api/session").then(
      (session) => setState({ kind: "ok", session }),
      (error: unknown) =>
        setState({
          kind: "signed-out",
          message: error instanceof ApiError ? error.message : "the server did not answer",
        }),
    );
  }, []);
  return state;
}

/** Loads with `load`, again whenever `deps` change; keeps the last good value while reloading. */
export function useLoad<T>(load: () => Promise<T>, deps: readonly unknown[]): {
  value: T | undefined;
  error: string | null;
  reload: () => void;
} {
  const [value, setValue] = useState<T | undefined>(undefined);
  const [error, setError] = useState<string | null>(null);
  const generation = useRef(0);
  const run = (): void => {
    const mine = ++generation.current;
    load().then(
      (result) => {
        if (mine !== generation.current) return;
        setValue(result);
        setError(null);
      },
      (failure: unknown) => {
        if (mine !== generation.current) return;
        setError(failure instanceof Error ? failure.message : String(failure));
      },
    );
  };
  useEffect(run, deps);
  return { value, error, reload: run };
}
