/** Test support: reads Server-Sent Events from a response body, frame by frame. */
export interface SseFrame {
  id?: string;
  event?: string;
  data?: string;
  /** A comment line (": heartbeat"). */
  comment?: string;
}

export class SseReader {
  private readonly reader: ReadableStreamDefaultReader<Uint8Array>;
  private readonly decoder = new TextDecoder();
  private buffer = "";

  constructor(body: ReadableStream<Uint8Array>) {
    this.reader = body.getReader();
  }

  /** The next frame, or null at the end of the stream. */
  async next(): Promise<SseFrame | null> {
    for (;;) {
      const end = this.buffer.indexOf("\n\n");
      if (end >= 0) {
        const block = this.buffer.slice(0, end);
        this.buffer = this.buffer.slice(end + 2);
        const frame: SseFrame = {};
        for (const line of block.split("\n")) {
          if (line.startsWith(":")) frame.comment = line.slice(1).trim();
          else {
            const colon = line.indexOf(":");
            const key = line.slice(0, colon);
            const value = line.slice(colon + 1).replace(/^ /, "");
            if (key === "id" || key === "event" || key === "data") frame[key] = value;
          }
        }
        return frame;
      }
      const { done, value } = await this.reader.read();
      if (done) return null;
      this.buffer += this.decoder.decode(value, { stream: true });
    }
  }

  /** The next frame that carries an event or a resync (skips comments and retry). */
  async nextEvent(): Promise<SseFrame | null> {
    for (;;) {
      const frame = await this.next();
      if (frame === null || frame.data !== undefined) return frame;
    }
  }

  async cancel(): Promise<void> {
    await this.reader.cancel().catch(() => undefined);
  }
}

export function seqOf(frame: SseFrame): number {
  return Number(frame.id);
}
