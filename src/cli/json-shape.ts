/**
 * What `--json` prints: the fields of SPEC §1 in snake_case, the same names the MCP tools use.
 * Scripts parse these, so a field is never renamed, only added.
 */
import type { HealReport } from "../board.js";

export {
  agentToWire as agentJson,
  eventToWire as eventJson,
  taskToWire as taskJson,
} from "../core/wire-shape.js";

export function healJson(report: HealReport): Record<string, unknown> {
  return {
    timed_out: report.timedOut,
    poisoned: report.poisoned,
    retried: report.retried,
    dead_agents: report.deadAgents,
  };
}
