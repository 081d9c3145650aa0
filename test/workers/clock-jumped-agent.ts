/**
 * An agent process whose local clock is `skewMs` off the real one (an hour back or forward in
 * test/chaos/clock-jumps.test.ts), injected through the board's `clock` option — no root, no
 * libfaketime, and nothing in product code. Runs one action on a SQLite or JSON board and
 * reports what the board answered.
 */
import { openBoard } from "../../src/index.js";
import { exitOnError, reportResult, workerSpec } from "./barrier.js";

interface Spec {
  url: string;
  skewMs: number;
  agent: string;
  action: "claim" | "heartbeat" | "complete" | "heal";
  id?: string;
  token?: number;
  leaseSeconds?: number;
}

async function main(): Promise<void> {
  const spec = workerSpec<Spec>();
  const board = await openBoard(spec.url, { clock: () => Date.now() + spec.skewMs });
  try {
    const leaseSeconds = spec.leaseSeconds ?? 60;
    const answer =
      spec.action === "claim"
        ? await board.claim({ agent: spec.agent, leaseSeconds })
        : spec.action === "heartbeat"
          ? { task: await board.heartbeat(spec.id as string, { token: spec.token, leaseSeconds }) }
          : spec.action === "complete"
            ? { task: await board.complete(spec.id as string, { token: spec.token, result: `done by ${spec.agent}` }) }
            : { heal: await board.heal() };
    reportResult({ ok: true, ...answer });
  } catch (error) {
    const { code, message } = error as { code?: string; message: string };
    reportResult({ ok: false, code, message });
  } finally {
    await board.close();
  }
}

main().catch(exitOnError);
