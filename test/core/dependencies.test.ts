import { describe, expect, it } from "vitest";
import { cycleError, findCycle } from "../../src/core/dependencies.js";

const graph = (edges: Record<string, string[]>): Map<string, string[]> => new Map(Object.entries(edges));

describe("findCycle", () => {
  it("finds a task depending on itself", () => {
    expect(findCycle("A", ["A"], graph({}))).toEqual(["A", "A"]);
  });

  it("finds a direct cycle (A → B → A)", () => {
    expect(findCycle("A", ["B"], graph({ B: ["A"] }))).toEqual(["A", "B", "A"]);
  });

  it("finds an indirect cycle through several tasks", () => {
    expect(findCycle("A", ["D"], graph({ D: ["C"], C: ["B"], B: ["A"] }))).toEqual(["A", "D", "C", "B", "A"]);
  });

  it("accepts a diamond, a chain and unknown ids", () => {
    expect(findCycle("E", ["B", "C"], graph({ B: ["A"], C: ["A"], A: [] }))).toBe(null);
    expect(findCycle("D", ["C"], graph({ C: ["B"], B: ["A"] }))).toBe(null);
    expect(findCycle("X", ["missing"], graph({}))).toBe(null);
  });

  it("terminates on an existing cycle elsewhere in the graph", () => {
    expect(findCycle("X", ["A"], graph({ A: ["B"], B: ["A"] }))).toBe(null);
  });

  it("names the cycle in the refusal", () => {
    const error = cycleError(["A", "B", "A"]);
    expect([error.code, error.message]).toEqual([
      "INVALID_INPUT",
      "dependency cycle rejected: A → B → A; a task cannot (indirectly) wait for itself",
    ]);
  });
});
