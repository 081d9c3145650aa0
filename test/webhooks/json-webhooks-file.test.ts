/**
 * The JSON store's webhooks sidecar (src/store/json/webhooks-file.ts): written whole beside
 * tasks.json, and a file that does not parse is CORRUPT_STORE, left exactly as it is.
 */
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { openBoard } from "../../src/index.js";
import { Webhooks } from "../../src/webhooks/webhooks.js";
import { refusal } from "../conformance/harness.js";
import { TEST_SECRET } from "./receiver.js";

const root = mkdtempSync(join(tmpdir(), "baton-json-webhooks-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe("json store: tasks.webhooks.json", () => {
  it("is created by the first hook, holds it in snake_case, and leaves no temp file", async () => {
    const dir = mkdtempSync(join(root, "board-"));
    const board = await openBoard(`json:${join(dir, "tasks.json")}`);
    try {
      expect(existsSync(join(dir, "tasks.webhooks.json"))).toBe(false);
      await new Webhooks(board.store).add({ url: "https://example.com/h", events: ["FAILED"], secret: TEST_SECRET });
      const file = JSON.parse(readFileSync(join(dir, "tasks.webhooks.json"), "utf8"));
      expect(file).toMatchObject({ next_hook_id: 2, next_delivery_id: 1, deliveries: [] });
      expect(file.hooks[0]).toMatchObject({ id: 1, url: "https://example.com/h", events: ["FAILED"], cursor: 0, version: 1 });
      expect(readdirSync(dir).filter((name) => name.endsWith(".tmp"))).toEqual([]);
    } finally {
      await board.close();
    }
  });

  it("a file that does not parse is CORRUPT_STORE naming it, and is left untouched", async () => {
    const dir = mkdtempSync(join(root, "board-"));
    const board = await openBoard(`json:${join(dir, "tasks.json")}`);
    const path = join(dir, "tasks.webhooks.json");
    try {
      writeFileSync(path, '{"hooks": [');
      const webhooks = new Webhooks(board.store);
      for (const call of [webhooks.list(), webhooks.add({ url: "https://example.com/h", events: ["FAILED"], secret: TEST_SECRET })]) {
        const error = await refusal(call);
        expect(error.code).toBe("CORRUPT_STORE");
        expect(error.message).toContain(path);
        expect(error.message).toContain("left it untouched");
      }
      expect(readFileSync(path, "utf8")).toBe('{"hooks": [');
      // The board itself still works.
      expect((await board.add({ title: "t" })).id).toBe("T-1");
    } finally {
      await board.close();
    }
  });
});
