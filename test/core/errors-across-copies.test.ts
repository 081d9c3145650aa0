/**
 * A BatonError from another copy of the core (the bundled CLI and the compiled tree it loads
 * stores and faces from) is one to every copy: isBatonError, instanceof, the CLI's exit codes
 * and the MCP tool errors agree. Needs `npm run build` (dist/ is the second copy).
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { BatonError, ErrorCode, isBatonError } from "../../src/core/errors.js";
import { describeFailure, ExitCode } from "../../src/cli/exit-codes.js";
import { toolError } from "../../src/mcp/errors.js";

const CLI = join(process.cwd(), "dist/src/cli/main.js");

describe("BatonError across copies of the core", () => {
  it("a BatonError of the compiled copy is a BatonError to this one, and back", async () => {
    const compiled = (await import(join(process.cwd(), "dist/src/core/errors.js"))) as typeof import("../../src/core/errors.js");
    expect(compiled.BatonError).not.toBe(BatonError);
    const theirs = new compiled.BatonError(ErrorCode.LEASE_LOST, "lost it");
    const ours = new BatonError(ErrorCode.NOT_FOUND, "no such task");
    expect(isBatonError(theirs)).toBe(true);
    expect(theirs instanceof BatonError).toBe(true);
    expect(compiled.isBatonError(ours)).toBe(true);
    expect(ours instanceof compiled.BatonError).toBe(true);
    expect(describeFailure(theirs)).toEqual({ code: "LEASE_LOST", message: "lost it", exitCode: ExitCode.conflict });
    expect(toolError(theirs).structuredContent).toMatchObject({ error: { code: "LEASE_LOST" } });
  });

  it("an Error that only calls itself BatonError is not one", () => {
    const impostor = Object.assign(new Error("looks alike"), { name: "BatonError", code: "NOT_FOUND" });
    expect(isBatonError(impostor)).toBe(false);
    expect(impostor instanceof BatonError).toBe(false);
    expect(describeFailure(impostor).code).toBe("INTERNAL");
    expect(isBatonError(null)).toBe(false);
    expect(isBatonError("BatonError")).toBe(false);
  });

  it("the bundled CLI reports a refusal thrown by a store it loaded from the compiled tree by its code", () => {
    // The JSON store is not in the bundle: its CORRUPT_STORE comes from the compiled copy.
    const dir = mkdtempSync(join(tmpdir(), "baton-errors-"));
    const path = join(dir, "tasks.json");
    writeFileSync(path, "{ this is not json");
    const result = spawnSync(process.execPath, [CLI, "list", "--json", "--store", `json:${path}`], {
      encoding: "utf8",
      env: { PATH: process.env.PATH ?? "", NO_COLOR: "1" },
    });
    expect(result.status).toBe(ExitCode.error);
    const output = `${result.stdout}${result.stderr}`;
    expect(output).toContain("CORRUPT_STORE");
    expect(output).not.toContain("INTERNAL");
  });
});
