/**
 * HTTP clients of the http bench: `node dist/bench/http/client-worker.js URL TOKEN FIRST N`,
 * forked with IPC. Runs N concurrent agent loops (agents FIRST…FIRST+N-1), each claim →
 * complete over keep-alive HTTP, and reports cycles inside the measured window (the same
 * barrier protocol as bench/sqlite/cycle-worker.ts).
 */
import http from "node:http";
import type { DoneMessage, ParentMessage, WorkerMessage } from "../sqlite/protocol.js";

const [base, token, firstArg, countArg] = process.argv.slice(2);
if (!base || !token || !firstArg || !countArg || !process.send) {
  console.error("usage: forked by the bench with IPC: client-worker.js URL TOKEN FIRST N");
  process.exit(2);
}
const url = new URL(base);
const agentCount = Number(countArg);
const pool = new http.Agent({ keepAlive: true, maxSockets: agentCount });
const send = (message: WorkerMessage): void => void process.send?.(message);

function post(path: string, body: unknown): Promise<{ status: number; body: any }> {
  const payload = JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const request = http.request(
      {
        host: url.hostname,
        port: url.port,
        path,
        method: "POST",
        agent: pool,
        headers: { authorization: `Bearer ${token}`, "content-type": "application/json", "content-length": Buffer.byteLength(payload) },
      },
      (response) => {
        let text = "";
        response.setEncoding("utf8").on("data", (c: string) => (text += c));
        response.on("end", () => resolve({ status: response.statusCode ?? 0, body: JSON.parse(text) }));
      },
    );
    request.on("error", reject);
    request.end(payload);
  });
}

async function cycle(agent: string): Promise<"done" | "empty"> {
  const claim = await post("/api/claims", { agent });
  if (claim.status === 409 && claim.body.error?.code === "NOTHING_READY") return "empty";
  if (claim.status !== 200) throw new Error(`claim: ${claim.status} ${JSON.stringify(claim.body)}`);
  const done = await post(`/api/tasks/${claim.body.task.id}/complete`, { token: claim.body.lease_token });
  if (done.status !== 200) throw new Error(`complete: ${done.status} ${JSON.stringify(done.body)}`);
  return "done";
}

const agents = Array.from({ length: agentCount }, (_, i) => `http-${Number(firstArg) + i}`);
for (const agent of agents.slice(0, 4)) await cycle(agent); // warm the connections and the server's JIT
const goMessage = new Promise<ParentMessage>((resolve) => process.once("message", (m) => resolve(m as ParentMessage)));
send({ type: "ready" });
const go = await goMessage;
await new Promise((resolve) => setTimeout(resolve, Math.max(0, go.startAt - Date.now())));
const measureFrom = performance.now() + go.warmupMs;
const measureUntil = measureFrom + go.windowMs;
let cycles = 0;
let exhausted = false;
const latencies: number[] = [];
await Promise.all(
  agents.map(async (agent) => {
    while (performance.now() < measureUntil && !exhausted) {
      const started = performance.now();
      if ((await cycle(agent)) === "empty") {
        exhausted = true;
        return;
      }
      const finished = performance.now();
      if (started >= measureFrom) latencies.push(finished - started);
      if (finished >= measureFrom && finished < measureUntil) cycles++;
    }
  }),
);
pool.destroy();
const done: DoneMessage = { type: "done", cycles, claimLatencies: latencies, exhausted };
// Disconnect once the message is handed to the channel (see bench/sqlite/cycle-worker.ts).
process.send(done, undefined, {}, (error) => {
  if (error) {
    console.error(`http bench client ${firstArg}: could not send its result: ${error.message}`);
    process.exitCode = 1;
  }
  process.disconnect();
});
