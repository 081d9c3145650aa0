/**
 * Delivery from the audit trail to loopback receivers, in one process: at least once through a
 * receiver's outage (backoff on an injected clock, no sleeps), Standard Webhooks signatures
 * checked with the secret, no redirect followed, the lease fencing a deliverer that stalled,
 * and a board that keeps working while a receiver hangs.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { openBoard } from "../../src/index.js";
import { Deliverer } from "../../src/webhooks/deliverer.js";
import { Webhooks } from "../../src/webhooks/webhooks.js";
import { startReceiver, TEST_SECRET } from "./receiver.js";
import type { Board } from "../../src/index.js";
import type { SendWebhook } from "../../src/webhooks/sender.js";
import type { Receiver } from "./receiver.js";

const root = mkdtempSync(join(tmpdir(), "baton-webhooks-"));
let boards = 0;
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** Starts at the real time: receivers check that a timestamp is within 5 minutes of now. */
class TestClock {
  ms = Date.now();
  readonly now = (): number => this.ms;
}

async function setUp(kind: "sqlite" | "json" = "sqlite"): Promise<{ board: Board; clock: TestClock; receiver: Receiver; url: string }> {
  const dir = mkdtempSync(join(root, `board-${++boards}-`));
  const url = kind === "sqlite" ? `sqlite:${join(dir, "board.db")}` : `json:${join(dir, "tasks.json")}`;
  const clock = new TestClock();
  const board = await openBoard(url, { clock: clock.now, random: () => 0.5 });
  const receiver = await startReceiver(TEST_SECRET);
  cleanups.push(() => board.close(), () => receiver.close());
  return { board, clock, receiver, url };
}

function deliverer(board: Board, clock: TestClock, options: ConstructorParameters<typeof Deliverer>[1] = {}): Deliverer {
  return new Deliverer(board.store, { clock: clock.now, random: () => 0.5, timeoutMs: 5_000, ...options });
}

describe("webhook delivery", () => {
  it("a receiver down for its first 3 attempts gets every event once it is up, in order, each signed with the secret; backoff 1 s, 2 s, 4 s", async () => {
    const { board, clock, receiver } = await setUp();
    const hooks = new Webhooks(board.store, { clock: clock.now });
    await board.add({ title: "before the hook" }); // seq 1: older than the hook, never sent
    const hook = await hooks.add({ url: receiver.url, events: ["CREATED", "FAILED"], secret: TEST_SECRET });
    expect(hook.cursor).toBe(1);
    await board.add({ title: "a" });
    const { leaseToken } = await board.claim({ agent: "A", ids: ["T-2"] });
    await board.fail("T-2", { token: leaseToken, error: "broke" });
    await board.add({ title: "b" });
    const wanted = (await board.audit({ afterSeq: 1 })).filter((e) => e.type === "CREATED" || e.type === "FAILED");
    expect(wanted.map((e) => e.type)).toEqual(["CREATED", "FAILED", "CREATED"]);

    receiver.behave((n) => (n <= 3 ? "down" : "accept"));
    const d = deliverer(board, clock);
    for (const delayMs of [1000, 2000, 4000]) {
      const before = receiver.received.length;
      expect(await d.deliverDue()).toEqual({ delivered: 0, failed: 1, skipped: 0 });
      expect(receiver.received.length).toBe(before + 1);
      const backingOff = await hooks.get(hook.id);
      expect(backingOff.nextAttemptAt).toBe(new Date(clock.ms + delayMs).toISOString());
      expect(backingOff.leaseHolder).toBeNull();
      // Not due yet: nothing is sent, however often a deliverer looks.
      clock.ms += delayMs - 1;
      expect(await d.deliverDue()).toEqual({ delivered: 0, failed: 0, skipped: 1 });
      expect(receiver.received.length).toBe(before + 1);
      clock.ms += 1;
    }
    expect(await d.deliverDue()).toEqual({ delivered: 3, failed: 0, skipped: 0 });
    const settled = await hooks.get(hook.id);
    expect(await d.deliverDue()).toEqual({ delivered: 0, failed: 0, skipped: 0 });
    expect((await hooks.get(hook.id)).version).toBe(settled.version); // an idle round writes nothing

    expect(receiver.acceptedIds()).toEqual(wanted.map((e) => String(e.seq)));
    expect(receiver.received.every((r) => r.verified)).toBe(true);
    const bodies = receiver.received.filter((r) => r.accepted).map((r) => JSON.parse(r.body) as Record<string, unknown>);
    expect(bodies.map((b) => [b.type, (b.data as { seq: number; task_id: string }).task_id])).toEqual([
      ["CREATED", "T-2"],
      ["FAILED", "T-2"],
      ["CREATED", "T-3"],
    ]);
    expect((bodies[1]?.data as Record<string, unknown>).agent_id).toBe("A");
    const after = await hooks.get(hook.id);
    expect([after.cursor, after.attempts, after.nextAttemptAt, after.lastError, after.leaseHolder]).toEqual([
      wanted.at(-1)?.seq,
      0,
      null,
      null,
      null,
    ]);
    const log = await hooks.log({ hookId: hook.id });
    expect(log.map((l) => [l.seq, l.attempt, l.outcome])).toEqual([
      [wanted[0]?.seq, 1, "failed"],
      [wanted[0]?.seq, 2, "failed"],
      [wanted[0]?.seq, 3, "failed"],
      [wanted[0]?.seq, 4, "delivered"],
      [wanted[1]?.seq, 1, "delivered"],
      [wanted[2]?.seq, 1, "delivered"],
    ]);
    expect(log[0]?.error).toMatch(/^cannot reach 127\.0\.0\.1:\d+: /);
    expect(log[3]?.status).toBe(204);
  });

  it("a signature made with another secret does not verify (the receiver's check can fail)", async () => {
    const { board, clock, receiver } = await setUp();
    await new Webhooks(board.store, { clock: clock.now }).add({
      url: receiver.url,
      events: ["CREATED"],
      secret: "whsec_" + Buffer.alloc(24, 7).toString("base64"),
    });
    await board.add({ title: "a" });
    expect((await deliverer(board, clock).deliverDue()).delivered).toBe(1);
    expect(receiver.received.map((r) => r.verified)).toEqual([false]);
  });

  it("a redirect is not followed: the attempt fails naming it, the other receiver gets nothing, the cursor stays", async () => {
    const { board, clock, receiver } = await setUp();
    const elsewhere = await startReceiver(TEST_SECRET);
    cleanups.push(() => elsewhere.close());
    receiver.behave(() => ({ redirectTo: elsewhere.url }));
    const hooks = new Webhooks(board.store, { clock: clock.now });
    const hook = await hooks.add({ url: receiver.url, events: ["CREATED"], secret: TEST_SECRET });
    await board.add({ title: "a" });
    expect(await deliverer(board, clock).deliverDue()).toEqual({ delivered: 0, failed: 1, skipped: 0 });
    expect(receiver.received).toHaveLength(1);
    expect(elsewhere.received).toHaveLength(0);
    const [entry] = await hooks.log({ hookId: hook.id });
    expect(entry?.status).toBe(302);
    expect(entry?.error).toBe(
      `the receiver answered 302 (a redirect to ${elsewhere.url}); baton never follows redirects: configure the final URL`,
    );
    expect((await hooks.get(hook.id)).cursor).toBe(hook.cursor);
  });

  it("a request without an answer is given up at its deadline and retried later", async () => {
    const { board, clock, receiver } = await setUp();
    receiver.behave((n) => (n === 1 ? "hang" : "accept"));
    const hooks = new Webhooks(board.store, { clock: clock.now });
    const hook = await hooks.add({ url: receiver.url, events: ["CREATED"], secret: TEST_SECRET });
    await board.add({ title: "a" });
    const d = deliverer(board, clock, { timeoutMs: 200 });
    expect(await d.deliverDue()).toEqual({ delivered: 0, failed: 1, skipped: 0 });
    expect((await hooks.log({ hookId: hook.id }))[0]?.error).toBe("the receiver did not answer within 200 ms");
    clock.ms += 1000;
    expect(await d.deliverDue()).toEqual({ delivered: 1, failed: 0, skipped: 0 });
  });

  for (const kind of ["sqlite", "json"] as const) {
    it(`${kind}: a claim completes while a delivery hangs on a receiver that never answers`, async () => {
      const { board, clock, receiver } = await setUp(kind);
      receiver.behave(() => "hang");
      await new Webhooks(board.store, { clock: clock.now }).add({ url: receiver.url, events: ["CREATED"], secret: TEST_SECRET });
      await board.add({ title: "a" });
      let settled = false;
      const round = deliverer(board, clock, { timeoutMs: 120_000 })
        .deliverDue()
        .finally(() => (settled = true));
      await receiver.requests(1);
      // The delivery is now waiting on the receiver; the board must not be.
      const claim = await board.claim({ agent: "A" });
      await board.complete(claim.task.id, { token: claim.leaseToken });
      await board.add({ title: "b" });
      expect(settled).toBe(false);
      await receiver.close(); // the hanging request now fails
      expect(await round).toEqual({ delivered: 0, failed: 1, skipped: 0 });
    });
  }

  it("while one deliverer holds a hook's lease another leaves it alone; once the lease expires the other takes over and the stalled one is fenced out", async () => {
    const { board, clock, receiver } = await setUp();
    const hooks = new Webhooks(board.store, { clock: clock.now });
    const hook = await hooks.add({ url: receiver.url, events: ["CREATED"], secret: TEST_SECRET });
    await board.add({ title: "a" });
    let answer: () => void = () => undefined;
    const stalled: SendWebhook = () =>
      new Promise((resolve) => {
        answer = () => resolve({ status: 204, error: null });
      });
    const first = deliverer(board, clock, { id: "first", send: stalled, leaseMs: 60_000, timeoutMs: 1_000 });
    const second = deliverer(board, clock, { id: "second", leaseMs: 60_000, timeoutMs: 1_000 });
    const firstRound = first.deliverDue();
    await new Promise((resolve) => setTimeout(resolve, 50));
    while ((await hooks.get(hook.id)).leaseHolder !== "first") await new Promise((resolve) => setTimeout(resolve, 10));
    expect(await second.deliverDue()).toEqual({ delivered: 0, failed: 0, skipped: 1 });
    expect(receiver.received).toHaveLength(0);
    clock.ms += 60_000; // the first deliverer's lease runs out
    expect(await second.deliverDue()).toEqual({ delivered: 1, failed: 0, skipped: 0 });
    answer(); // the stalled deliverer's receiver finally answers: too late to move the cursor
    expect(await firstRound).toEqual({ delivered: 0, failed: 0, skipped: 0 });
    const after = await hooks.get(hook.id);
    expect([after.cursor, after.leaseHolder]).toEqual([hook.cursor + 1, null]);
    expect((await hooks.log({ hookId: hook.id })).map((l) => l.outcome)).toEqual(["delivered"]);
  });

  it("a deliverer's second round while its first holds the lease leaves the hook alone (its own lease does not let it in twice)", async () => {
    const { board, clock } = await setUp();
    const hooks = new Webhooks(board.store, { clock: clock.now });
    const hook = await hooks.add({ url: "http://127.0.0.1:9/unused", events: ["CREATED"], secret: TEST_SECRET });
    await board.add({ title: "a" });
    const sentIds: string[] = [];
    let answer: () => void = () => undefined;
    const stalled: SendWebhook = (request) => {
      sentIds.push(request.headers["webhook-id"] as string);
      return new Promise((resolve) => {
        answer = () => resolve({ status: 204, error: null });
      });
    };
    const d = deliverer(board, clock, { send: stalled });
    const first = d.deliverDue();
    while (sentIds.length === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    expect((await hooks.get(hook.id)).leaseHolder).toBe(d.id);
    expect(await d.deliverDue()).toEqual({ delivered: 0, failed: 0, skipped: 1 });
    answer();
    expect(await first).toEqual({ delivered: 1, failed: 0, skipped: 0 });
    expect(sentIds).toEqual([String(hook.cursor + 1)]);
  });

  it("redelivery sends one event again with the same webhook-id and logs it, without moving the cursor", async () => {
    const { board, clock, receiver } = await setUp();
    const hooks = new Webhooks(board.store, { clock: clock.now });
    const hook = await hooks.add({ url: receiver.url, events: ["CREATED"], secret: TEST_SECRET });
    await board.add({ title: "a" });
    await deliverer(board, clock).deliverDue();
    const cursor = (await hooks.get(hook.id)).cursor;
    const again = await hooks.redeliver(hook.id, cursor);
    expect([again.outcome, again.redelivery, again.status]).toEqual(["delivered", true, 204]);
    expect(receiver.received.map((r) => [r.id, r.verified])).toEqual([
      [String(cursor), true],
      [String(cursor), true],
    ]);
    expect((await hooks.get(hook.id)).cursor).toBe(cursor);
    expect((await hooks.log({ hookId: hook.id })).map((l) => l.redelivery)).toEqual([false, true]);
  });

  it("stop() lets the request under way finish, records it and gives the lease up: never half a delivery", async () => {
    const { board, clock, receiver } = await setUp();
    const hooks = new Webhooks(board.store, { clock: clock.now });
    const hook = await hooks.add({ url: receiver.url, events: ["CREATED"], secret: TEST_SECRET });
    await board.add({ title: "a" });
    await board.add({ title: "b" });
    let answer: () => void = () => undefined;
    let sent = 0;
    const slow: SendWebhook = () => {
      sent++;
      return new Promise((resolve) => {
        answer = () => resolve({ status: 200, error: null });
      });
    };
    const d = deliverer(board, clock, { send: slow });
    d.start(10);
    while (sent === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    const stopped = d.stop();
    answer();
    await stopped;
    expect(sent).toBe(1); // the second event waits for the next deliverer
    const after = await hooks.get(hook.id);
    expect([after.cursor, after.leaseHolder]).toEqual([hook.cursor + 1, null]);
    expect((await hooks.log({ hookId: hook.id })).map((l) => [l.seq, l.outcome])).toEqual([[hook.cursor + 1, "delivered"]]);
  });
});
