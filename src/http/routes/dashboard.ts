/**
 * What the dashboard reads besides the board's own routes: a task's surroundings (its
 * dependencies both ways, why nobody can claim it now, its last heartbeat and checkpoint
 * note), the audit trail newest first paged back by seq, and throughput over time. Each is
 * a bounded read — keyset pages and index walks — so a 100k-task, 1M-event board answers at
 * once.
 */
import { claimBlockers } from "../../core/claimability.js";
import { eventToWire } from "../../core/wire-shape.js";
import { checkQuery, intParam } from "../input.js";
import { MAX_LIMIT } from "../paging.js";
import { param } from "../route.js";
import { eventFilter } from "./records.js";
import type { Task, TaskStatus } from "../../core/task.js";
import type { Route } from "../route.js";

/** How many downstream tasks the task page lists (the rest is a count). */
const DEPENDENTS_SHOWN = 200;
/** How far back the task page looks for a heartbeat that carried a checkpoint note. */
const HEARTBEATS_SEARCHED = 200;

const CHECKPOINT_PREFIX = "checkpoint: ";

const related = (task: Task) => ({ id: task.id, title: task.title, status: task.status });

export const dashboardRoutes: Route[] = [
  {
    method: "GET",
    path: "/api/tasks/:id/context",
    access: "read",
    async run(ctx) {
      checkQuery(ctx.query, []);
      const board = ctx.board;
      const task = await board.get(param(ctx, "id"));
      const [upstream, downstream, agents, heartbeats] = await Promise.all([
        board.store.read((tx) => tx.getTasks(task.dependsOn)),
        board.listPage({ dependsOn: task.id, limit: DEPENDENTS_SHOWN }),
        board.agents(),
        board.audit({ taskId: task.id, type: "HEARTBEAT", recent: HEARTBEATS_SEARCHED }),
      ]);
      const byId = new Map(upstream.map((t) => [t.id, t]));
      const statuses = new Map<string, TaskStatus | undefined>(task.dependsOn.map((id) => [id, byId.get(id)?.status]));
      const now = Date.now();
      const agentTimeoutMs = board.policy.agentTimeoutSeconds * 1000;
      const live = agents.filter((a) => now - Date.parse(a.lastSeenAt) <= agentTimeoutMs);
      const lastHeartbeat = heartbeats[heartbeats.length - 1];
      const checkpoint = [...heartbeats].reverse().find((e) => e.details.startsWith(CHECKPOINT_PREFIX));
      return {
        body: {
          dependencies: task.dependsOn.map((id) => {
            const dep = byId.get(id);
            return dep ? related(dep) : { id, title: "(no such task)", status: "missing" };
          }),
          dependents: downstream.items.map(related),
          more_dependents: downstream.nextCursor !== null,
          blockers: claimBlockers(task, statuses, live, now),
          last_heartbeat_at: lastHeartbeat?.at ?? null,
          checkpoint: checkpoint ? { note: checkpoint.details.slice(CHECKPOINT_PREFIX.length), at: checkpoint.at } : null,
        },
      };
    },
  },
  {
    method: "GET",
    path: "/api/events/recent",
    access: "read",
    async run(ctx) {
      checkQuery(ctx.query, ["task", "agent", "type", "before", "limit"]);
      const limit = intParam("limit", ctx.query.limit, 1, MAX_LIMIT) ?? 100;
      const before = intParam("before", ctx.query.before, 1, Number.MAX_SAFE_INTEGER);
      // One more than asked says whether older events exist, without counting them.
      const events = await ctx.board.audit({
        ...eventFilter(ctx.query),
        recent: limit + 1,
        ...(before !== undefined && { beforeSeq: before }),
      });
      const newestFirst = events.reverse();
      const items = newestFirst.slice(0, limit);
      const oldest = items[items.length - 1];
      return {
        body: {
          items: items.map(eventToWire),
          next_before: newestFirst.length > limit && oldest ? oldest.seq : null,
        },
      };
    },
  },
  {
    method: "GET",
    path: "/api/stats/throughput",
    access: "read",
    async run(ctx) {
      checkQuery(ctx.query, ["minutes", "bucket_seconds"]);
      const minutes = intParam("minutes", ctx.query.minutes, 1, 7 * 24 * 60) ?? 60;
      const bucketSeconds = intParam("bucket_seconds", ctx.query.bucket_seconds, 10, 86_400) ?? (minutes <= 180 ? 60 : 600);
      const now = Date.now();
      const bucketMs = bucketSeconds * 1000;
      const first = Math.floor((now - minutes * 60_000) / bucketMs) * bucketMs;
      const buckets = Array.from({ length: Math.floor((now - first) / bucketMs) + 1 }, (_, i) => ({
        at: new Date(first + i * bucketMs).toISOString(),
        completed: 0,
        failed: 0,
      }));
      // One aggregate query per store (StoreReader.countOutcomes), exact however many events
      // the window holds; events stamped after `now` (another machine's clock) are left out.
      const counts = await ctx.board.store.read((tx) => tx.countOutcomes(new Date(first).toISOString(), bucketMs));
      for (const count of counts) {
        const bucket = buckets[count.bucket];
        if (!bucket) continue;
        bucket.completed = count.completed;
        bucket.failed = count.failed;
      }
      return { body: { bucket_seconds: bucketSeconds, buckets, partial: false } };
    },
  },
];
