/**
 * Where a board's local writer listens (src/local-writer/address.ts): a socket path Node
 * would not cut, and no writer for a board path a store URL cannot carry.
 */
import { tmpdir } from "node:os";
import { afterEach, describe, expect, it } from "vitest";
import { SOCKET_PATH_MAX_BYTES, writerAddress } from "../../src/local-writer/address.js";

const savedTmp = process.env.TMPDIR;

afterEach(() => {
  if (savedTmp === undefined) delete process.env.TMPDIR;
  else process.env.TMPDIR = savedTmp;
});

describe("the local writer's address", () => {
  it("is under TMPDIR when the socket path fits there", () => {
    const address = writerAddress({ kind: "sqlite", target: "/srv/boards/board.db" }, undefined);
    expect(address?.socketPath.startsWith(`${tmpdir()}/baton-`)).toBe(true);
    expect(address?.storeUrl).toBe("sqlite:/srv/boards/board.db");
  });

  it("moves under /tmp when TMPDIR is too long for a socket path, and is never longer than the kernel takes", () => {
    for (const length of [60, 96, 98, 200, 4000]) {
      process.env.TMPDIR = `/${"d".repeat(length - 1)}`;
      const address = writerAddress({ kind: "sqlite", target: "/srv/boards/board.db" }, undefined);
      expect(Buffer.byteLength(address?.socketPath ?? "")).toBeLessThanOrEqual(SOCKET_PATH_MAX_BYTES);
      if (length >= 96) expect(address?.socketPath.startsWith("/tmp/baton-")).toBe(true);
    }
    // Multibyte TMPDIR: bytes count, not characters.
    process.env.TMPDIR = `/${"é".repeat(40)}`;
    expect(writerAddress({ kind: "sqlite", target: "/b.db" }, undefined)?.socketPath.startsWith("/tmp/baton-")).toBe(true);
  });

  it("two boards never share a socket, however long TMPDIR is", () => {
    process.env.TMPDIR = `/${"d".repeat(97)}`;
    const a = writerAddress({ kind: "sqlite", target: "/srv/a.db" }, undefined);
    const b = writerAddress({ kind: "sqlite", target: "/srv/b.db" }, undefined);
    expect(a?.socketPath).not.toBe(b?.socketPath);
  });

  it("is none for a board path with a '?' (a store URL would end the path there)", () => {
    expect(writerAddress({ kind: "sqlite", target: "/srv/what?/board.db" }, undefined)).toBeNull();
  });
});
