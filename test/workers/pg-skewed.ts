/**
 * Clock-skew worker: shifts this process's clock (Date.now) by `skewMs` before opening a
 * PostgreSQL board, then claims or heartbeats once and reports what the board answered. The
 * board must judge leases on the database's clock, so the skew must change nothing.
 */
import { exitOnError, reportResult, workerSpec } from "./barrier.js";

interface Spec {
  url: string;
  skewMs: number;
  agent: string;
  action: "claim" | "heartbeat";
  id?: string;
  token?: number;
  leaseSeconds: number;
}

async function main(): Promise<void> {
  const spec = workerSpec<Spec>();
  const realNow = Date.now.bind(Date);
  Date.now = () => realNow() + spec.skewMs;
  const { openBoard } = await import("../../src/index.js");
  const board = await openBoard(spec.url);
  try {
    const outcome =
      spec.action === "claim"
        ? await board.claim({ agent: spec.agent, leaseSeconds: spec.leaseSeconds, ...(spec.id && { ids: [spec.id] }) })
        : { task: await board.heartbeat(spec.id as string, { token: spec.token, leaseSeconds: spec.leaseSeconds }) };
    reportResult({ ok: true, task: outcome.task, localNow: Date.now() });
  } catch (error) {
    const { code, message } = error as { code?: string; message: string };
    reportResult({ ok: false, code, message, localNow: Date.now() });
  } finally {
    await board.close();
  }
}

main().catch(exitOnError);
