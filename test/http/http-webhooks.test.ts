/** `baton serve` delivers the board's webhooks while it runs, as `baton monitor` does. */
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { openBoard } from "../../src/index.js";
import { Webhooks } from "../../src/webhooks/webhooks.js";
import { freshBoardDir } from "../cli/cli.js";
import { startReceiver, TEST_SECRET } from "../webhooks/receiver.js";
import { startServer } from "./server-process.js";

describe("serve delivers webhooks", () => {
  it("a FAILED event on a served board reaches the receiver signed and once while serve runs; serve stops cleanly", async () => {
    const cwd = freshBoardDir();
    const url = `sqlite:${join(cwd, ".baton", "board.db")}`;
    const receiver = await startReceiver(TEST_SECRET);
    const board = await openBoard(url);
    const server = await startServer(cwd);
    try {
      await new Webhooks(board.store).add({ url: receiver.url, events: ["FAILED"], secret: TEST_SECRET });
      await board.add({ title: "will fail" });
      const { leaseToken } = await board.claim({ agent: "agent-1" });
      await board.fail("T-1", { token: leaseToken, error: "tests red" });
      await receiver.requests(1);
      const failed = (await board.audit({ type: "FAILED" }))[0]!;
      expect(receiver.received.map((r) => [r.id, r.verified, r.accepted])).toEqual([[String(failed.seq), true, true]]);
      expect(JSON.parse(receiver.received[0]!.body)).toMatchObject({ type: "FAILED", data: { seq: failed.seq, task_id: "T-1", type: "FAILED" } });
      expect(await server.stop()).toBe(0);
      expect(receiver.received.length).toBe(1);
    } finally {
      if (server.child.exitCode === null) await server.stop();
      await board.close();
      await receiver.close();
    }
  }, 60_000);
});
