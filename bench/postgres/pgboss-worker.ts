/** Bench worker: pg-boss fetch → complete, one job at a time, until the queue is empty. */
import PgBoss from "pg-boss";
import { reportResult, waitForGo } from "../../test/workers/barrier.js";

const spec = JSON.parse(process.argv[2] as string) as { url: string; queue: string; warmup: number };
// No supervisor, scheduler or migrations: this process only fetches and completes, like an
// agent; the benchmark created the schema and the queue before starting the workers.
const boss = new PgBoss({ connectionString: spec.url, max: 2, supervise: false, schedule: false, migrate: false });
boss.on("error", (error) => {
  throw error;
});
await boss.start();
// Warm-up cycles before the barrier (the bench added jobs for them), as the baton worker's.
for (let i = 0; i < spec.warmup; i++) {
  const [warm] = await boss.fetch(spec.queue, { batchSize: 1 });
  if (!warm) throw new Error("pg-boss warm-up found no job");
  await boss.complete(spec.queue, warm.id, { ok: true });
}
await waitForGo();
let done = 0;
for (;;) {
  const [job] = await boss.fetch(spec.queue, { batchSize: 1 });
  if (!job) break;
  await boss.complete(spec.queue, job.id, { ok: true });
  done++;
}
await boss.stop({ graceful: false, wait: true });
reportResult({ done });
