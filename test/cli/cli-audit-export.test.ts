/** `baton audit export FILE --format jsonl|json|csv [filters]`: the same events as `audit`, page after page. */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { expect, test } from "vitest";
import { eventToWire } from "../../src/core/wire-shape.js";
import { openBoard } from "../../src/index.js";
import { baton, batonJson, freshBoardDir, jsonError } from "./cli.js";

/** RFC 4180: quoted fields may hold commas, quotes ("") and line breaks. */
function parseCsv(text: string): Record<string, string>[] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = "";
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i] as string;
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') (field += '"'), i++;
      else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ",") row.push(field), (field = "");
    else if (ch === "\n") row.push(field), rows.push(row), (row = []), (field = "");
    else if (ch !== "\r") field += ch;
  }
  const [header, ...body] = rows;
  return body.map((r) => Object.fromEntries((header ?? []).map((h, i) => [h, r[i] ?? ""])));
}

async function bigBoard(): Promise<string> {
  const cwd = freshBoardDir();
  const board = await openBoard(`sqlite:${join(cwd, ".baton", "board.db")}`);
  // 5,200 events: more than one page (5,000) of the export.
  await board.addMany(Array.from({ length: 5190 }, (_, i) => ({ title: `task ${i}`, metadata: { n: i, text: 'a "quoted", line\nbreak' } })));
  for (let i = 0; i < 5; i++) {
    const claim = await board.claim({ agent: `agent-${i}` });
    await board.fail(claim.task.id, { token: claim.leaseToken, error: `broke, "badly" ${i}` });
  }
  await board.close();
  return cwd;
}

test("jsonl, json and csv hold every event of the trail in order, across pages", async () => {
  const cwd = await bigBoard();
  const board = await openBoard(`sqlite:${join(cwd, ".baton", "board.db")}`);
  // What `baton audit --json` prints, read through the library (5,200 events overflow a pipe buffer).
  const all = JSON.parse(JSON.stringify((await board.audit()).map(eventToWire))) as Record<string, unknown>[];
  await board.close();
  expect(all).toHaveLength(5200);
  expect(batonJson(["audit", "export", "trail.jsonl", "--format", "jsonl"], { cwd })).toEqual({ file: "trail.jsonl", format: "jsonl", events: 5200 });
  const lines = readFileSync(join(cwd, "trail.jsonl"), "utf8").trimEnd().split("\n").map((l) => JSON.parse(l));
  expect(lines).toEqual(all);
  batonJson(["audit", "export", "trail.json", "--format", "json"], { cwd });
  expect(JSON.parse(readFileSync(join(cwd, "trail.json"), "utf8"))).toEqual(all);
  batonJson(["audit", "export", "trail.csv", "--format", "csv"], { cwd });
  const rows = parseCsv(readFileSync(join(cwd, "trail.csv"), "utf8"));
  expect(rows).toHaveLength(5200);
  expect(rows.map((r) => Number(r.seq))).toEqual(all.map((e) => e.seq));
  expect(JSON.parse(rows[0]!.data as string)).toEqual(all[0]!.data);
  expect(rows[5199]).toMatchObject({ type: "FAILED", agent_id: "agent-4", from: "in_progress", to: "failed" });
});

test("filters apply to the export; a bad format exits 2 and writes nothing", async () => {
  const cwd = await bigBoard();
  expect(batonJson(["audit", "export", "errors.jsonl", "--format", "jsonl", "--errors"], { cwd }).events).toBe(5);
  const errors = readFileSync(join(cwd, "errors.jsonl"), "utf8").trimEnd().split("\n").map((l) => JSON.parse(l));
  expect(errors.map((e) => e.agent_id)).toEqual(["agent-0", "agent-1", "agent-2", "agent-3", "agent-4"]);
  expect(batonJson(["audit", "export", "a1.json", "--format", "json", "--agent", "agent-1"], { cwd }).events).toBe(2);
  expect(batonJson(["audit", "export", "none.json", "--format", "json", "--until", "2000-01-01"], { cwd }).events).toBe(0);
  expect(JSON.parse(readFileSync(join(cwd, "none.json"), "utf8"))).toEqual([]);
  const bad = baton(["audit", "export", "x.xml", "--format", "xml", "--json"], { cwd });
  expect(bad.code).toBe(2);
  expect(jsonError(bad).message).toBe('unknown format "xml"; use one of jsonl, json, csv');
  expect(existsSync(join(cwd, "x.xml"))).toBe(false);
});
