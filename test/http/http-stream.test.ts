/**
 * GET /api/events/stream in-process: ids are audit seqs, Last-Event-ID resumes exactly once
 * and in order from the audit trail, filters, heartbeats, and a slow client catches up from
 * the trail or is told to resync — never silently skipped.
 */
import { expect, test } from "vitest";
import { SseReader, seqOf } from "./sse-reader.js";
import { testServer } from "./http-harness.js";
import type { SseFrame } from "./sse-reader.js";
import type { TestServer } from "./http-harness.js";

async function openStream(s: TestServer, query = "", headers: Record<string, string> = {}): Promise<{ reader: SseReader; abort: AbortController }> {
  const abort = new AbortController();
  const response = await s.request("GET", `/api/events/stream${query}`, { headers, signal: abort.signal });
  expect(response.status).toBe(200);
  expect(response.headers.get("content-type")).toBe("text/event-stream; charset=utf-8");
  return { reader: new SseReader(response.body as ReadableStream<Uint8Array>), abort };
}

/** The next n events; fails after 30 s rather than waiting for the test timeout. */
async function take(reader: SseReader, n: number): Promise<SseFrame[]> {
  const frames: SseFrame[] = [];
  const deadline = Date.now() + 30_000;
  while (frames.length < n) {
    const frame = await Promise.race([
      reader.nextEvent(),
      new Promise<never>((_, reject) =>
        setTimeout(() => reject(new Error(`only ${frames.length} of ${n} events within 30 s`)), Math.max(0, deadline - Date.now())).unref(),
      ),
    ]);
    if (!frame) throw new Error(`stream ended after ${frames.length} of ${n} events`);
    frames.push(frame);
  }
  return frames;
}

test("events arrive as they commit, each with id = its audit seq and data in the wire shape", async () => {
  const s = await testServer();
  await s.board.add({ title: "before the stream" });
  const { reader, abort } = await openStream(s);
  const added = await s.board.add({ title: "live" });
  await s.board.claim({ agent: "A" });
  const frames = await take(reader, 2);
  expect(frames.map(seqOf)).toEqual([2, 3]);
  const data = frames.map((f) => JSON.parse(f.data as string));
  expect(data.map((e) => [e.seq, e.type, e.task_id])).toEqual([[2, "CREATED", added.id], [3, "CLAIMED", "T-1"]]);
  expect(Object.keys(data[0])).toEqual(["seq", "at", "type", "task_id", "agent_id", "from", "to", "details", "data"]);
  abort.abort();
  await reader.cancel();
});

test("Last-Event-ID resumes after that seq from the audit trail: every event once, in order", async () => {
  const s = await testServer();
  const first = await openStream(s, "?after=0");
  await s.board.addMany(Array.from({ length: 30 }, (_, i) => ({ title: `t${i}` })));
  const seen = (await take(first.reader, 12)).map(seqOf);
  first.abort.abort();
  await first.reader.cancel();
  // Written while no client was connected.
  for (let i = 0; i < 5; i++) await s.board.claim({ agent: "A" });
  const resumed = await openStream(s, "?after=999", { "last-event-id": String(seen[seen.length - 1]) });
  seen.push(...(await take(resumed.reader, 30 + 5 - 12)).map(seqOf));
  await s.board.add({ title: "after the reconnect" });
  seen.push(...(await take(resumed.reader, 1)).map(seqOf));
  expect(seen).toEqual(Array.from({ length: 36 }, (_, i) => i + 1));
  resumed.abort.abort();
  await resumed.reader.cancel();
});

test("the stream filters like /api/events: task, agent, type", async () => {
  const s = await testServer();
  await s.board.addMany([{ title: "a" }, { title: "b" }]);
  const byType = await openStream(s, "?after=0&type=CLAIMED");
  const byTask = await openStream(s, "?after=0&task=T-2");
  await s.board.claim({ agent: "A", ids: ["T-1"] });
  await s.board.claim({ agent: "B", ids: ["T-2"] });
  const claimed = (await take(byType.reader, 2)).map((f) => JSON.parse(f.data as string));
  expect(claimed.map((e) => [e.type, e.task_id, e.agent_id])).toEqual([["CLAIMED", "T-1", "A"], ["CLAIMED", "T-2", "B"]]);
  const t2 = (await take(byTask.reader, 2)).map((f) => JSON.parse(f.data as string));
  expect(t2.map((e) => [e.type, e.task_id])).toEqual([["CREATED", "T-2"], ["CLAIMED", "T-2"]]);
  for (const stream of [byType, byTask]) {
    stream.abort.abort();
    await stream.reader.cancel();
  }
  const bad = await s.json("GET", "/api/events/stream?type=NOPE", 400);
  expect(bad.error.code).toBe("INVALID_INPUT");
});

test("an idle stream gets a heartbeat comment every heartbeatMs", async () => {
  const s = await testServer({ stream: { heartbeatMs: 30, resyncAfter: 10_000, maxQueued: 1000 } });
  const { reader, abort } = await openStream(s);
  const comments: string[] = [];
  while (comments.length < 2) {
    const frame = await reader.next();
    if (frame?.comment !== undefined) comments.push(frame.comment);
  }
  expect(comments).toEqual(["heartbeat", "heartbeat"]);
  abort.abort();
  await reader.cancel();
});

/** 300 CREATED events of ~2 KB each: far more than a stream buffers (64 KiB) for a client that does not read. */
async function flood(s: TestServer): Promise<void> {
  await s.board.addMany(Array.from({ length: 300 }, (_, i) => ({ title: `t${i}`, description: "x".repeat(2000) })));
}

test("a client that stops reading catches up from the audit trail when it reads again: nothing skipped", async () => {
  const s = await testServer({ stream: { heartbeatMs: 15_000, resyncAfter: 100_000, maxQueued: 10 } });
  const { reader, abort } = await openStream(s);
  await flood(s);
  await new Promise((r) => setTimeout(r, 300));
  const frames = await take(reader, 300);
  expect(frames.map(seqOf)).toEqual(Array.from({ length: 300 }, (_, i) => i + 1));
  expect(frames.every((f) => f.event === undefined)).toBe(true);
  abort.abort();
  await reader.cancel();
});

test("a client too far behind is told to resync with the seqs it skips, then goes on live", async () => {
  const s = await testServer({ stream: { heartbeatMs: 15_000, resyncAfter: 50, maxQueued: 10 } });
  const { reader, abort } = await openStream(s);
  await flood(s);
  await new Promise((r) => setTimeout(r, 300));
  const covered: number[] = [];
  let resyncs = 0;
  while (covered[covered.length - 1] !== 300) {
    const [frame] = await take(reader, 1);
    if (frame?.event === "resync") {
      resyncs++;
      const { from_seq, to_seq } = JSON.parse(frame.data as string);
      expect(seqOf(frame)).toBe(to_seq);
      for (let seq = from_seq; seq <= to_seq; seq++) covered.push(seq);
    } else {
      covered.push(seqOf(frame as SseFrame));
    }
  }
  expect(resyncs).toBeGreaterThanOrEqual(1);
  // Every seq either delivered or named in a resync, once each, in order.
  expect(covered).toEqual(Array.from({ length: 300 }, (_, i) => i + 1));
  await s.board.add({ title: "live again" });
  expect((await take(reader, 1)).map(seqOf)).toEqual([301]);
  abort.abort();
  await reader.cancel();
});

test("50 concurrent stream clients each receive every event, in order", async () => {
  const s = await testServer();
  const clients = await Promise.all(Array.from({ length: 50 }, () => openStream(s)));
  await s.board.addMany(Array.from({ length: 20 }, (_, i) => ({ title: `t${i}` })));
  for (let i = 0; i < 10; i++) await s.board.claim({ agent: `A${i}` });
  const received = await Promise.all(clients.map(async (c) => (await take(c.reader, 30)).map(seqOf)));
  for (const seqs of received) expect(seqs).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
  for (const c of clients) {
    c.abort.abort();
    await c.reader.cancel();
  }
});

test("a store that fails under a stream ends that stream with an error; the server goes on", async () => {
  const { Board } = await import("../../src/board.js");
  const { EventFanout } = await import("../../src/http/event-fanout.js");
  const { BatonError } = await import("../../src/index.js");
  const failing = new Board({
    kind: "sqlite",
    location: "nowhere",
    read: async () => {
      throw new BatonError("STORE_UNAVAILABLE", "the store is down");
    },
    transaction: async () => {
      throw new BatonError("STORE_UNAVAILABLE", "the store is down");
    },
    close: async () => {},
  } as never);
  const s = await testServer({ board: failing, events: new EventFanout(failing, 10) });
  const response = await s.request("GET", "/api/events/stream");
  expect(response.status).toBe(200);
  const reader = new SseReader(response.body as ReadableStream<Uint8Array>);
  await expect(reader.next()).rejects.toThrow("the store is down");
  const health = await s.json("GET", "/api/health", 503);
  expect(health.error).toEqual({ code: "STORE_UNAVAILABLE", message: "the store is down" });
});
