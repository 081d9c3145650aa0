/** Task ids: reserving fresh ones atomically (seed 003) and raising counters past existing ids. */
import { formatId, highestPerPrefix, idsInMarkdown } from "../core/ids.js";
import { toIso } from "../core/time.js";
import { checkPrefix, parseInput, positiveIntSchema } from "../core/validation.js";
import { actorOf } from "./context.js";
import type { BoardContext } from "./context.js";
import type { Reservation } from "./types.js";

/** n fresh ids, atomically (seed 003): {"ids":["SEC-20","SEC-21"],"reservedAt":"…"}. */
export async function reserveIds(ctx: BoardContext, prefix: string, n: number, by: { agent?: string }): Promise<Reservation> {
  checkPrefix(prefix, ctx.policy.allowedPrefixes);
  parseInput(positiveIntSchema("the number of ids to reserve", 10_000), n, "reserve");
  const agent = actorOf(by);
  return ctx.store.transaction(async (tx) => {
    const now = await ctx.now(tx);
    const last = await tx.advanceCounter(prefix, n);
    const ids = Array.from({ length: n }, (_, i) => formatId(prefix, last - n + 1 + i));
    const reservedAt = toIso(now);
    await tx.appendEvent({
      at: reservedAt,
      type: "IDS_RESERVED",
      taskId: null,
      agentId: agent,
      from: null,
      to: null,
      details: `reserved ${ids.length === 1 ? ids[0] : `${ids[0]}…${ids[ids.length - 1]}`}`,
      data: { prefix, ids },
    });
    return { ids, reservedAt };
  });
}

/**
 * Raise counters above every PREFIX-N already on the board and, when given, in a TASKS.md,
 * so reserved ids never collide with existing ones. Returns the counters after.
 */
export async function initCounters(ctx: BoardContext, options: { markdown?: string }): Promise<Record<string, number>> {
  return ctx.store.transaction(async (tx) => {
    const ids = (await tx.listTasks({})).map((t) => t.id);
    if (options.markdown !== undefined) ids.push(...idsInMarkdown(options.markdown));
    const before = await tx.counters();
    // Only the prefixes the board allows get counters: no id of another may be minted.
    const allowed = ctx.policy.allowedPrefixes;
    for (const [prefix, n] of highestPerPrefix(ids)) {
      if (allowed === undefined || allowed.length === 0 || allowed.includes(prefix)) await tx.raiseCounter(prefix, n);
    }
    const after = await tx.counters();
    const raised = Object.fromEntries(Object.entries(after).filter(([prefix, n]) => before[prefix] !== n));
    if (Object.keys(raised).length > 0) {
      await tx.appendEvent({
        at: toIso(await ctx.now(tx)),
        type: "COUNTERS_RAISED",
        taskId: null,
        agentId: null,
        from: null,
        to: null,
        details: `counters raised past existing ids: ${Object.entries(raised).map(([p, n]) => `${p} → ${n}`).join(", ")}`,
        data: { before, after: raised },
      });
    }
    return after;
  });
}
