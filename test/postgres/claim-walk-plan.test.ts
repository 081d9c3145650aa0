/**
 * The ready list's walk on PostgreSQL (src/store/postgres/claim-walk.ts) is an ordered range
 * of the claim indexes, as EXPLAIN shows on a real board of 5,000 tasks, fresh (no statistics
 * yet, as a new board is) and after ANALYZE: no sequential scan; the agent's reservations and
 * the unreserved tasks each an index scan from the key, in index order; for no agent, the
 * reservations of every agent from an index of assigned tasks (a bitmap scan of those rows,
 * sorted: baton_tasks_reserved on a fresh board, baton_tasks_assignee once analyzed).
 */
import pg from "pg";
import { afterAll, beforeAll, expect, test } from "vitest";
import { openBoard } from "../../src/index.js";
import { claimWalkSql } from "../../src/store/postgres/claim-walk.js";
import { startPostgres } from "../support/postgres-server.js";
import type { ClaimWalk } from "../../src/store/store.js";
import type { PostgresServer } from "../support/postgres-server.js";

let server: PostgresServer;
beforeAll(async () => {
  server = await startPostgres();
}, 120_000);
afterAll(() => server?.stop());

const after = { reserved: 1 as const, rank: 2, createdAt: "2030-01-01T00:00:00.000Z", id: "T-5" };
const walks: [string, ClaimWalk, RegExp[]][] = [
  ["no agent, first page", { limit: 21 }, [/Index Scan using baton_tasks_claimable/]],
  ["no agent, from a cursor", { after, limit: 21 }, [/Index Cond: \(ROW\(priority_rank, created_at, id_order\) > ROW/]],
  ["an agent, first page", { agentId: "agent-1", limit: 21 }, [/Index Scan using baton_tasks_reserved/, /Index Scan using baton_tasks_claimable/]],
  ["an agent, in its reserved part", { agentId: "agent-1", after: { ...after, reserved: 0 }, limit: 21 }, [/assigned_to = /]],
  ["an agent, past its reserved part", { agentId: "agent-1", after, limit: 21 }, [/Index Scan using baton_tasks_claimable/]],
];

test("every walk reads the claim indexes from its key, never the whole table, fresh and after ANALYZE", async () => {
  const url = await server.createDatabase("walk_plan");
  const board = await openBoard(`${url}`);
  for (let from = 0; from < 5_000; from += 1_000) {
    await board.addMany(
      Array.from({ length: 1_000 }, (_, i) => ({ title: `t${from + i}`, ...(i % 25 === 0 && { assignedTo: `agent-${i % 3}` }) })),
    );
  }
  await board.close();
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    for (const analyzed of [false, true]) {
      if (analyzed) await client.query("ANALYZE baton_tasks");
      for (const [name, walk, expected] of walks) {
        const { text, values } = claimWalkSql(walk);
        const plan = (await client.query<{ "QUERY PLAN": string }>(`EXPLAIN (COSTS OFF) ${text}`, values)).rows
          .map((r) => r["QUERY PLAN"])
          .join("\n");
        const shown = `${name} (${analyzed ? "analyzed" : "fresh"}):\n${plan}`;
        expect(plan, shown).not.toMatch(/Seq Scan/);
        // Only the no-agent read of every reservation may gather its (few) rows and sort them,
        // from an index of assigned tasks only (the planner picks either, by its statistics).
        const bitmaps = [...plan.matchAll(/Bitmap Index Scan on (\w+)/g)].map((m) => m[1] as string);
        const assignedOnly = ["baton_tasks_reserved", "baton_tasks_assignee"];
        expect(bitmaps.filter((index) => walk.agentId !== undefined || !assignedOnly.includes(index)), shown).toEqual([]);
        for (const pattern of expected) expect(plan, shown).toMatch(pattern);
      }
    }
  } finally {
    await client.end();
  }
}, 180_000);
