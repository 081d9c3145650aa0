/**
 * Webhook delivery beside the board, in one process (as `baton serve` runs it: the deliverer
 * shares the event loop and the SQLite connection with the board's operations): claim+complete
 * cycles/s and claim p99 with no deliverer, with a deliverer sending every CLAIMED and COMPLETED
 * event to a loopback receiver that answers at once, and with one whose receiver never answers.
 * The receiver runs in the same process too, so its work counts against the board: an upper
 * bound on the cost. Ratios only; nothing is asserted.
 *
 *   BENCH_WEBHOOKS_WINDOW_MS [2000]  measured window per configuration
 */
import { createServer } from "node:http";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openBoard } from "../../src/index.js";
import { Deliverer } from "../../src/webhooks/deliverer.js";
import { Webhooks } from "../../src/webhooks/webhooks.js";
import type { BenchSection } from "../report.js";

const windowMs = Number(process.env.BENCH_WEBHOOKS_WINDOW_MS ?? 2000);
const SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

type Receiver = "none" | "answers" | "hangs";

interface Result {
  cycles: number;
  claimP99Ms: number;
  delivered: number;
}

async function measure(receiver: Receiver, root: string): Promise<Result> {
  const sockets = new Set<import("node:net").Socket>();
  const server = createServer((request, response) => {
    request.resume();
    request.on("end", () => {
      if (receiver === "answers") response.writeHead(204).end();
    });
  });
  server.on("connection", (s) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const board = await openBoard(`sqlite:${join(mkdtempSync(join(root, "b-")), "board.db")}`);
  let deliverer: Deliverer | undefined;
  let delivered = 0;
  try {
    await board.addMany(Array.from({ length: 20_000 }, (_, i) => ({ title: `task ${i}` })));
    if (receiver !== "none") {
      const port = (server.address() as { port: number }).port;
      await new Webhooks(board.store).add({ url: `http://127.0.0.1:${port}/`, events: ["CLAIMED", "COMPLETED"], secret: SECRET });
      deliverer = new Deliverer(board.store, { timeoutMs: 2_000, onAttempt: (_h, d) => void (d.outcome === "delivered" && delivered++) });
      deliverer.start(20);
    }
    const claims: number[] = [];
    const started = performance.now();
    let cycles = 0;
    while (performance.now() - started < windowMs) {
      const t0 = performance.now();
      const claim = await board.claim({ agent: "bench" });
      claims.push(performance.now() - t0);
      await board.complete(claim.task.id, { token: claim.leaseToken });
      cycles++;
      // An agent's loop does I/O between operations; without this yield, SQLite's synchronous
      // steps chained by promises would never let the event loop run timers or sockets.
      await new Promise((resolve) => setImmediate(resolve));
    }
    const seconds = (performance.now() - started) / 1000;
    claims.sort((a, b) => a - b);
    return { cycles: cycles / seconds, claimP99Ms: claims[Math.floor(claims.length * 0.99)] ?? 0, delivered: delivered / seconds };
  } finally {
    for (const s of sockets) s.destroy();
    await deliverer?.stop();
    await board.close();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

export async function run(): Promise<BenchSection> {
  const root = mkdtempSync(join(tmpdir(), "baton-bench-webhooks-"));
  try {
    await measure("none", root); // warm-up: the first configuration measured ran ~2x slower
    const none = await measure("none", root);
    const answers = await measure("answers", root);
    const hangs = await measure("hangs", root);
    return {
      title: "Webhooks beside the board (SQLite, one process)",
      tables: [
        {
          title: `claim+complete in one process for ${windowMs} ms`,
          columns: ["deliverer", "cycles/s", "claim p99 ms", "deliveries/s"],
          rows: [
            ["none", none.cycles, none.claimP99Ms, 0],
            ["receiver answers at once", answers.cycles, answers.claimP99Ms, answers.delivered],
            ["receiver never answers", hangs.cycles, hangs.claimP99Ms, hangs.delivered],
          ],
        },
      ],
      ratios: [
        { name: "cycles/s with a hanging receiver ÷ without a deliverer", value: hangs.cycles / none.cycles },
        { name: "cycles/s delivering every event ÷ without a deliverer", value: answers.cycles / none.cycles },
      ],
      notes: [
        "A receiver that never answers costs the board nothing but one request per deadline. Delivering every event costs it each delivery's HTTP exchange (both ends in this process) and one compare-and-set write; hooks are meant for the rare events (FAILED, POISON_PILL…).",
      ],
    };
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}
