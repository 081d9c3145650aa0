/**
 * The tasks.json codec (src/store/json/tasks-file.ts) keeps the last version it read or wrote
 * and works from it. These tests prove the shortcuts change nothing: what it writes is exactly
 * a full pretty-print, what it reads after any change is exactly what a fresh parse reads, and
 * a change is seen even when the file's inode, size and mtime all stay the same.
 */
import { closeSync, openSync, readFileSync, utimesSync, writeFileSync, writeSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { identityOf } from "../../src/store/json/commit.js";
import { taskFromRecord } from "../../src/store/json/task-record.js";
import { TasksCodec } from "../../src/store/json/tasks-file.js";
import { openJsonStore } from "../../src/store/json/json-store.js";
import { Board } from "../../src/board.js";
import { freshDir, open } from "./json-boards.js";
import type { TaskEntry, TasksVersion } from "../../src/store/json/tasks-file.js";
import type { Row } from "./json-boards.js";

/** A record's content without its id: seed fields, some of baton's, and a field baton does not know. */
const recordBody = fc.record({
  description: fc.string({ unit: "binary", maxLength: 30 }),
  status: fc.constantFrom("PENDING", "IN_PROGRESS", "COMPLETED", "FAILED"),
  assigned_to: fc.option(fc.constantFrom("A", "B", "agent-ü"), { nil: null }),
  history: fc.array(fc.record({ event: fc.constantFrom("CREATED", "CLAIMED"), details: fc.string({ maxLength: 12 }) }), {
    maxLength: 3,
  }),
  lease_token: fc.option(fc.integer({ min: 1, max: 1_000 }), { nil: null }),
  x_unknown: fc.jsonValue({ maxDepth: 2 }),
});
type Body = typeof recordBody extends fc.Arbitrary<infer B> ? B : never;

const pretty = (rows: readonly unknown[]): string => `${JSON.stringify(rows, null, 2)}\n`;
const entryOf = (record: Row): TaskEntry => ({ record, task: taskFromRecord(record, "test record") });
const rowsOf = (version: TasksVersion): Row[] => version.entries.map((e) => e.record);

/** One edit of the array of records, positions taken modulo its length. */
const edit = fc.oneof(
  fc.record({ kind: fc.constant("change" as const), at: fc.nat(), body: recordBody }),
  fc.record({ kind: fc.constant("insert" as const), at: fc.nat(), body: recordBody }),
  fc.record({ kind: fc.constant("delete" as const), at: fc.nat() }),
  fc.record({ kind: fc.constant("move" as const), at: fc.nat(), to: fc.nat() }),
);
type Edit = typeof edit extends fc.Arbitrary<infer E> ? E : never;

function applyEdits(rows: Row[], edits: readonly Edit[], nextId: () => string): Row[] {
  const out = [...rows];
  for (const e of edits) {
    const at = out.length === 0 ? 0 : e.at % out.length;
    if (e.kind === "insert") out.splice(e.at % (out.length + 1), 0, { id: nextId(), ...e.body });
    else if (out.length === 0) continue;
    else if (e.kind === "change") out[at] = { ...(out[at] as Row), ...e.body };
    else if (e.kind === "delete") out.splice(at, 1);
    else out.splice(e.to % out.length, 0, ...out.splice(at, 1));
  }
  return out;
}

describe("json store: the tasks.json codec", () => {
  it("what it writes after any mix of changed, kept and appended records is byte-identical to a full pretty-print", () => {
    const path = join(freshDir(), "tasks.json");
    fc.assert(
      fc.property(
        fc.array(recordBody, { maxLength: 12 }),
        fc.array(fc.array(fc.tuple(fc.nat(), recordBody), { maxLength: 4 }), { minLength: 1, maxLength: 4 }),
        fc.array(recordBody, { maxLength: 3 }),
        (initial: Body[], rounds: [number, Body][][], appended: Body[]) => {
          let n = 0;
          writeFileSync(path, pretty(initial.map((body) => ({ id: `T-${++n}`, ...body }))));
          const codec = new TasksCodec(path);
          for (const changes of rounds) {
            const entries = [...(codec.read() as TasksVersion).entries];
            for (const [at, body] of changes) {
              if (entries.length === 0) break;
              const i = at % entries.length;
              entries[i] = entryOf({ ...(entries[i] as TaskEntry).record, ...body });
            }
            for (const body of appended) entries.push(entryOf({ id: `T-${++n}`, ...body }));
            const written = codec.serialize(entries);
            const expected = pretty(entries.map((e) => e.record));
            expect(written.bytes.toString("utf8")).toBe(expected);
            expect([...written.index]).toEqual(entries.map((e, i) => [e.task.id, i]));
            writeFileSync(path, written.bytes);
            codec.adopt(written);
          }
          // The last version written is the one read back: the same object, no parse.
          const last = codec.read();
          expect(codec.read()).toBe(last);
          // (As JSON: a -0 kept in memory is the 0 on disk.)
          expect(JSON.stringify(rowsOf(last as TasksVersion))).toBe(JSON.stringify(JSON.parse(readFileSync(path, "utf8"))));
        },
      ),
      { numRuns: 150 },
    );
  });

  it("after any edits by another program (change, insert, delete, move; pretty or compact) it reads exactly what a fresh parse reads", () => {
    const path = join(freshDir(), "tasks.json");
    fc.assert(
      fc.property(
        fc.array(recordBody, { maxLength: 15 }),
        fc.array(fc.record({ edits: fc.array(edit, { maxLength: 5 }), compact: fc.boolean() }), { minLength: 1, maxLength: 4 }),
        (initial: Body[], versions: { edits: Edit[]; compact: boolean }[]) => {
          let n = 0;
          const nextId = (): string => `T-${++n}`;
          let rows: Row[] = initial.map((body) => ({ id: nextId(), ...body }));
          writeFileSync(path, pretty(rows));
          const codec = new TasksCodec(path);
          codec.read();
          for (const { edits, compact } of versions) {
            rows = applyEdits(rows, edits, nextId);
            const text = compact ? JSON.stringify(rows) : pretty(rows);
            writeFileSync(path, text);
            const read = codec.read() as TasksVersion;
            const fresh = new TasksCodec(path).read() as TasksVersion;
            expect(JSON.stringify(rowsOf(read))).toBe(JSON.stringify(JSON.parse(text)));
            expect(read.entries.map((e) => e.task)).toEqual(fresh.entries.map((e) => e.task));
            expect([...read.index]).toEqual(read.entries.map((e, i) => [e.task.id, i]));
            expect(read.maxLeaseToken).toBe(fresh.maxLeaseToken);
            // Writing it back unchanged reproduces the file when it was pretty-printed.
            if (!compact) expect(codec.serialize(read.entries).bytes.toString("utf8")).toBe(text);
          }
        },
      ),
      { numRuns: 200 },
    );
  });

  it("a record copied by hand next to its original (a duplicate id) is CORRUPT_STORE, though each text was seen before", () => {
    const path = join(freshDir(), "tasks.json");
    const rows = [1, 2, 3].map((i) => ({ id: `T-${i}`, description: `task ${i}`, status: "PENDING" }));
    writeFileSync(path, pretty(rows));
    const codec = new TasksCodec(path);
    codec.read();
    writeFileSync(path, pretty([rows[0], rows[1], rows[1], rows[2]]));
    expect(() => codec.read()).toThrow(/tasks #2 and #3 have the same id "T-2"/);
  });

  it("a hand agent's in-place rewrite keeping inode, size and mtime (to the nanosecond) is seen by the next transaction", async () => {
    const path = join(freshDir(), "tasks.json");
    const board = await open(path);
    const task = await board.add({ title: "one", description: "abc" });
    await board.get(task.id); // the codec now holds this version
    const mtime = 1_700_000_000; // whole seconds: exactly representable, so set back exactly
    utimesSync(path, mtime, mtime);
    const before = identityOf(path);
    const text = readFileSync(path, "utf8");
    const edited = text.replace('"description": "abc"', '"description": "xyz"');
    expect(edited.length).toBe(text.length);
    const fd = openSync(path, "r+"); // in place: same inode, as `cat tmp > tasks.json` does
    writeSync(fd, edited, 0);
    closeSync(fd);
    utimesSync(path, mtime, mtime);
    expect(identityOf(path)).toBe(before);
    expect((await board.get(task.id)).description).toBe("xyz");
  });

  it("a transaction that inserts and then fails leaves no trace in the version kept for the next one", async () => {
    const path = join(freshDir(), "tasks.json");
    const store = await openJsonStore(path);
    const board = new Board(store);
    try {
      await board.add({ title: "kept" });
      const failed = store.transaction(async (tx) => {
        const [first] = await tx.listTasks({});
        await tx.insertTask({ ...(first as NonNullable<typeof first>), id: "GHOST-1" });
        throw new Error("rolled back");
      });
      await expect(failed).rejects.toThrow("rolled back");
      await expect(board.get("GHOST-1")).rejects.toMatchObject({ code: "NOT_FOUND" });
      const second = await board.add({ title: "second" });
      expect((await board.list()).map((t) => t.id)).toEqual(["T-1", second.id]);
      expect(JSON.parse(readFileSync(path, "utf8")).map((r: Row) => r.id)).toEqual(["T-1", "T-2"]);
    } finally {
      await board.close();
    }
  });
});
