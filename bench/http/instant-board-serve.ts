/**
 * serve's HTTP layer with nothing behind it: `node dist/bench/http/instant-board-serve.js`
 * (BATON_TOKEN set) builds the same app as `baton serve` (src/http/app.ts, the Node binding
 * of src/http/node.ts, the same guards, token check, zod parsing and wire shape) in front of
 * a board that answers every claim and completion at once, without a store, and prints
 * `{"url": …}` as serve's --json does.
 *
 * The http bench runs its clients against this too: the cycles/s it reaches is the most any
 * store behind serve could give on this machine in the same run, so it shows whether a
 * target is out of reach of store work alone. Not a board: only the three operations the
 * bench's clients call exist.
 */
import { createApp } from "../../src/http/app.js";
import { Credentials } from "../../src/http/auth.js";
import { EventFanout } from "../../src/http/event-fanout.js";
import { listen } from "../../src/http/node.js";
import { DEFAULT_MAX_BODY_BYTES } from "../../src/http/server.js";
import type { Board, Claim } from "../../src/board.js";
import type { Task } from "../../src/core/task.js";

const token = process.env.BATON_TOKEN;
if (!token) {
  console.error("instant-board-serve: set BATON_TOKEN (the bench does)");
  process.exit(2);
}

let claimed = 0;
/** A task as the real board answers a claim: every field set, a fresh id and token each time. */
function claimedTask(): Claim {
  claimed++;
  return { task: { ...answeredTask(`T-${claimed}`), title: `task ${claimed}`, leaseToken: claimed }, leaseToken: claimed };
}

/** A held task with every field set, as the board's answers carry them. */
function answeredTask(id: string): Task {
  const at = new Date().toISOString();
  return {
    id,
    title: `task ${id}`,
    description: "",
    metadata: {},
    result: null,
    status: "in_progress",
    priority: "medium",
    needs: [],
    dependsOn: [],
    assignedTo: "http-agent",
    leaseToken: 1,
    leaseExpiresAt: at,
    attempts: 1,
    maxAttempts: 3,
    nextAttemptAt: null,
    lastError: null,
    createdAt: at,
    updatedAt: at,
    createdBy: "bench",
    version: 2,
  };
}

/** A completion's answer; it claims nothing, so the claim count stays the claims'. */
const completed = (id: string): Task => ({ ...answeredTask(id), status: "completed", assignedTo: null, leaseToken: null, leaseExpiresAt: null, version: 3 });

const instantBoard = {
  claim: async () => claimedTask(),
  complete: async (id: string) => completed(id),
  completeAndClaimNext: async (id: string) => ({ completed: completed(id), next: claimedTask() }),
} as unknown as Board;

let app: ReturnType<typeof createApp> | null = null;
const listening = await listen((request) => (app as NonNullable<typeof app>).fetch(request), "127.0.0.1", 0);
app = createApp({
  board: instantBoard,
  events: new EventFanout(instantBoard),
  credentials: new Credentials([{ name: "operator", role: "write", token }]),
  allowedHosts: [`127.0.0.1:${listening.port}`],
  maxBodyBytes: DEFAULT_MAX_BODY_BYTES,
  stream: { heartbeatMs: 15_000, resyncAfter: 10_000, maxQueued: 2_000 },
  log: (message) => console.error(message),
});
console.log(JSON.stringify({ url: `http://127.0.0.1:${listening.port}` }));
process.once("SIGTERM", () => void listening.close().then(() => process.exit(0)));
