/**
 * A webhook receiver on 127.0.0.1 for the tests: it records every request it gets, can be
 * "down" (resetting the connection) for its first N requests, can hang (never answer) or
 * redirect, and checks each signature with the standardwebhooks package, as a real receiver
 * would (see docs).
 */
import { createServer } from "node:http";
import { Webhook } from "standardwebhooks";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Socket } from "node:net";

export interface Received {
  id: string;
  timestamp: string;
  signature: string;
  body: string;
  /** Whether the signature verified with the secret (and the timestamp is within 5 minutes). */
  verified: boolean;
  /** The request was answered 2xx. */
  accepted: boolean;
}

export type Behaviour = "accept" | "down" | "hang" | { redirectTo: string };

export interface Receiver {
  url: string;
  received: Received[];
  /** The behaviour for each next request, given its number (1-based). */
  behave(fn: (n: number) => Behaviour): void;
  /** Resolves once `n` requests have arrived. */
  requests(n: number): Promise<void>;
  /** Ids (webhook-id) of the requests answered 2xx, in arrival order. */
  acceptedIds(): string[];
  close(): Promise<void>;
}

export async function startReceiver(secret: string): Promise<Receiver> {
  const verifier = new Webhook(secret);
  const received: Received[] = [];
  const sockets = new Set<Socket>();
  const waiters: { n: number; resolve: () => void }[] = [];
  let behaviour: (n: number) => Behaviour = () => "accept";
  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    let body = "";
    request.setEncoding("utf8");
    request.on("data", (chunk: string) => (body += chunk));
    request.on("end", () => {
      const n = received.length + 1;
      const todo = behaviour(n);
      const headers = {
        "webhook-id": String(request.headers["webhook-id"] ?? ""),
        "webhook-timestamp": String(request.headers["webhook-timestamp"] ?? ""),
        "webhook-signature": String(request.headers["webhook-signature"] ?? ""),
      };
      let verified = true;
      try {
        verifier.verify(body, headers);
      } catch {
        verified = false;
      }
      received.push({
        id: headers["webhook-id"],
        timestamp: headers["webhook-timestamp"],
        signature: headers["webhook-signature"],
        body,
        verified,
        accepted: todo === "accept",
      });
      for (const w of waiters.splice(0)) {
        if (received.length >= w.n) w.resolve();
        else waiters.push(w);
      }
      if (todo === "accept") response.writeHead(204).end();
      else if (todo === "down") request.socket.destroy();
      else if (todo === "hang") return;
      else response.writeHead(302, { location: todo.redirectTo }).end();
    });
  });
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${address.port}/hooks/baton`,
    received,
    behave: (fn) => (behaviour = fn),
    requests: (n) =>
      received.length >= n ? Promise.resolve() : new Promise<void>((resolve) => waiters.push({ n, resolve })),
    acceptedIds: () => received.filter((r) => r.accepted).map((r) => r.id),
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A valid Standard Webhooks secret for tests (24 random bytes, fixed). */
export const TEST_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
