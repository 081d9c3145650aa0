/**
 * The webhook duty of long-running processes (src/webhooks/monitor-duty.ts): a tick reports
 * each attempt as one action, a hanging receiver never holds a tick past its budget nor starts
 * a second round beside the first, and drain() waits for the round in flight.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { openBoard } from "../../src/index.js";
import { WebhookDuty } from "../../src/webhooks/monitor-duty.js";
import { Webhooks } from "../../src/webhooks/webhooks.js";
import { startReceiver, TEST_SECRET } from "./receiver.js";

const root = mkdtempSync(join(tmpdir(), "baton-webhook-duty-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe("webhook duty", () => {
  it("reports one action per attempt; a hanging receiver lets ticks go on without a second round; drain waits for it", async () => {
    const board = await openBoard(`sqlite:${join(mkdtempSync(join(root, "b-")), "board.db")}`);
    const receiver = await startReceiver(TEST_SECRET);
    try {
      await new Webhooks(board.store).add({ url: receiver.url, events: ["CREATED"], secret: TEST_SECRET });
      await board.add({ title: "a" });
      const duty = new WebhookDuty(board.store, { timeoutMs: 120_000, tickBudgetMs: 20 });
      const [first] = [...(await duty.run()), ...(await duty.drain())];
      expect(first).toMatchObject({ duty: "webhooks", action: "delivered" });
      expect(first?.detail).toMatch(/^webhook 1: event 1 CREATED, attempt 1: delivered \(204, \d+ ms\)$/);

      receiver.behave(() => "hang");
      await board.add({ title: "b" });
      const tickWhileHanging = duty.run();
      await receiver.requests(2);
      expect(await tickWhileHanging).toEqual([]); // back within its budget, the request still open
      expect(await duty.run()).toEqual([]); // no second round beside the hanging one
      expect(receiver.received).toHaveLength(2);
      const drained = duty.drain();
      await receiver.close();
      const [failed] = await drained;
      expect(failed).toMatchObject({ duty: "webhooks", action: "failed" });
      expect(failed?.detail).toMatch(/^webhook 1: event 2 CREATED, attempt 1: failed: cannot reach /);
    } finally {
      await receiver.close();
      await board.close();
    }
  });
});
