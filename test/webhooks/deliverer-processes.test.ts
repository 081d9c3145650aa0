/**
 * Several deliverers on one board, each its own OS process, in a fault-free run: between them
 * every event reaches the receiver exactly once (by its log of webhook-ids), while the same
 * processes keep adding the events being delivered.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openBoard } from "../../src/index.js";
import { Webhooks } from "../../src/webhooks/webhooks.js";
import { raceWorkers } from "../support/processes.js";
import { startPostgres } from "../support/postgres-server.js";
import { startReceiver, TEST_SECRET } from "./receiver.js";
import type { PostgresServer } from "../support/postgres-server.js";

const DELIVERERS = 3;
const ADDS = 15;
const root = mkdtempSync(join(tmpdir(), "baton-webhook-race-"));
let server: PostgresServer | undefined;
beforeAll(async () => {
  server = await startPostgres();
});
afterAll(async () => {
  await server?.stop();
  rmSync(root, { recursive: true, force: true });
});

const stores: Record<string, () => Promise<string>> = {
  sqlite: async () => `sqlite:${join(mkdtempSync(join(root, "sqlite-")), "board.db")}`,
  json: async () => `json:${join(mkdtempSync(join(root, "json-")), "tasks.json")}`,
  postgres: async () => (server as PostgresServer).createDatabase("webhooks"),
};

describe("webhook deliverers in separate processes", () => {
  for (const [kind, freshUrl] of Object.entries(stores)) {
    it(`${kind}: ${DELIVERERS} deliverers deliver each of ${DELIVERERS * ADDS + 5} events exactly once between them`, async () => {
      const url = await freshUrl();
      const board = await openBoard(url);
      const receiver = await startReceiver(TEST_SECRET);
      try {
        const hook = await new Webhooks(board.store).add({ url: receiver.url, events: ["CREATED"], secret: TEST_SECRET });
        for (let i = 0; i < 5; i++) await board.add({ title: `before ${i}` });
        const untilSeq = hook.cursor + 5 + DELIVERERS * ADDS;
        const { results } = await raceWorkers<{ delivered: number }>(
          "webhook-deliverer",
          Array.from({ length: DELIVERERS }, (_, i) => ({ url, agent: `deliverer-${i}`, hookId: hook.id, adds: ADDS, untilSeq, deadlineMs: 60_000 })),
        );
        const expected = (await board.audit({ afterSeq: hook.cursor })).map((e) => String(e.seq));
        expect(expected).toHaveLength(5 + DELIVERERS * ADDS);
        expect(receiver.acceptedIds()).toEqual(expected);
        expect(receiver.received.every((r) => r.verified)).toBe(true);
        expect(results.reduce((n, r) => n + r.delivered, 0)).toBe(expected.length);
        const log = await new Webhooks(board.store).log({ hookId: hook.id });
        expect(log.map((l) => String(l.seq))).toEqual(expected);
      } finally {
        await receiver.close();
        await board.close();
      }
    });
  }
});
