/**
 * LISTEN baton_events on a dedicated connection (a pooled one would be handed to other work),
 * registered in baton_listeners so that writers notify at all. Every commit that appended
 * events then sends one NOTIFY (see baton_append_event); the listener
 * only pokes the watcher, which then reads events by seq — so a notification lost while the
 * connection was down costs nothing: after reconnecting we poke once to catch up.
 */
import pg from "pg";

export class EventListener {
  private client: pg.Client | undefined;
  private stopped = false;
  private reconnecting = false;

  constructor(
    private readonly url: string,
    private readonly onEvent: () => void,
  ) {}

  async start(): Promise<void> {
    const client = new pg.Client({ connectionString: this.url, keepAlive: true, application_name: "baton-watch" });
    client.on("notification", () => this.onEvent());
    client.on("error", () => this.reconnect());
    client.on("end", () => this.reconnect());
    await client.connect();
    await client.query("LISTEN baton_events");
    // Writers notify only while a listener is registered (NOTIFY serialises commits); rows of
    // listeners that died without unregistering are purged here.
    await client.query(
      `DELETE FROM baton_listeners WHERE pid NOT IN (SELECT pid FROM pg_stat_activity WHERE pid IS NOT NULL);
       INSERT INTO baton_listeners (pid) VALUES (pg_backend_pid()) ON CONFLICT (pid) DO UPDATE SET since = now()`,
    );
    if (this.stopped) {
      client.removeAllListeners("end");
      await client.end().catch(() => undefined);
      return;
    }
    this.client = client;
  }

  private reconnect(): void {
    if (this.stopped || this.reconnecting) return;
    this.reconnecting = true;
    const old = this.client;
    this.client = undefined;
    old?.removeAllListeners("end");
    old?.end().catch(() => undefined);
    void (async () => {
      for (let attempt = 1; !this.stopped; attempt++) {
        await new Promise((resolve) => setTimeout(resolve, Math.min(1000, 50 * 2 ** attempt)));
        if (this.stopped) break;
        try {
          await this.start();
          this.reconnecting = false;
          this.onEvent();
          return;
        } catch {
          // still down; try again
        }
      }
      this.reconnecting = false;
    })();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    const client = this.client;
    this.client = undefined;
    if (!client) return;
    client.removeAllListeners("end");
    await client.query("DELETE FROM baton_listeners WHERE pid = pg_backend_pid()").catch(() => undefined);
    await client.end().catch(() => undefined);
  }
}
