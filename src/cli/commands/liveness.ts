/** Verbs about leases and agents' liveness: heal (recover now) and agents (alive, silent or dead). */
import { printable } from "../escape.js";
import { activityTable } from "../human-coordination.js";
import { agentActivityToWire } from "../../core/wire-shape.js";
import { healJson } from "../json-shape.js";
import { action, verb } from "../verb.js";
import type { Command } from "commander";

export function registerLivenessVerbs(program: Command): void {
  verb(program, "heal", "recover expired leases and due retries now, and declare silent agents dead").action(
    action(async (ctx) => {
      const report = await (await ctx.board()).heal();
      const parts = [
        `${count(report.timedOut.length, "lease", "leases")} timed out${list(report.timedOut)}`,
        `${count(report.poisoned.length, "task", "tasks")} dead${list(report.poisoned)}`,
        `${count(report.retried.length, "retry", "retries")} due${list(report.retried)}`,
        `${count(report.deadAgents.length, "agent", "agents")} declared dead${list(report.deadAgents)}`,
      ];
      return { json: healJson(report), human: `healed: ${printable(parts.join("; "))}` };
    }),
  );

  verb(program, "agents", "agents seen on this board: alive, silent or dead, with their workload and record").action(
    action(async (ctx) => {
      const agents = await (await ctx.board()).activity();
      return {
        // The agent's fields as before, plus its workload (fields are only ever added).
        json: agents.map(agentActivityToWire),
        human: activityTable(agents, ctx.style, Date.now()),
      };
    }),
  );
}

function list(ids: readonly string[]): string {
  return ids.length ? ` (${ids.join(", ")})` : "";
}

/** "1 retry", "3 retries": plain words, not "retry(ies)". */
function count(n: number, one: string, many: string): string {
  return `${n} ${n === 1 ? one : many}`;
}
