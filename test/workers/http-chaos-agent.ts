/**
 * Chaos worker over HTTP: claims and completes through `baton serve` until the board has no
 * open task, while the suite SIGKILLs clients like it and the server itself. The server's URL
 * is read from `urlFile` (the suite rewrites it when it restarts the server on a new port).
 * A request whose connection failed is repeated: a claim simply again (a claim committed
 * without its answer is recovered when its short lease runs out), a completion with the same
 * token (fencing makes that safe). Each completion answered 2xx is appended to `ackLog`.
 * A completion refused with LEASE_LOST is fenced, as it must be, when the lease could have run
 * out: more than its length after the claim was sent (a loaded machine or a server restart can
 * take that long). One refused sooner is a refusal the suite reports as broken.
 */
import { appendFileSync, readFileSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";
import { exitOnError, reportResult, waitForGo, workerSpec } from "./barrier.js";

interface Spec {
  urlFile: string;
  token: string;
  agent: string;
  leaseSeconds: number;
  ackLog?: string;
  /** Give up after this long (the suite would report the tasks left open). */
  deadlineMs: number;
}

interface Answer {
  status: number;
  body: any;
}

async function main(): Promise<void> {
  const spec = workerSpec<Spec>();
  /** The answer, or null when the connection failed (the server is down or restarting). */
  const request = async (method: string, path: string, body?: unknown): Promise<Answer | null> => {
    const base = readFileSync(spec.urlFile, "utf8").trim();
    try {
      const response = await fetch(`${base}${path}`, {
        method,
        headers: { authorization: `Bearer ${spec.token}`, "content-type": "application/json" },
        ...(body !== undefined && { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(30_000),
      });
      return { status: response.status, body: await response.json() };
    } catch {
      return null;
    }
  };
  await waitForGo();
  const deadline = Date.now() + spec.deadlineMs;
  const completed: string[] = [];
  const refused: string[] = [];
  let fencedLate = 0;
  let connectionFailures = 0;
  const failed = async (): Promise<void> => {
    connectionFailures++;
    await sleep(50);
  };
  while (Date.now() < deadline) {
    const claimSentAt = Date.now();
    const claim = await request("POST", "/api/claims", { agent: spec.agent, lease_seconds: spec.leaseSeconds });
    if (!claim) {
      await failed();
      continue;
    }
    if (claim.status === 409 && claim.body.error?.code === "NOTHING_READY") {
      const stats = await request("GET", "/api/stats");
      const counts = stats?.body.counts;
      if (counts && counts.pending + counts.in_progress + counts.failed === 0) break;
      await sleep(100);
      continue;
    }
    if (claim.status !== 200) {
      refused.push(`claim: ${claim.status} ${claim.body.error?.code}`);
      continue;
    }
    const id = claim.body.task.id as string;
    for (let lostAnswers = 0; ; ) {
      const done = await request("POST", `/api/tasks/${id}/complete`, { token: claim.body.lease_token, result: `done by ${spec.agent}` });
      if (!done) {
        lostAnswers++;
        await failed();
        continue;
      }
      if (done.status === 200) {
        completed.push(id);
        if (spec.ackLog) appendFileSync(spec.ackLog, `${id}\n`);
      } else if (lostAnswers === 0 && done.body.error?.code === "LEASE_LOST" && Date.now() - claimSentAt > spec.leaseSeconds * 1000) {
        // The lease began after claimSentAt and the server judged it before now: sooner than
        // one lease length it cannot have run out, so such a refusal stays in `refused`.
        fencedLate++;
      } else {
        // After a lost answer a refusal is expected (the first try may have committed).
        refused.push(`complete${lostAnswers > 0 ? " after a lost answer" : ""}: ${done.status} ${done.body.error?.code}`);
      }
      break;
    }
  }
  reportResult({ completed, refused, fencedLate, connectionFailures });
}

main().catch(exitOnError);
