/**
 * The WebhookStore contract (src/store/store.ts): ids never reused, compare-and-set on the
 * hook's version with its log entry in the same step, the log's order and limit, and hooks that
 * outlive the process that added them.
 */
import { expect } from "vitest";
import { DELIVERY_LOG_KEEP } from "../../src/core/webhooks.js";
import type { NewDelivery, NewWebhook, Webhook } from "../../src/core/webhooks.js";
import type { Conformance } from "./harness.js";

const SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

function newHook(n: number): NewWebhook {
  return { url: `http://127.0.0.1:9/hook-${n}`, events: ["FAILED", "POISON_PILL"], secret: SECRET, createdAt: "2030-01-01T00:00:00.000Z", cursor: 7 };
}

function delivery(hookId: number, seq: number, attempt = 1): NewDelivery {
  return {
    hookId,
    seq,
    type: "FAILED",
    attempt,
    outcome: attempt === 1 ? "failed" : "delivered",
    status: attempt === 1 ? 503 : 204,
    error: attempt === 1 ? "the receiver answered 503" : null,
    at: `2030-01-01T00:00:0${attempt % 10}.000Z`,
    durationMs: 12,
    redelivery: false,
  };
}

export function webhookTests(c: Conformance): void {
  c.test("webhooks: added hooks get ids 1, 2, 3 that are never handed out again, and keep what was given", async () => {
    const { board } = await c.open();
    const hooks = board.store.webhooks;
    const one = await hooks.addWebhook(newHook(1));
    const two = await hooks.addWebhook(newHook(2));
    expect(one).toEqual({
      id: 1,
      ...newHook(1),
      attempts: 0,
      nextAttemptAt: null,
      lastError: null,
      leaseHolder: null,
      leaseExpiresAt: null,
      version: 1,
    });
    expect(two.id).toBe(2);
    expect(await hooks.removeWebhook(2)).toBe(true);
    expect(await hooks.removeWebhook(2)).toBe(false);
    expect((await hooks.addWebhook(newHook(3))).id).toBe(3);
    expect((await hooks.listWebhooks()).map((h) => [h.id, h.url])).toEqual([
      [1, "http://127.0.0.1:9/hook-1"],
      [3, "http://127.0.0.1:9/hook-3"],
    ]);
    expect(await hooks.getWebhook(2)).toBeUndefined();
    expect(await hooks.getWebhook(1)).toEqual(one);
  });

  c.test("webhooks: an update is compare-and-set on the version, and its log entry is written only with it", async () => {
    const { board } = await c.open();
    const hooks = board.store.webhooks;
    const hook = await hooks.addWebhook(newHook(1));
    const leased: Webhook = { ...hook, leaseHolder: "d1", leaseExpiresAt: "2030-01-01T00:01:00.000Z", version: 2 };
    expect(await hooks.updateWebhook(leased, 1)).toBe(true);
    expect(await hooks.getWebhook(1)).toEqual(leased);
    // A second writer that read version 1 is refused and writes nothing, log entry included.
    const stale: Webhook = { ...hook, cursor: 99, leaseHolder: "d2", version: 2 };
    expect(await hooks.updateWebhook(stale, 1, delivery(1, 99))).toBe(false);
    expect(await hooks.getWebhook(1)).toEqual(leased);
    expect(await hooks.listDeliveries({})).toEqual([]);
    const moved: Webhook = {
      ...leased,
      cursor: 12,
      attempts: 2,
      nextAttemptAt: "2030-01-01T00:00:30.000Z",
      lastError: "the receiver answered 503",
      version: 3,
    };
    expect(await hooks.updateWebhook(moved, 2, delivery(1, 12))).toBe(true);
    expect(await hooks.getWebhook(1)).toEqual(moved);
    expect(await hooks.listDeliveries({ hookId: 1 })).toEqual([{ id: 1, ...delivery(1, 12) }]);
    expect(await hooks.updateWebhook({ ...moved, id: 5, version: 4 }, 3)).toBe(false);
    expect(await hooks.listWebhooks()).toEqual([moved]);
  });

  c.test("webhooks: of two stores that both read version 1, the first to write wins and the other writes nothing", async () => {
    // Sequential on purpose: two SQLite stores of one process would wait for each other's
    // write lock on the same thread. Real racing processes: test/webhooks/deliverer-processes.test.ts.
    const { board, url } = await c.open();
    const other = await c.reopen(url);
    const hook = await board.store.webhooks.addWebhook(newHook(1));
    const seenByOther = await other.store.webhooks.getWebhook(1);
    expect(seenByOther?.version).toBe(1);
    expect(await board.store.webhooks.updateWebhook({ ...hook, leaseHolder: "a", version: 2 }, 1, delivery(1, 8))).toBe(true);
    expect(await other.store.webhooks.updateWebhook({ ...hook, leaseHolder: "b", version: 2 }, 1, delivery(1, 9))).toBe(false);
    expect((await other.store.webhooks.getWebhook(1))?.leaseHolder).toBe("a");
    expect((await other.store.webhooks.listDeliveries({})).map((d) => d.seq)).toEqual([8]);
  });

  c.test("webhooks: the log is oldest first by id, filtered by hook, the newest N on request; removing a hook drops its log", async () => {
    const { board, url } = await c.open();
    const hooks = board.store.webhooks;
    await hooks.addWebhook(newHook(1));
    await hooks.addWebhook(newHook(2));
    expect(await hooks.appendDelivery(delivery(1, 10))).toBe(true);
    expect(await hooks.appendDelivery(delivery(2, 11))).toBe(true);
    expect(await hooks.appendDelivery({ ...delivery(1, 12, 2), redelivery: true })).toBe(true);
    expect(await hooks.appendDelivery(delivery(9, 13))).toBe(false);
    expect((await hooks.listDeliveries({})).map((d) => [d.id, d.hookId, d.seq, d.redelivery])).toEqual([
      [1, 1, 10, false],
      [2, 2, 11, false],
      [3, 1, 12, true],
    ]);
    expect((await hooks.listDeliveries({ hookId: 1, limit: 1 })).map((d) => d.id)).toEqual([3]);
    expect(await hooks.listDeliveries({ hookId: 2 })).toEqual([{ id: 2, ...delivery(2, 11) }]);
    expect(await hooks.removeWebhook(1)).toBe(true);
    const reopened = await c.reopen(url);
    expect((await reopened.store.webhooks.listDeliveries({})).map((d) => d.id)).toEqual([2]);
    expect((await reopened.store.webhooks.listWebhooks()).map((h) => h.id)).toEqual([2]);
  });

  c.test(
    `webhooks: each hook's log keeps its newest ${DELIVERY_LOG_KEEP} entries`,
    async () => {
      const { board } = await c.open();
      const hooks = board.store.webhooks;
      await hooks.addWebhook(newHook(1));
      await hooks.addWebhook(newHook(2));
      await hooks.appendDelivery(delivery(2, 1));
      for (let seq = 1; seq <= DELIVERY_LOG_KEEP + 3; seq++) await hooks.appendDelivery(delivery(1, seq));
      const kept = await hooks.listDeliveries({ hookId: 1 });
      expect(kept).toHaveLength(DELIVERY_LOG_KEEP);
      expect(kept[0]?.seq).toBe(4);
      expect(kept.at(-1)?.seq).toBe(DELIVERY_LOG_KEEP + 3);
      expect((await hooks.listDeliveries({ hookId: 2 })).map((d) => d.seq)).toEqual([1]);
    },
    120_000,
  );
}
