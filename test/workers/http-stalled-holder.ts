/**
 * Fencing worker over HTTP (the twin of stalled-holder.ts): claims one task through
 * `baton serve`, prints "claimed ID TOKEN", then waits until the file `resumeFile` exists. The
 * chaos suite SIGSTOPs it past its lease, lets another agent take the task, creates that file
 * and SIGCONTs it; it then tries every fenced write with its stale token and reports how many
 * the server refused with 409 LEASE_LOST and how many it accepted (any other answer is a failure).
 */
import { existsSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";
import { exitOnError, reportResult, waitForGo, workerSpec } from "./barrier.js";
import { postJson } from "./http-client.js";
import type { JsonAnswer } from "./http-client.js";

interface Spec {
  url: string;
  token: string;
  agent: string;
  leaseSeconds: number;
  resumeFile: string;
}

async function main(): Promise<void> {
  const spec = workerSpec<Spec>();
  const post = (path: string, body: unknown): Promise<JsonAnswer> => postJson(spec, path, body, 60_000);
  await waitForGo();
  const claim = await post("/api/claims", { agent: spec.agent, lease_seconds: spec.leaseSeconds });
  if (claim.status !== 200) throw new Error(`claim answered ${claim.status}: ${JSON.stringify(claim.body)}`);
  const id = claim.body.task.id as string;
  const token = claim.body.lease_token as number;
  process.stdout.write(`claimed ${id} ${token}\n`);
  while (!existsSync(spec.resumeFile)) await sleep(10);
  const late: [string, unknown][] = [
    ["heartbeat", { token }],
    ["complete", { token, result: "late" }],
    ["fail", { token, error: "late" }],
    ["release", { token }],
  ];
  let fenced = 0;
  let accepted = 0;
  for (const [verb, body] of late) {
    const answer = await post(`/api/tasks/${id}/${verb}`, body);
    if (answer.status >= 200 && answer.status < 300) accepted++;
    else if (answer.status === 409 && answer.body.error?.code === "LEASE_LOST") fenced++;
    else throw new Error(`late ${verb} answered ${answer.status}: ${JSON.stringify(answer.body)}`);
  }
  reportResult({ attempted: late.length, fenced, accepted });
}

main().catch(exitOnError);
