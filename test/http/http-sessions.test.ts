import { describe, expect, it } from "vitest";
import { Credentials } from "../../src/http/auth.js";

const LEAD = { name: "lead", role: "write" as const, token: "lead-token-0123456789abcdef" };
const VIEWER = { name: "viewer", role: "read" as const, token: "viewer-token-0123456789abcdef" };

describe("dashboard sessions are signed by their token, not kept in memory", () => {
  it("a session survives a restart with the same tokens, as the same identity", () => {
    const before = new Credentials([LEAD, VIEWER]);
    const session = before.startSession({ name: "viewer", role: "read" });
    const after = new Credentials([LEAD, VIEWER]);
    expect(after.bySession(session)).toEqual({ name: "viewer", role: "read" });
  });

  it("a session dies with its token: another token of the same name, or no such name, refuses it", () => {
    const session = new Credentials([LEAD]).startSession({ name: "lead", role: "write" });
    expect(new Credentials([{ ...LEAD, token: "another-token-0123456789abcdef" }]).bySession(session)).toBeUndefined();
    expect(new Credentials([VIEWER]).bySession(session)).toBeUndefined();
  });

  it("a tampered session is refused: another name, a changed signature, garbage", () => {
    const credentials = new Credentials([LEAD, VIEWER]);
    const session = credentials.startSession({ name: "viewer", role: "read" });
    const [payload, mac] = session.split(".") as [string, string];
    const renamed = Buffer.from(Buffer.from(payload, "base64url").toString("utf8").replace("viewer", "lead")).toString("base64url");
    expect(credentials.bySession(`${renamed}.${mac}`)).toBeUndefined();
    expect(credentials.bySession(`${payload}.${mac.slice(0, -2)}AA`)).toBeUndefined();
    for (const garbage of ["", ".", "x", "x.y", `${payload}.`, `.${mac}`]) expect(credentials.bySession(garbage)).toBeUndefined();
  });
});
