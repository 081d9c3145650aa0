/**
 * What the demo shows while it runs: one line per event as it commits, and a status line —
 * redrawn in place on a terminal, printed whenever a task finishes otherwise (CI logs).
 */
import { table } from "../human.js";
import { STATUS_PAINT } from "../style.js";
import type { BoardEvent, TaskStatus } from "../../core/task.js";
import type { NewTaskInput } from "../../core/validation.js";
import type { Paint, Style } from "../style.js";

const AGENT_PAINTS: readonly Paint[] = ["cyan", "magenta", "blue", "yellow", "green"];

export class DemoView {
  private readonly status = new Map<string, TaskStatus>();
  private readonly titles = new Map<string, string>();
  private readonly agentPaint = new Map<string, Paint>();
  private statusShown = false;
  private ended = false;

  constructor(
    readonly style: Style,
    private readonly startedAt: number,
    private readonly write: (text: string) => void = (text) => void process.stdout.write(text),
  ) {}

  private get live(): boolean {
    return this.style.width !== null;
  }

  intro(tasks: readonly (NewTaskInput & { id: string })[], agents: readonly { id: string; capabilities: string[] }[], dir: string): void {
    for (const t of tasks) {
      this.titles.set(t.id, t.title);
      this.status.set(t.id, "pending");
    }
    agents.forEach((a, i) => this.agentPaint.set(a.id, AGENT_PAINTS[i % AGENT_PAINTS.length] as Paint));
    const s = this.style;
    this.line(s.paint("bold", `baton demo: ${agents.length} agent processes, ${tasks.length} tasks, one board`));
    this.line(s.paint("dim", `board: sqlite:${dir}/board.db · leases 3 s · retries after 2 s, then ×2`));
    this.line("");
    this.line(
      table(
        tasks,
        [
          { title: "TASK", cell: (t) => t.id, paint: () => "bold" },
          { title: "PRIORITY", cell: (t) => t.priority ?? "medium" },
          { title: "NEEDS", cell: (t) => (t.needs ?? []).join(",") || "anyone" },
          { title: "AFTER", cell: (t) => (t.dependsOn ?? []).join(",") },
          { title: "TITLE", cell: (t) => t.title },
        ],
        s,
      ),
    );
    this.line("");
    this.line(`agents: ${agents.map((a) => `${this.agent(a.id)} (${a.capabilities.join(", ")})`).join(" · ")}`);
    this.line("");
  }

  event(event: BoardEvent): void {
    if (event.taskId && event.to) this.status.set(event.taskId, event.to);
    if (event.type === "CREATED" || event.type === "HEARTBEAT") return;
    const s = this.style;
    const paint: Paint =
      event.type === "COMPLETED" ? "green" : event.type === "CLAIMED" ? "yellow" : ["FAILED", "TIMEOUT", "POISON_PILL"].includes(event.type) ? "red" : "cyan";
    const who = event.agentId ? this.agent(event.agentId) : "";
    const title = event.taskId ? this.titles.get(event.taskId) ?? "" : "";
    this.line(
      `${this.clock()}  ${s.paint(paint, event.type.padEnd(15))} ${s.paint("bold", (event.taskId ?? "").padEnd(5))} ` +
        `${who}${" ".repeat(Math.max(1, 8 - (event.agentId ?? "").length))}${title}${s.paint("dim", ` — ${event.details}`)}`,
    );
    if (!this.live && event.type === "COMPLETED") this.line(s.paint("dim", `        ${this.statusText()}`));
  }

  note(text: string): void {
    this.line(`${this.clock()}  ${this.style.paint("bold", text)}`);
  }

  agent(id: string): string {
    return this.style.paint(this.agentPaint.get(id) ?? "blue", id);
  }

  /** Redraws the status line (terminals only). */
  refresh(): void {
    if (!this.live || this.ended) return;
    this.write(`\r\x1b[2K${this.statusText()}`);
    this.statusShown = true;
  }

  line(text: string): void {
    if (this.statusShown) this.write("\r\x1b[2K");
    this.statusShown = false;
    this.write(`${text}\n`);
    this.refresh();
  }

  /** The graph is finished: print the final status for good and stop redrawing it. */
  done(): void {
    if (this.statusShown) this.write("\r\x1b[2K");
    this.statusShown = false;
    this.ended = true;
    if (this.live) this.write(`${this.clock()}  ${this.statusText()}\n`);
  }

  private clock(): string {
    return this.style.paint("dim", `+${((Date.now() - this.startedAt) / 1000).toFixed(1).padStart(4)}s`);
  }

  private statusText(): string {
    const counts = new Map<TaskStatus, number>();
    for (const status of this.status.values()) counts.set(status, (counts.get(status) ?? 0) + 1);
    const order: TaskStatus[] = ["completed", "in_progress", "failed", "pending", "dead", "cancelled"];
    return order
      .filter((s) => counts.get(s))
      .map((s) => `${this.style.paint(STATUS_PAINT[s], String(counts.get(s)))} ${s.replace("_", " ")}`)
      .join(" · ")
      .concat(this.style.paint("dim", `  (${this.status.size} tasks)`));
  }
}
