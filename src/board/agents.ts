/**
 * Agents as the board sees them: registered with their capabilities, touched (last seen) by
 * their claims and heartbeats, added ahead of a first claim, removed when they hold nothing.
 */
import * as z from "zod/mini";
import { fromIso, toIso } from "../core/time.js";
import { agentIdSchema, capabilitySchema, parseInput } from "../core/validation.js";
import { addAgent, removeAgent } from "./coordination.js";
import { actorOf } from "./context.js";
import type { BoardPolicy } from "../core/policy.js";
import type { Agent } from "../core/task.js";
import type { StoreReader, StoreWriter } from "../store/store.js";
import type { BoardContext } from "./context.js";

/** Records an agent's capabilities (used by claims that name none). */
export async function registerAgent(ctx: BoardContext, agent: string, capabilities: readonly string[]): Promise<Agent> {
  const id = parseInput(agentIdSchema, agent, "agent");
  const caps = parseInput(z.array(capabilitySchema), [...capabilities], "capabilities");
  return ctx.store.transaction(async (tx) => {
    const now = await ctx.now(tx);
    await touchAgent(tx, id, caps, now, ctx.policy);
    return (await tx.getAgent(id)) as Agent;
  });
}

/** Registers an agent ahead of its first claim (seen now, with these capabilities). */
export async function addAgentAhead(ctx: BoardContext, agent: string, capabilities: readonly string[]): Promise<Agent> {
  const id = parseInput(agentIdSchema, agent, "agent");
  const caps = parseInput(z.array(capabilitySchema), [...capabilities], "capabilities");
  return ctx.store.transaction(async (tx) => {
    await addAgent(tx, id, [...new Set(caps)], await ctx.now(tx));
    return (await tx.getAgent(id)) as Agent;
  });
}

/** Forgets an agent that holds nothing, lifting its reservations. */
export async function forgetAgent(ctx: BoardContext, agent: string, by: { agent?: string }): Promise<void> {
  const id = parseInput(agentIdSchema, agent, "agent");
  const actor = actorOf(by);
  await ctx.store.transaction(async (tx) => removeAgent(tx, id, actor, await ctx.now(tx)));
}

/** Marks the agent seen now (with these capabilities, else those it had); returns its capabilities. */
export async function touchAgent(
  tx: StoreWriter,
  agent: string,
  capabilities: readonly string[] | undefined,
  now: number,
  policy: BoardPolicy,
): Promise<string[]> {
  const known = await tx.getAgent(agent);
  const caps = capabilities ? [...capabilities] : (known?.capabilities ?? []);
  if (known && !mustTouch(known, caps, now, policy)) return caps;
  await tx.putAgent({ id: agent, capabilities: caps, lastSeenAt: toIso(now) });
  return caps;
}

/**
 * An agent seen within the last second (or 1 % of the agent timeout, if less) with the same
 * capabilities keeps its row: rewriting it on every claim and heartbeat cost a SQLite page
 * per operation, and liveness is judged in minutes.
 */
function mustTouch(known: Agent, capabilities: readonly string[], now: number, policy: BoardPolicy): boolean {
  const seen = fromIso(known.lastSeenAt);
  const interval = Math.min(1000, policy.agentTimeoutSeconds * 10);
  return (
    seen > now ||
    now - seen >= interval ||
    known.capabilities.length !== capabilities.length ||
    known.capabilities.some((c, i) => c !== capabilities[i])
  );
}

/** The capabilities a read judges by: those given (checked), else those the agent registered. */
export async function capabilitiesOf(
  tx: StoreReader,
  agent: string | undefined,
  given: readonly string[] | undefined,
): Promise<string[]> {
  if (given) return parseInput(z.array(capabilitySchema), [...given], "capabilities");
  if (agent === undefined) return [];
  return (await tx.getAgent(agent))?.capabilities ?? [];
}
