/**
 * HTTP clients of the http bench: `node dist/bench/http/client-worker.js URL TOKEN FIRST N
 * SHAPE`, forked with IPC. Runs N concurrent agent loops (agents FIRST…FIRST+N-1), each on
 * its own keep-alive connection (wire-client.ts), and reports the cycles and its own CPU
 * inside the measured window (the barrier protocol of bench/sqlite/cycle-worker.ts).
 * SHAPE `two`: a cycle is POST /api/claims then POST /api/tasks/:id/complete (two requests);
 * `one`: a cycle is one POST /api/tasks/:id/complete with `claim_next`, which completes the
 * task held and answers the next one claimed (after one first claim).
 */
import { WireConnection } from "./wire-client.js";
import type { WireAnswer } from "./wire-client.js";
import type { DoneMessage, ParentMessage, WorkerMessage } from "../sqlite/protocol.js";

const [base, token, firstArg, countArg, shape = "two"] = process.argv.slice(2);
if (!base || !token || !firstArg || !countArg || (shape !== "two" && shape !== "one") || !process.send) {
  console.error("usage: forked by the bench with IPC: client-worker.js URL TOKEN FIRST N [two|one]");
  process.exit(2);
}
const url = new URL(base);
const send = (message: WorkerMessage): void => void process.send?.(message);

interface Held {
  id: string;
  token: number;
}

class HttpAgent {
  private readonly connection = new WireConnection(url, token as string);
  private held: Held | null = null;

  constructor(private readonly name: string) {}

  /** One claim → complete cycle; "empty" when the board has nothing left to claim. */
  async cycle(): Promise<"done" | "empty"> {
    if (shape === "two" || !this.held) {
      const claim = expect(await this.connection.post("/api/claims", { agent: this.name }), "claim");
      if (claim === null) return "empty";
      this.held = { id: claim.task.id, token: claim.lease_token };
    }
    const held = this.held;
    if (shape === "two") {
      expect(await this.connection.post(`/api/tasks/${held.id}/complete`, { token: held.token }), "complete");
      this.held = null;
      return "done";
    }
    const answer = expect(
      await this.connection.post(`/api/tasks/${held.id}/complete`, { token: held.token, claim_next: { agent: this.name } }),
      "complete with claim_next",
    );
    this.held = answer.next ? { id: answer.next.task.id, token: answer.next.lease_token } : null;
    // The completion counts; a board with nothing left shows on the next cycle.
    return "done";
  }

  close(): void {
    this.connection.close();
  }
}

/** The answer's body, null for NOTHING_READY, else an error naming the request. */
function expect(answer: WireAnswer, what: string): any {
  if (answer.status === 409 && answer.body.error?.code === "NOTHING_READY") return null;
  if (answer.status !== 200) throw new Error(`${what}: ${answer.status} ${JSON.stringify(answer.body)}`);
  return answer.body;
}

const agents = Array.from({ length: Number(countArg) }, (_, i) => new HttpAgent(`http-${Number(firstArg) + i}`));
for (const agent of agents.slice(0, 4)) await agent.cycle(); // warm the connections and the server's JIT
const goMessage = new Promise<ParentMessage>((resolve) => process.once("message", (m) => resolve(m as ParentMessage)));
send({ type: "ready" });
const go = await goMessage;
await new Promise((resolve) => setTimeout(resolve, Math.max(0, go.startAt - Date.now())));
const measureFrom = performance.now() + go.warmupMs;
const measureUntil = measureFrom + go.windowMs;
// This process's CPU over the window, taken by timers at its two ends.
let cpuFrom: NodeJS.CpuUsage | undefined;
let cpuMicros: number | undefined;
const takeCpu = (): void => {
  const used = process.cpuUsage(cpuFrom);
  cpuMicros ??= used.user + used.system;
};
setTimeout(() => (cpuFrom = process.cpuUsage()), go.warmupMs);
setTimeout(takeCpu, go.warmupMs + go.windowMs);
let cycles = 0;
let exhausted = false;
const latencies: number[] = [];
await Promise.all(
  agents.map(async (agent) => {
    while (performance.now() < measureUntil && !exhausted) {
      const started = performance.now();
      if ((await agent.cycle()) === "empty") {
        exhausted = true;
        return;
      }
      const finished = performance.now();
      if (started >= measureFrom) latencies.push(finished - started);
      if (finished >= measureFrom && finished < measureUntil) cycles++;
    }
  }),
);
takeCpu(); // if the last answers came before the timer
for (const agent of agents) agent.close();
const done: DoneMessage = { type: "done", cycles, claimLatencies: latencies, exhausted, ...(cpuMicros !== undefined && { cpuMicros }) };
// Disconnect once the message is handed to the channel (see bench/sqlite/cycle-worker.ts).
process.send(done, undefined, {}, (error) => {
  if (error) {
    console.error(`http bench client ${firstArg}: could not send its result: ${error.message}`);
    process.exitCode = 1;
  }
  process.disconnect();
});
