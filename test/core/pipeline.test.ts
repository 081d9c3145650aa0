/** The dependency graph as a pipeline, pure: chains up and down, what completing unblocks, the critical path. */
import { describe, expect, test } from "vitest";
import { criticalPath, downstream, taskGraph, unblockedBy, upstream } from "../../src/core/pipeline.js";
import { taskIn } from "./fixtures.js";
import type { Task, TaskStatus } from "../../src/core/task.js";

const t = (id: string, status: TaskStatus, dependsOn: string[] = []): Task => taskIn(status, { id, dependsOn });

/**
 *   T-1 (done) ─┬─ T-2 (in progress) ── T-4 ── T-6
 *               └─ T-3 ─────────────────┘
 *   T-5 (needs T-1 and T-3)     T-7 alone     T-8 (cancelled) ── T-9
 */
const graph = taskGraph([
  t("T-1", "completed"),
  t("T-2", "in_progress", ["T-1"]),
  t("T-3", "pending", ["T-1"]),
  t("T-4", "pending", ["T-2", "T-3"]),
  t("T-5", "pending", ["T-1", "T-3"]),
  t("T-6", "pending", ["T-4"]),
  t("T-7", "pending"),
  t("T-8", "cancelled"),
  t("T-9", "pending", ["T-8"]),
]);

describe("dependency chains", () => {
  test("upstream and downstream, nearest first", () => {
    expect(upstream(graph, "T-6")).toEqual(["T-4", "T-2", "T-3", "T-1"]);
    expect(downstream(graph, "T-1")).toEqual(["T-2", "T-3", "T-5", "T-4", "T-6"]);
    expect(upstream(graph, "T-7")).toEqual([]);
  });

  test("completing a task unblocks the dependants whose other dependencies are completed", () => {
    expect(unblockedBy(graph, "T-3")).toEqual(["T-5"]); // T-4 still waits for T-2
    expect(unblockedBy(graph, "T-2")).toEqual([]); // T-4 still waits for T-3
    expect(unblockedBy(graph, "T-4")).toEqual(["T-6"]);
  });
});

describe("the critical path", () => {
  test("the longest chain of open work; ties to the smaller first id", () => {
    expect(criticalPath(graph)).toEqual(["T-2", "T-4", "T-6"]);
    expect(criticalPath(graph, "T-5")).toEqual(["T-3", "T-5"]);
    expect(criticalPath(graph, "T-1")).toEqual([]); // completed: not open work
  });

  test("nothing open, nothing critical", () => {
    expect(criticalPath(taskGraph([t("T-1", "completed"), t("T-2", "dead")]))).toEqual([]);
  });
});
