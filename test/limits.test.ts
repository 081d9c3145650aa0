/**
 * The documented limits (src/core/limits.ts, README "Limits"): metadata nested 2,000–5,000
 * levels deep and dependency chains of thousands of tasks crashed baton with stack overflows.
 * Input beyond a limit is INVALID_INPUT naming it; a hand-written record beyond it is
 * CORRUPT_STORE naming the record, with the file left as it was; chains are checked
 * iteratively, in time linear in the chain.
 */
import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { findCycle, longestChain } from "../src/core/dependencies.js";
import { MAX_DEPENDENCY_CHAIN, MAX_METADATA_DEPTH, nestingDepth } from "../src/core/limits.js";
import { openBoard } from "../src/index.js";
import { baton } from "./cli/cli.js";

const root = mkdtempSync(join(tmpdir(), "baton-limits-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let boards = 0;
const freshUrl = (kind: "sqlite" | "json") =>
  `${kind}:${join(mkdtempSync(join(root, `b${++boards}-`)), kind === "json" ? "tasks.json" : "board.db")}`;

function nested(depth: number): Record<string, unknown> {
  let value: Record<string, unknown> = { leaf: true };
  for (let i = 1; i < depth; i++) value = { a: value };
  return value;
}

const sha = (path: string) => createHash("sha256").update(readFileSync(path)).digest("hex");

describe("metadata depth", () => {
  it(`accepts ${MAX_METADATA_DEPTH} levels; refuses ${MAX_METADATA_DEPTH + 1} and 5,000 with INVALID_INPUT naming the limit`, async () => {
    const board = await openBoard(freshUrl("sqlite"));
    try {
      expect(nestingDepth(nested(MAX_METADATA_DEPTH))).toBe(MAX_METADATA_DEPTH);
      const ok = await board.add({ title: "deep enough", metadata: nested(MAX_METADATA_DEPTH) });
      expect(nestingDepth(ok.metadata)).toBe(MAX_METADATA_DEPTH);
      for (const depth of [MAX_METADATA_DEPTH + 1, 2_000, 5_000]) {
        await expect(board.add({ title: "too deep", metadata: nested(depth) })).rejects.toMatchObject({
          code: "INVALID_INPUT",
          message: expect.stringContaining(`metadata nests deeper than ${MAX_METADATA_DEPTH} levels (the limit)`),
        });
        await expect(board.update(ok.id, { metadata: nested(depth) })).rejects.toMatchObject({ code: "INVALID_INPUT" });
      }
      expect((await board.list()).length).toBe(1);
    } finally {
      await board.close();
    }
  });

  it("a hand-written JSON record 5,000 levels deep is CORRUPT_STORE naming it, and the file is untouched", async () => {
    const url = freshUrl("json");
    const path = url.slice("json:".length);
    const board = await openBoard(url);
    await board.add({ title: "fine" });
    await board.close();
    const data = JSON.parse(readFileSync(path, "utf8")) as { tasks: Record<string, unknown>[] };
    const text = JSON.stringify(data).replace('"metadata":{}', `"metadata":${'{"a":'.repeat(5_000)}1${"}".repeat(5_000)}`);
    writeFileSync(path, text);
    const before = sha(path);
    for (const args of [["list"], ["add", "another"], ["show", "T-1"]]) {
      const result = baton([...args, "--store", url, "--json"], { cwd: root });
      expect(result.code).toBe(1);
      const error = (JSON.parse(result.stderr) as { error: { code: string; message: string } }).error;
      expect(error.code).toBe("CORRUPT_STORE");
      expect(error.message).toMatch(/T-1.*metadata nested deeper than 64 levels \(the limit\)/);
    }
    expect(sha(path)).toBe(before);
  });
});

describe("dependency chains", () => {
  it("finds cycles and measures chains of 100,000 tasks without recursion", () => {
    const n = 100_000;
    const edges = new Map(Array.from({ length: n }, (_, i) => [`T-${i + 1}`, i === 0 ? [] : [`T-${i}`]]));
    expect(longestChain([`T-${n}`], edges)).toBe(n);
    expect(findCycle("X", [`T-${n}`], edges)).toBeNull();
    edges.set("T-1", ["X"]);
    const cycle = findCycle("X", [`T-${n}`], edges) as string[];
    expect([cycle.length, cycle[0], cycle[1], cycle[n], cycle[n + 1]]).toEqual([n + 2, "X", `T-${n}`, "T-1", "X"]);
  });

  for (const kind of ["sqlite", "json"] as const) {
    it(`${kind}: a chain of ${MAX_DEPENDENCY_CHAIN} is accepted, the next link refused naming the limit`, async () => {
      const board = await openBoard(freshUrl(kind));
      try {
        const started = performance.now();
        // In batches (one commit each): each link still walks the whole chain below it.
        for (let from = 1; from <= MAX_DEPENDENCY_CHAIN; from += 250) {
          await board.addMany(
            Array.from({ length: 250 }, (_, i) => ({
              id: `T-${from + i}`,
              title: `link ${from + i}`,
              dependsOn: from + i === 1 ? [] : [`T-${from + i - 1}`],
            })),
          );
        }
        const previous = `T-${MAX_DEPENDENCY_CHAIN}`;
        console.info(`${kind}: ${MAX_DEPENDENCY_CHAIN}-task chain built in ${Math.round(performance.now() - started)} ms`);
        await expect(board.add({ title: "one too many", dependsOn: [previous] })).rejects.toMatchObject({
          code: "INVALID_INPUT",
          message: expect.stringContaining(`dependency chain of more than ${MAX_DEPENDENCY_CHAIN} tasks (the limit)`),
        });
        // A cycle through the whole chain is still found and named.
        await expect(board.addDependencies("T-1", [previous])).rejects.toMatchObject({
          code: "INVALID_INPUT",
          message: expect.stringMatching(/^dependency cycle rejected: T-1 → T-1000 → T-999 → .* → T-2 → T-1;/),
        });
        expect((await board.list()).length).toBe(MAX_DEPENDENCY_CHAIN);
      } finally {
        await board.close();
      }
    }, 120_000);
  }
});
