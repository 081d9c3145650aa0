/**
 * The record of a board's writer starts (src/local-writer/start-record.ts): starts in a row
 * wait twice as long each time, a clock set back does not stall them, a torn record counts as
 * none, and a failure's reason is kept with the count.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { clearStartRecord, readStartRecord, recordStartFailure, recordStartIfDue, waitAfterStarts } from "../../src/local-writer/start-record.js";

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function recordPath(): string {
  const dir = mkdtempSync(join(tmpdir(), "baton-start-record-"));
  dirs.push(dir);
  return join(dir, "w-key.start");
}

describe("the writer's start record", () => {
  it("waits 1 s, 2 s, 4 s … after starts in a row, never more than 60 s", () => {
    expect([1, 2, 3, 4, 5, 6, 7, 8, 50].map(waitAfterStarts)).toEqual([1000, 2000, 4000, 8000, 16_000, 32_000, 60_000, 60_000, 60_000]);
  });

  it("a start is due with no record, then only once the wait after the last has passed", () => {
    const path = recordPath();
    const t = 1_800_000_000_000;
    expect(recordStartIfDue(path, t)).toBe(true);
    expect(readStartRecord(path)).toEqual({ starts: 1, at: t });
    expect(recordStartIfDue(path, t + 999)).toBe(false);
    expect(recordStartIfDue(path, t + 1000)).toBe(true);
    expect(recordStartIfDue(path, t + 2999)).toBe(false);
    expect(recordStartIfDue(path, t + 3000)).toBe(true);
    expect(readStartRecord(path)).toEqual({ starts: 3, at: t + 3000 });
  });

  it("a clock set back an hour does not hold starts for that hour", () => {
    const path = recordPath();
    const t = 1_800_000_000_000;
    expect(recordStartIfDue(path, t)).toBe(true);
    expect(recordStartIfDue(path, t - 3_600_000)).toBe(true);
  });

  it("a failure keeps the count and the time, and says why; a writer up clears it", () => {
    const path = recordPath();
    const t = 1_800_000_000_000;
    recordStartIfDue(path, t);
    recordStartFailure(path, "no board at /x/board.db");
    expect(readStartRecord(path)).toEqual({ starts: 1, at: t, reason: "no board at /x/board.db" });
    expect(recordStartIfDue(path, t + 500)).toBe(false);
    clearStartRecord(path);
    expect(readStartRecord(path)).toBeNull();
    expect(recordStartIfDue(path, t + 500)).toBe(true);
  });

  it("a torn or foreign record counts as none", () => {
    const path = recordPath();
    for (const text of ['{"starts":3,"at"', "", "\u0000\u00ff", '{"starts":"3","at":1}', "[]", "null"]) {
      writeFileSync(path, text);
      expect(readStartRecord(path)).toBeNull();
      expect(recordStartIfDue(path)).toBe(true);
    }
  });
});
