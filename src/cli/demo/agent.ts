/**
 * One demo agent: a separate OS process that works the board through the library, as a real
 * agent would — claim the best task it may take, heartbeat while working, complete or fail it,
 * and stop when nothing is left. `baton demo` starts several of these and kills one.
 *
 *   node dist/src/cli/demo/agent.js STORE_URL AGENT_ID CAPABILITY,… POLICY_JSON
 */
import { ErrorCode, isBatonError, openBoard } from "../../index.js";
import { Behaviour } from "./graph.js";
import type { Board, Claim, Task } from "../../index.js";
import type { DemoTaskMetadata } from "./graph.js";

const [storeUrl, agent, capabilityList, policyJson] = process.argv.slice(2) as [string, string, string, string];
const capabilities = capabilityList.split(",").filter(Boolean);
const board = await openBoard(storeUrl, { policy: JSON.parse(policyJson) as object, create: false });
const heartbeatMs = (board.policy.leaseSeconds * 1000) / 3;

try {
  for (;;) {
    const claim = await claimNext(board);
    if (claim === "board-done") break;
    if (claim) await work(claim);
    else await sleep(120 + Math.random() * 120);
  }
} finally {
  await board.close();
}

async function claimNext(board: Board): Promise<Claim | null | "board-done"> {
  try {
    return await board.claim({ agent, capabilities });
  } catch (error) {
    if (!isBatonError(error) || error.code !== ErrorCode.NOTHING_READY) throw error;
    const counts = await board.stats();
    return counts.pending + counts.in_progress + counts.failed === 0 ? "board-done" : null;
  }
}

async function work({ task, leaseToken }: Claim): Promise<void> {
  const { behaviour, workMs } = task.metadata as unknown as DemoTaskMetadata;
  const firstAttempt = task.attempts === 0;
  // The hanging agent keeps heartbeating until it is killed, so its lease is live until then.
  const duration = behaviour === Behaviour.hangFirst && firstAttempt ? 120_000 : workMs;
  try {
    for (let spent = 0; spent < duration; spent += heartbeatMs) {
      await sleep(Math.min(heartbeatMs, duration - spent));
      if (spent + heartbeatMs < duration) await board.heartbeat(task.id, { token: leaseToken });
    }
    if (behaviour === Behaviour.failOnce && firstAttempt) {
      await board.fail(task.id, { token: leaseToken, error: "2 of 40 integration tests timed out (flaky network)" });
    } else {
      await board.complete(task.id, { token: leaseToken, result: resultOf(task) });
    }
  } catch (error) {
    // Fenced off: another agent owns the task now. Drop it; never redo its side effects.
    if (isBatonError(error) && error.code === ErrorCode.LEASE_LOST) return;
    throw error;
  }
}

function resultOf(task: Task): string {
  return `${task.title.toLowerCase()}: done by ${agent}`;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
