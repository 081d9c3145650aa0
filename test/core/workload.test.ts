/** The coordinator's choices, pure: liveness, auto-assignment and the balance plan. */
import { describe, expect, test } from "vitest";
import { agentLoads, chooseAssignee, livenessOf, planBalance } from "../../src/core/workload.js";
import { T0, iso, taskIn } from "./fixtures.js";
import type { Agent, Task } from "../../src/core/task.js";

const rule = { leaseSeconds: 60, agentTimeoutSeconds: 600 };
const agent = (id: string, capabilities: string[], seenSecondsAgo: number): Agent => ({
  id,
  capabilities,
  lastSeenAt: iso(-seenSecondsAgo),
});

/** Four agents of different capabilities and loads; D is dead. */
const AGENTS = [
  agent("A", ["technical"], 10),
  agent("B", ["technical", "content"], 50),
  agent("C", ["content"], 40),
  agent("D", ["technical", "content"], 601),
];
const held = (id: string, by: string): Task => taskIn("in_progress", { id, assignedTo: by });
const reserved = (id: string, by: string, overrides: Partial<Task> = {}): Task =>
  taskIn("pending", { id, assignedTo: by, ...overrides });

describe("liveness", () => {
  test("alive within a lease, silent until the agent timeout, dead after it", () => {
    expect(livenessOf(agent("X", [], 60), T0, rule)).toBe("alive");
    expect(livenessOf(agent("X", [], 61), T0, rule)).toBe("silent");
    expect(livenessOf(agent("X", [], 600), T0, rule)).toBe("silent");
    expect(livenessOf(agent("X", [], 601), T0, rule)).toBe("dead");
  });
});

describe("auto-assignment", () => {
  const loads = agentLoads(AGENTS, [held("H-1", "A"), reserved("R-1", "A"), held("H-2", "D")], T0, rule);

  test("loads count what an agent holds and what is reserved for it", () => {
    expect(loads.map((a) => [a.id, a.liveness, a.holding, a.reserved])).toEqual([
      ["A", "alive", 1, 1],
      ["B", "alive", 0, 0],
      ["C", "alive", 0, 0],
      ["D", "dead", 1, 0],
    ]);
  });

  test("the least-loaded alive agent with the needs; ties to the one idle longest; never dead D", () => {
    const pick = (needs: string[]) => chooseAssignee(taskIn("pending", { id: "N", needs }), loads)?.id ?? null;
    expect(pick(["technical"])).toBe("B");
    expect(pick(["content"])).toBe("B"); // B (seen 50 s ago) has idled longer than C (40 s)
    expect(pick([])).toBe("B");
    expect(pick(["technical", "content"])).toBe("B");
    expect(pick(["design"])).toBeNull();
    // With B busier than A, technical work goes to A: C lacks the capability, D is dead.
    const busyB = agentLoads(AGENTS, [held("H-1", "B"), reserved("R-1", "B"), held("H-3", "B")], T0, rule);
    expect(chooseAssignee(taskIn("pending", { needs: ["technical"] }), busyB)?.id).toBe("A");
    expect(chooseAssignee(taskIn("pending", { needs: ["content"] }), busyB)?.id).toBe("C");
  });
});

describe("the balance plan", () => {
  test("a dead agent's reservation moves first, then the overloaded agent's last ones until the spread is under 2", () => {
    const tasks = [
      reserved("T-1", "A", { needs: ["technical"], priority: "high" }),
      reserved("T-2", "A", { needs: ["technical"] }),
      reserved("T-3", "A", { needs: ["technical"], priority: "low" }),
      reserved("T-4", "A", { needs: ["technical"], createdAt: iso(5) }),
      reserved("T-5", "D", { needs: ["content"] }),
    ];
    const moves = planBalance(tasks, agentLoads(AGENTS, tasks, T0, rule));
    expect(moves.map((m) => [m.taskId, m.from, m.to, m.why])).toEqual([
      // B first (idle longest), then on to C once B took technical work C cannot do.
      ["T-5", "D", "C", "dead"],
      // A would claim T-3 (low) last, then T-4 (the newer medium); C cannot take technical work.
      ["T-3", "A", "B", "overloaded"],
      ["T-4", "A", "B", "overloaded"],
    ]);
    expect(tasks.map((t) => t.assignedTo)).toEqual(["A", "A", "A", "A", "D"]);
  });

  test("a balanced board has an empty plan; held tasks never move", () => {
    const tasks = [held("H-1", "A"), held("H-2", "A"), held("H-3", "A"), reserved("R-1", "B")];
    expect(planBalance(tasks, agentLoads(AGENTS, tasks, T0, rule))).toEqual([]);
  });
});
