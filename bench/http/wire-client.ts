/**
 * The http bench's load generator: one keep-alive HTTP/1.1 connection per agent, one request
 * at a time, written as one string and read back by its Content-Length (serve always sends
 * one). Not node:http's client: on this 2-core machine the clients share the CPU with the
 * server they measure, and with http.request (keep-alive Agent) the 4 client processes spent
 * 1,005–1,264 µs of CPU per claim+complete cycle at 64 clients against 173–202 µs with this
 * (two requests per cycle, measured back to back), CPU the server then did not get. The
 * bench prints the clients' CPU per cycle beside the server's.
 */
import { connect } from "node:net";
import type { Socket } from "node:net";

export interface WireAnswer {
  status: number;
  body: any;
}

const HEADER_END = Buffer.from("\r\n\r\n");

export class WireConnection {
  private readonly socket: Socket;
  private pending: { resolve: (answer: WireAnswer) => void; reject: (error: Error) => void } | null = null;
  private buffered: Buffer = Buffer.alloc(0);
  private readonly fixedHeaders: string;

  constructor(url: URL, token: string) {
    this.socket = connect({ host: url.hostname, port: Number(url.port), noDelay: true });
    this.fixedHeaders = `Host: ${url.host}\r\nAuthorization: Bearer ${token}\r\nContent-Type: application/json\r\n`;
    this.socket.on("data", (chunk: Buffer) => this.received(chunk));
    this.socket.on("error", (error) => this.fail(error));
    this.socket.on("close", () => this.fail(new Error("serve closed the connection")));
  }

  /** POSTs `body` as JSON and resolves with the status and the parsed JSON answer. */
  post(path: string, body: unknown): Promise<WireAnswer> {
    if (this.pending) return Promise.reject(new Error("one request at a time per connection"));
    const payload = JSON.stringify(body);
    return new Promise<WireAnswer>((resolve, reject) => {
      this.pending = { resolve, reject };
      this.socket.write(`POST ${path} HTTP/1.1\r\n${this.fixedHeaders}Content-Length: ${Buffer.byteLength(payload)}\r\n\r\n${payload}`);
    });
  }

  close(): void {
    this.pending = null;
    this.socket.destroy();
  }

  private received(chunk: Buffer): void {
    this.buffered = this.buffered.length === 0 ? chunk : Buffer.concat([this.buffered, chunk]);
    const headerEnd = this.buffered.indexOf(HEADER_END);
    if (headerEnd < 0 || !this.pending) return;
    const head = this.buffered.toString("latin1", 0, headerEnd);
    const length = /\r\ncontent-length:\s*(\d+)/i.exec(head);
    if (!length) return this.fail(new Error(`serve answered without a Content-Length: ${head.split("\r\n")[0]}`));
    const bodyStart = headerEnd + HEADER_END.length;
    const bodyEnd = bodyStart + Number(length[1]);
    if (this.buffered.length < bodyEnd) return;
    const status = Number(head.slice(9, 12));
    const text = this.buffered.toString("utf8", bodyStart, bodyEnd);
    this.buffered = this.buffered.subarray(bodyEnd);
    const { resolve } = this.pending;
    this.pending = null;
    resolve({ status, body: JSON.parse(text) });
  }

  private fail(error: Error): void {
    const pending = this.pending;
    this.pending = null;
    pending?.reject(error);
  }
}
