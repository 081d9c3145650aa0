/**
 * The Node binding: the app on a TCP port through @hono/node-server. Nothing else here knows
 * about sockets; src/http/app.ts is plain fetch in, Response out.
 */
import { serve } from "@hono/node-server";
import { invalidInput } from "../core/errors.js";
import type { AddressInfo } from "node:net";

export type FetchHandler = (request: Request) => Response | Promise<Response>;

export interface Listening {
  /** The port bound (the one asked for, or the one the system chose for 0). */
  port: number;
  close(): Promise<void>;
}

export function listen(fetch: FetchHandler, host: string, port: number): Promise<Listening> {
  return new Promise((resolve, reject) => {
    const server = serve({ fetch, hostname: host, port }, (info: AddressInfo) => {
      server.off("error", onError);
      resolve({
        port: info.port,
        close: () =>
          new Promise<void>((done) => {
            server.close(() => done());
            // Open event streams would keep close() waiting forever.
            (server as { closeAllConnections?: () => void }).closeAllConnections?.();
          }),
      });
    });
    const onError = (error: NodeJS.ErrnoException): void => {
      reject(
        error.code === "EADDRINUSE"
          ? invalidInput(`port ${port} on ${host} is in use; choose another with --port`)
          : error.code === "EADDRNOTAVAIL"
            ? invalidInput(`cannot bind ${host}: it is not an address of this machine; check --host`)
            : error,
      );
    };
    server.once("error", onError);
  });
}
