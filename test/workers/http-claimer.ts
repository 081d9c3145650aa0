/**
 * Race worker over HTTP: claims and completes tasks through `baton serve` (POST /api/claims,
 * then /complete with the lease token) until nothing is ready, then reports what it completed.
 * With `claimNext`, each completion asks for the next task in the same request (`claim_next`).
 */
import { exitOnError, reportResult, waitForGo, workerSpec } from "./barrier.js";
import { postJson } from "./http-client.js";
import type { JsonAnswer } from "./http-client.js";

interface Spec {
  url: string;
  token: string;
  agent: string;
  leaseSeconds: number;
  claimNext?: boolean;
}

async function main(): Promise<void> {
  const spec = workerSpec<Spec>();
  const post = (path: string, body: unknown): Promise<JsonAnswer> => postJson(spec, path, body);
  await waitForGo();
  const completed: string[] = [];
  const refused: string[] = [];
  let held: { id: string; token: number } | null = null;
  for (;;) {
    if (!held) {
      const claim = await post("/api/claims", { agent: spec.agent, lease_seconds: spec.leaseSeconds });
      if (claim.status === 409 && claim.body.error.code === "NOTHING_READY") break;
      if (claim.status !== 200) throw new Error(`claim answered ${claim.status}: ${JSON.stringify(claim.body)}`);
      held = { id: claim.body.task.id as string, token: claim.body.lease_token as number };
    }
    const { id, token } = held;
    held = null;
    const next = spec.claimNext ? { claim_next: { lease_seconds: spec.leaseSeconds } } : {};
    const done = await post(`/api/tasks/${id}/complete`, { token, result: `done by ${spec.agent}`, ...next });
    if (done.status !== 200) {
      refused.push(`${id}: ${done.status} ${JSON.stringify(done.body)}`);
      continue;
    }
    completed.push(id);
    if (spec.claimNext) {
      if (done.body.completed?.id !== id) throw new Error(`complete with claim_next answered ${JSON.stringify(done.body)}`);
      if (done.body.next) held = { id: done.body.next.task.id as string, token: done.body.next.lease_token as number };
    }
  }
  reportResult({ completed, refused });
}

main().catch(exitOnError);
