/**
 * What a client and the board's local writer say on the socket: one JSON object a line.
 * The writer's first line on every connection is its greeting (GREETING_LINE); then a call
 * `{"i":7,"m":"claim","a":[{…}],"d":1764770000000}` and its answer `{"i":7,"v":…}` or
 * `{"i":7,"e":{message,code,details}}` (the error as serve's writer thread sends it,
 * src/http/writer-thread.ts). Answers come in any order: each names its call.
 */
import type { SentError } from "../http/writer-thread.js";

export interface CallLine {
  i: number;
  m: string;
  a: unknown[];
  /**
   * When the caller stops waiting (Date.now() ms; one machine, one clock). A call the writer
   * reads after it is refused, not run: its caller was already told the writer did not answer,
   * and a claim run then would hold a task for an agent that never learns of it.
   */
  d: number;
}

export type AnswerLine = { i: number; v: unknown } | { i: number; e: SentError };

/**
 * What these lines mean; part of the writer's address (src/local-writer/address.ts), so a
 * client never reaches a writer of another version (one left running across an upgrade):
 * it starts its own beside it, and the old one goes once idle.
 */
export const WIRE_VERSION = 2;

/**
 * The writer's first line on a connection, written the instant it accepts it, and a client
 * sends no call before it. A connection that closes first, or is not greeted soon, carried
 * nothing: the call runs on the board itself. (The writer going idle closes its listening
 * socket; a client that connected in that instant was left in the kernel's queue, and its
 * call was refused as "may or may not have committed".)
 */
export const GREETING_LINE = JSON.stringify({ w: WIRE_VERSION });

/** A line longer than this ends the connection: no call of an agent's loop comes near it. */
export const MAX_LINE_CHARS = 1 << 20;

/** Splits a socket's text into lines, holding the unfinished one. */
export class LineSplitter {
  private rest = "";

  /** The whole lines in `text` (after what was held); throws when one grows past MAX_LINE_CHARS. */
  push(text: string): string[] {
    const joined = this.rest + text;
    const lines = joined.split("\n");
    this.rest = lines.pop() as string;
    if (this.rest.length > MAX_LINE_CHARS) throw new Error(`a line of more than ${MAX_LINE_CHARS} characters`);
    return lines;
  }
}

const NEWLINE = 0x0a;

/**
 * The same for bytes read into one reused buffer (a socket's `onread`): a line is cut at the
 * newline byte, which never occurs inside a UTF-8 character, so it decodes whole.
 */
export class ByteLineSplitter {
  private held: Buffer | null = null;

  /** The whole lines in the first `length` bytes of `buffer` (after what was held). */
  push(buffer: Buffer, length: number): string[] {
    // Not lastIndexOf(…, -1): a negative offset searches from the end of the reused buffer.
    if (length === 0) return [];
    // The usual read (a client has one call under way, so one answer a read) ends in its
    // newline: no search for it, and the text is decoded straight from the buffer.
    const last = buffer[length - 1] === NEWLINE ? length - 1 : buffer.lastIndexOf(NEWLINE, length - 1);
    if (last === -1) {
      this.hold(buffer.subarray(0, length));
      return [];
    }
    let text: string;
    if (this.held) {
      text = Buffer.concat([this.held, buffer.subarray(0, last)]).toString("utf8");
      this.held = null;
    } else text = buffer.toString("utf8", 0, last);
    if (last + 1 < length) this.hold(buffer.subarray(last + 1, length));
    return text.split("\n");
  }

  private hold(bytes: Buffer): void {
    // A copy: the bytes live in the socket's buffer, which the next read overwrites.
    this.held = this.held ? Buffer.concat([this.held, bytes]) : Buffer.from(bytes);
    if (this.held.length > MAX_LINE_CHARS * 4) throw new Error(`a line of more than ${MAX_LINE_CHARS} characters`);
  }
}
