/**
 * Clock faults on the stores that judge leases on the local clock (SQLite, JSON): agent
 * processes whose clock is an hour behind or ahead of the holder's (test/workers/
 * clock-jumped-agent.ts injects the clock through the board's `clock` option) act on a held
 * lease. Asserts exactly what docs/guarantees.md ("Leases judged on a synchronised clock") says
 * a jump does: a process an hour behind never expires a lease early; one an hour ahead
 * expires it (and the old holder is fenced); a holder an hour behind writes a lease that has
 * already run out for everyone else; tokens never repeat; a heal afterwards leaves a sound board.
 */
import { describe, expect, it } from "vitest";
import { readBack } from "../../bench/chaos/read-back.js";
import { freshUrl } from "../../bench/chaos/boards.js";
import { openBoard } from "../../src/index.js";
import { spawnWorker } from "../support/processes.js";
import type { ChaosStore } from "../../bench/chaos/scenarios.js";
import type { Task } from "../../src/index.js";

const HOUR_MS = 3_600_000;
const LEASE_SECONDS = 600; // far longer than the test: only the jumps can expire it
const TIMEOUT_MS = 120_000; // generous: the machine may be loaded; nothing here asserts speed

interface Answer {
  ok: boolean;
  code?: string;
  task?: Task;
  leaseToken?: number;
  heal?: { timedOut: string[] };
}

async function agent(url: string, skewMs: number, spec: { agent: string; action: string; id?: string; token?: number }): Promise<Answer> {
  const exit = await spawnWorker("clock-jumped-agent", { url, skewMs, leaseSeconds: LEASE_SECONDS, ...spec }).exited;
  expect(exit.code, exit.stderr).toBe(0);
  return exit.result as Answer;
}

async function expectSoundAfterHeal(url: string): Promise<void> {
  const board = await openBoard(url);
  await board.heal();
  await board.close();
  const back = await readBack(url);
  expect(back.readable).toBe(true);
  expect(back.holding.violations).toEqual([]);
  expect(back.tokenReuses).toBe(0);
  expect(back.replayMismatches).toBe(0);
  expect(back.leaseInconsistent).toBe(0);
}

for (const store of ["sqlite", "json"] as ChaosStore[]) {
  describe(`clock jumps of an hour: ${store}`, () => {
    it("an agent an hour behind never expires a held lease; one an hour ahead does, and the holder is fenced", { timeout: TIMEOUT_MS }, async () => {
      const url = await freshUrl(store);
      const holder = await openBoard(url);
      const { id } = await holder.add({ title: "held across clock jumps" });
      const held = await holder.claim({ agent: "holder", leaseSeconds: LEASE_SECONDS });

      // An hour behind: the lease has an hour and ten minutes left there. Nothing takes it.
      expect(await agent(url, -HOUR_MS, { agent: "behind", action: "claim" })).toMatchObject({ ok: false, code: "NOTHING_READY" });
      expect((await agent(url, -HOUR_MS, { agent: "behind", action: "heal" })).heal?.timedOut).toEqual([]);
      expect(await holder.get(id)).toMatchObject({ status: "in_progress", assignedTo: "holder", leaseToken: held.leaseToken });

      // An hour ahead: the lease ran out fifty minutes ago there. It is taken over with a new token.
      const ahead = await agent(url, HOUR_MS, { agent: "ahead", action: "claim" });
      expect(ahead).toMatchObject({ ok: true, task: { id, assignedTo: "ahead" } });
      expect(ahead.leaseToken).toBeGreaterThan(held.leaseToken);
      await expect(holder.complete(id, { token: held.leaseToken })).rejects.toMatchObject({ code: "LEASE_LOST" });
      expect(await holder.get(id)).toMatchObject({ status: "in_progress", assignedTo: "ahead", leaseToken: ahead.leaseToken });
      const timeouts = (await holder.audit()).filter((e) => e.type === "TIMEOUT");
      expect(timeouts.map((e) => e.taskId)).toEqual([id]);
      await holder.close();
      await expectSoundAfterHeal(url);
    });

    it("a holder an hour behind writes a lease already run out for everyone else: taken over at once, its token fenced", { timeout: TIMEOUT_MS }, async () => {
      const url = await freshUrl(store);
      const board = await openBoard(url);
      const { id } = await board.add({ title: "claimed on a clock an hour behind" });
      const behind = await agent(url, -HOUR_MS, { agent: "behind", action: "claim" });
      expect(behind).toMatchObject({ ok: true, task: { id, assignedTo: "behind" } });
      // Its lease ends ten minutes past its own now: fifty minutes ago on the real clock.
      expect(Date.parse(behind.task?.leaseExpiresAt as string)).toBeLessThan(Date.now());
      const taken = await board.claim({ agent: "on-time", leaseSeconds: LEASE_SECONDS });
      expect(taken.task.id).toBe(id);
      expect(taken.leaseToken).toBeGreaterThan(behind.leaseToken as number);
      // The holder's own clock still says its lease is live, but its token is no longer the task's.
      expect(await agent(url, -HOUR_MS, { agent: "behind", action: "heartbeat", id, token: behind.leaseToken })).toMatchObject({ ok: false, code: "LEASE_LOST" });
      expect(await agent(url, -HOUR_MS, { agent: "behind", action: "complete", id, token: behind.leaseToken })).toMatchObject({ ok: false, code: "LEASE_LOST" });
      expect(await board.get(id)).toMatchObject({ status: "in_progress", assignedTo: "on-time", leaseToken: taken.leaseToken });
      await board.close();
      await expectSoundAfterHeal(url);
    });

    it("claims from clocks jumping back and forth an hour: tokens strictly increase, one holder at a time, heal leaves a sound board", { timeout: TIMEOUT_MS }, async () => {
      const url = await freshUrl(store);
      const board = await openBoard(url);
      const { id } = await board.add({ title: "claimed round the clock" });
      await board.close();
      const skews = [0, -HOUR_MS, HOUR_MS, -HOUR_MS, 2 * HOUR_MS, 0, HOUR_MS];
      const tokens: number[] = [];
      for (const [i, skew] of skews.entries()) {
        const answer = await agent(url, skew, { agent: `agent-${i}`, action: "claim" });
        // Each one sees the previous lease live (a later or same clock) or run out (an earlier
        // writer's lease, seen from an hour or more ahead); it gets the task exactly then.
        if (answer.ok) tokens.push(answer.leaseToken as number);
        else expect(answer.code).toBe("NOTHING_READY");
      }
      // 0 claims; -1h: live there; +1h: the first lease ran out; -1h: live; +2h: taken;
      // 0: the +2h lease is live; +1h: still live (it ends 2h10m ahead).
      expect(tokens).toHaveLength(3);
      expect([...tokens].sort((a, b) => a - b)).toEqual(tokens);
      expect(new Set(tokens).size).toBe(tokens.length);
      const check = await openBoard(url);
      expect(await check.get(id)).toMatchObject({ status: "in_progress", assignedTo: "agent-4", leaseToken: tokens[2] });
      await check.close();
      await expectSoundAfterHeal(url);
    });
  });
}
