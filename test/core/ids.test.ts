import { describe, expect, it } from "vitest";
import { formatId, highestPerPrefix, idsInMarkdown, parseNumberedId } from "../../src/core/ids.js";
import { checkPrefix, checkTaskId } from "../../src/core/validation.js";

describe("task ids", () => {
  it.each(["T-1", "SEC-20", "3f2a9c1e-7b4d-4e8a-9c2f-1a2b3c4d5e6f", "a", "x".repeat(64), "v1.2_beta-3"])("%s is valid", (id) => {
    expect(checkTaskId(id)).toBe(id);
  });

  it.each(["../x", "", "x".repeat(65), "a b", ".hidden", "-flag", "a/b", "T-1\n", "é"])("%j is INVALID_INPUT", (id) => {
    expect(() => checkTaskId(id)).toThrow(/invalid task id .*use 1-64 letters, digits/);
  });

  it("parses PREFIX-N ids and leaves others alone", () => {
    expect(parseNumberedId("SEC-20")).toEqual({ prefix: "SEC", n: 20 });
    expect(parseNumberedId("T-007")).toEqual({ prefix: "T", n: 7 });
    expect(parseNumberedId("3f2a9c1e-7b4d")).toBe(null);
    expect(parseNumberedId("SEC-")).toBe(null);
    expect(parseNumberedId("SEC-1-2")).toBe(null);
    expect(formatId("OPS", 3)).toBe("OPS-3");
  });

  it("finds the highest number per prefix", () => {
    expect(Object.fromEntries(highestPerPrefix(["SEC-2", "SEC-10", "OPS-1", "uuid-ish", "SEC-9"]))).toEqual({ SEC: 10, OPS: 1 });
  });

  it("finds every PREFIX-N in a TASKS.md", () => {
    const markdown = "| SEC-12 | keys |\n## DOC-3: guide\n- [ ] fix OPS-5 (see sec-99 and SEC-40)";
    expect(idsInMarkdown(markdown)).toEqual(["SEC-12", "DOC-3", "OPS-5", "SEC-40"]);
  });

  it("checks prefixes and the allowed list", () => {
    expect(checkPrefix("SEC", ["SEC"])).toBe("SEC");
    expect(() => checkPrefix("1SEC")).toThrow(/invalid prefix "1SEC"/);
    expect(() => checkPrefix("OPS", ["SEC", "DOC"])).toThrow('invalid prefix "OPS": this board allows SEC, DOC');
  });
});
