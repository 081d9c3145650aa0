/**
 * How a client splits the local writer's answers (src/local-writer/wire.ts ByteLineSplitter):
 * reads land in one reused buffer, of which only the first `length` bytes are this read's.
 */
import { describe, expect, it } from "vitest";
import { ByteLineSplitter, MAX_LINE_CHARS } from "../../src/local-writer/wire.js";

/** `text` read into a reused buffer larger than it, with stale bytes after it. */
function read(buffer: Buffer, text: string | Buffer): number {
  buffer.fill(0x7b);
  const bytes = typeof text === "string" ? Buffer.from(text, "utf8") : text;
  bytes.copy(buffer);
  return bytes.length;
}

describe("ByteLineSplitter", () => {
  it("a read of whole lines gives those lines, and nothing from the bytes after the read", () => {
    const buffer = Buffer.alloc(256);
    const lines = new ByteLineSplitter();
    expect(lines.push(buffer, read(buffer, '{"i":1,"v":2}\n'))).toEqual(['{"i":1,"v":2}']);
    expect(lines.push(buffer, read(buffer, '{"i":2}\n{"i":3}\n'))).toEqual(['{"i":2}', '{"i":3}']);
  });

  it("a line cut across reads is held (copied: the buffer is reused) and given whole", () => {
    const buffer = Buffer.alloc(256);
    const lines = new ByteLineSplitter();
    expect(lines.push(buffer, read(buffer, '{"i":1,'))).toEqual([]);
    expect(lines.push(buffer, read(buffer, '"v":"a'))).toEqual([]);
    expect(lines.push(buffer, read(buffer, 'b"}\n{"i":2'))).toEqual(['{"i":1,"v":"ab"}']);
    expect(lines.push(buffer, read(buffer, "}\n"))).toEqual(['{"i":2}']);
  });

  it("a character cut between its UTF-8 bytes decodes whole", () => {
    const buffer = Buffer.alloc(64);
    const lines = new ByteLineSplitter();
    const bytes = Buffer.from('"é→🙂"\n', "utf8");
    expect(lines.push(buffer, read(buffer, bytes.subarray(0, 2)))).toEqual([]);
    expect(lines.push(buffer, read(buffer, bytes.subarray(2, 6)))).toEqual([]);
    expect(lines.push(buffer, read(buffer, bytes.subarray(6)))).toEqual(['"é→🙂"']);
  });

  it("an empty read gives nothing and holds nothing, whatever the buffer still holds from before", () => {
    const buffer = Buffer.alloc(16);
    const lines = new ByteLineSplitter();
    read(buffer, "stale\n");
    expect(lines.push(buffer, 0)).toEqual([]);
    expect(lines.push(buffer, read(buffer, "x\n"))).toEqual(["x"]);
  });

  it("a line that grows past the limit without a newline is refused", () => {
    const chunk = Buffer.alloc(64 * 1024, 0x61);
    const lines = new ByteLineSplitter();
    expect(() => {
      for (let read = 0; read <= (MAX_LINE_CHARS * 4) / chunk.length; read++) lines.push(chunk, chunk.length);
    }).toThrow(/a line of more than/);
  });
});
