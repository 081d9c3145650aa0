/**
 * What `baton demo` plays out: a small release, as a dependency graph with priorities and
 * capabilities, a team of agents, and a policy with short leases and backoff so that a
 * timeout and a retry happen within seconds instead of the real defaults' minutes.
 */
import type { BoardPolicyInput } from "../../core/policy.js";
import type { NewTaskInput } from "../../core/validation.js";

export const DEMO_POLICY = {
  leaseSeconds: 3,
  maxAttempts: 3,
  retryBaseSeconds: 2,
  retryMultiplier: 2,
  retryJitter: 0.1,
} as const satisfies BoardPolicyInput;

/** How an agent plays a task, read from its metadata. */
export const Behaviour = {
  /** Work, then complete. */
  normal: "normal",
  /** The first attempt fails (a flaky test); the retry after the backoff succeeds. */
  failOnce: "fail-once",
  /** The first holder hangs until the demo kills it; its lease expires; another agent finishes. */
  hangFirst: "hang-first",
} as const;
export type Behaviour = (typeof Behaviour)[keyof typeof Behaviour];

export interface DemoTaskMetadata {
  behaviour: Behaviour;
  workMs: number;
}

const task = (
  id: string,
  title: string,
  priority: NewTaskInput["priority"],
  needs: string[],
  dependsOn: string[],
  workMs: number,
  behaviour: Behaviour = Behaviour.normal,
): NewTaskInput & { id: string } => ({
  id,
  title,
  priority,
  needs,
  dependsOn,
  metadata: { behaviour, workMs } satisfies DemoTaskMetadata,
});

export const DEMO_TASKS = [
  task("T-1", "Design the API", "critical", ["technical"], [], 900),
  task("T-2", "Write the parser", "high", ["technical"], ["T-1"], 1200),
  task("T-3", "Write the storage layer", "high", ["technical"], ["T-1"], 1400),
  task("T-4", "Draft the user guide", "medium", ["content"], [], 1300),
  task("T-5", "Migrate the old data", "high", ["technical"], [], 1000, Behaviour.hangFirst),
  task("T-6", "Run the integration tests", "medium", ["technical"], ["T-2", "T-3"], 900, Behaviour.failOnce),
  task("T-7", "Translate the guide", "low", ["content"], ["T-4"], 1000),
  task("T-8", "Benchmark the parser", "medium", ["technical"], ["T-2"], 1100),
  task("T-9", "Write the release notes", "medium", ["content"], ["T-4", "T-6"], 800),
  task("T-10", "Tag the release", "critical", [], ["T-5", "T-6", "T-8", "T-9"], 500),
  task("T-11", "Announce the release", "low", ["content"], ["T-10", "T-7"], 600),
  task("T-12", "Tidy the issue tracker", "low", [], [], 700),
];

/** The task whose first holder the demo kills. */
export const HANG_TASK = "T-5";

export interface AgentProfile {
  id: string;
  capabilities: string[];
}

/**
 * The first two can do everything, so whichever agent is killed, the rest still cover every
 * capability and the graph always finishes.
 */
export const AGENT_PROFILES: readonly AgentProfile[] = [
  { id: "ada", capabilities: ["technical", "content"] },
  { id: "grace", capabilities: ["technical", "content"] },
  { id: "mary", capabilities: ["content"] },
  { id: "linus", capabilities: ["technical"] },
  { id: "alan", capabilities: ["technical"] },
  { id: "edsger", capabilities: ["technical", "content"] },
  { id: "barbara", capabilities: ["content"] },
  { id: "ken", capabilities: ["technical"] },
];
