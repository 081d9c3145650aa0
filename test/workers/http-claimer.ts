/**
 * Race worker over HTTP: claims and completes tasks through `baton serve` (POST /api/claims,
 * then /complete with the lease token) until nothing is ready, then reports what it completed.
 */
import { exitOnError, reportResult, waitForGo, workerSpec } from "./barrier.js";

interface Spec {
  url: string;
  token: string;
  agent: string;
  leaseSeconds: number;
}

async function main(): Promise<void> {
  const spec = workerSpec<Spec>();
  const post = async (path: string, body: unknown): Promise<{ status: number; body: any }> => {
    const response = await fetch(`${spec.url}${path}`, {
      method: "POST",
      headers: { authorization: `Bearer ${spec.token}`, "content-type": "application/json" },
      body: JSON.stringify(body),
    });
    return { status: response.status, body: await response.json() };
  };
  await waitForGo();
  const completed: string[] = [];
  const refused: string[] = [];
  for (;;) {
    const claim = await post("/api/claims", { agent: spec.agent, lease_seconds: spec.leaseSeconds });
    if (claim.status === 409 && claim.body.error.code === "NOTHING_READY") break;
    if (claim.status !== 200) throw new Error(`claim answered ${claim.status}: ${JSON.stringify(claim.body)}`);
    const id = claim.body.task.id as string;
    const done = await post(`/api/tasks/${id}/complete`, { token: claim.body.lease_token, result: `done by ${spec.agent}` });
    if (done.status === 200) completed.push(id);
    else refused.push(`${id}: ${done.status} ${JSON.stringify(done.body)}`);
  }
  reportResult({ completed, refused });
}

main().catch(exitOnError);
