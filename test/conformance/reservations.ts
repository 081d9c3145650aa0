/** Id reservation (seed 003): per-prefix counters, allowed prefixes, explicit ids, initCounters. */
import { expect } from "vitest";
import { expectRefusedUnchanged } from "./harness.js";
import type { Conformance } from "./harness.js";

export function reservationTests(c: Conformance): void {
  c.test("reserve hands out sequential ids per prefix, shared with new task ids", async () => {
    const { board, clock } = await c.open();
    expect(await board.reserve("SEC", 2, { agent: "A" })).toEqual({ ids: ["SEC-1", "SEC-2"], reservedAt: clock.iso() });
    expect((await board.reserve("SEC")).ids).toEqual(["SEC-3"]);
    expect((await board.reserve("OPS", 3)).ids).toEqual(["OPS-1", "OPS-2", "OPS-3"]);
    expect((await board.add({ title: "secured", prefix: "SEC" })).id).toBe("SEC-4");
    expect((await board.add({ title: "default prefix" })).id).toBe("T-1");
    expect(await board.counters()).toEqual({ OPS: 3, SEC: 4, T: 1 });
    const reserved = await board.audit({ type: "IDS_RESERVED" });
    expect(reserved.map((e) => [e.agentId, e.data.ids])).toEqual([
      ["A", ["SEC-1", "SEC-2"]],
      [null, ["SEC-3"]],
      [null, ["OPS-1", "OPS-2", "OPS-3"]],
    ]);
  });

  c.test("allowed prefixes are enforced for reserve and for new task ids", async () => {
    const { board } = await c.open({ policy: { allowedPrefixes: ["SEC", "DOC"] } });
    const refused = await expectRefusedUnchanged(board, () => board.reserve("OPS", 1), "INVALID_INPUT");
    expect(refused.message).toBe('invalid prefix "OPS": this board allows SEC, DOC');
    await expectRefusedUnchanged(board, () => board.add({ title: "x", prefix: "OPS" }), "INVALID_INPUT");
    await expectRefusedUnchanged(board, () => board.reserve("bad prefix", 1), "INVALID_INPUT");
    await expectRefusedUnchanged(board, () => board.reserve("SEC", 0), "INVALID_INPUT");
    expect((await board.reserve("DOC", 2)).ids).toEqual(["DOC-1", "DOC-2"]);
    expect((await board.add({ title: "y", prefix: "SEC" })).id).toBe("SEC-1");
  });

  c.test("allowed prefixes bind an explicit id and counters init too", async () => {
    const { board } = await c.open({ policy: { allowedPrefixes: ["SEC", "DOC"] } });
    for (const id of ["OPS-5", "plain"]) {
      const refused = await expectRefusedUnchanged(board, () => board.add({ title: "x", id }), "INVALID_INPUT");
      expect(refused.message).toBe(`invalid id "${id}": this board allows only ids PREFIX-N with the prefix SEC, DOC (see allowedPrefixes)`);
    }
    expect((await board.add({ title: "ok", id: "SEC-4" })).id).toBe("SEC-4");
    const counters = await board.initCounters({ markdown: "- OPS-40 ops work\n- DOC-7 docs\n" });
    expect(counters).toEqual({ DOC: 7, SEC: 4 });
  });

  c.test("an explicit id like SEC-25 raises the SEC counter and never lowers it", async () => {
    const { board } = await c.open();
    await board.add({ title: "imported", id: "SEC-25" });
    expect((await board.counters()).SEC).toBe(25);
    expect((await board.reserve("SEC")).ids).toEqual(["SEC-26"]);
    await board.add({ title: "older import", id: "SEC-3" });
    expect((await board.counters()).SEC).toBe(26);
    expect((await board.add({ title: "next", prefix: "SEC" })).id).toBe("SEC-27");
    const uuid = "3f2a9c1e-7b4d-4e8a-9c2f-1a2b3c4d5e6f";
    expect((await board.add({ title: "uuid", id: uuid })).id).toBe(uuid);
    const duplicate = await expectRefusedUnchanged(board, () => board.add({ title: "again", id: "SEC-25" }), "CONFLICT");
    expect(duplicate.message).toBe("task SEC-25 already exists; choose another id or omit --id");
  });

  c.test("initCounters raises counters above existing tasks and the ids in a TASKS.md", async () => {
    const { board } = await c.open();
    await board.addMany([{ title: "a", id: "OPS-7" }, { title: "b", id: "OPS-2" }, { title: "c", id: "misc" }]);
    await board.reserve("DOC", 9);
    const markdown = [
      "# Tasks",
      "| id | title |",
      "|----|-------|",
      "| SEC-12 | rotate keys |",
      "## DOC-3: write the guide",
      "- [x] SEC-40 audit the logs (blocked by OPS-5)",
    ].join("\n");
    expect(await board.initCounters({ markdown })).toEqual({ DOC: 9, OPS: 7, SEC: 40 });
    expect((await board.reserve("SEC")).ids).toEqual(["SEC-41"]);
    expect((await board.reserve("OPS")).ids).toEqual(["OPS-8"]);
    expect((await board.reserve("DOC")).ids).toEqual(["DOC-10"]);
    expect(await board.initCounters()).toEqual({ DOC: 10, OPS: 8, SEC: 41 });
    // Raising counters is a change, so it is audited once; a call that raises nothing is not.
    const raised = await board.audit({ type: "COUNTERS_RAISED" });
    expect(raised.length).toBe(1);
    expect(raised[0]?.data).toEqual({ before: { DOC: 9, OPS: 7 }, after: { SEC: 40 } });
  });
}
