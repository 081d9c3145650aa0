/**
 * Sends one webhook request: a POST with node:http(s), which never follows a redirect (a 3xx is
 * a failed attempt, so events only ever go to the URL that was configured), a fresh connection
 * each time (no pool keeping a CLI process alive), and one deadline for the whole exchange: a
 * receiver that accepts the connection and then says nothing is given up on at `timeoutMs`.
 */
import http from "node:http";
import https from "node:https";
import type { WebhookRequest } from "./signing.js";

export interface SendResult {
  /** The receiver's HTTP status; null when none came (refused, reset, timed out). */
  status: number | null;
  /** Why the attempt failed; null for a 2xx. */
  error: string | null;
}

export type SendWebhook = (request: WebhookRequest, timeoutMs: number) => Promise<SendResult>;

/** How much of a failing receiver's answer is kept in the log. */
const ERROR_BODY_CHARS = 200;

export const sendWebhook: SendWebhook = (request, timeoutMs) =>
  new Promise((resolve) => {
    const url = new URL(request.url);
    const client = url.protocol === "https:" ? https : http;
    let settled = false;
    const finish = (result: SendResult): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      outgoing.destroy();
      resolve(result);
    };
    const outgoing = client.request(
      url,
      {
        method: "POST",
        agent: false,
        headers: { ...request.headers, "content-length": String(Buffer.byteLength(request.body)), "user-agent": "baton-webhooks" },
      },
      (response) => {
        const status = response.statusCode ?? 0;
        if (status >= 200 && status < 300) {
          response.resume();
          finish({ status, error: null });
          return;
        }
        let text = "";
        response.setEncoding("utf8");
        response.on("data", (chunk: string) => {
          if (text.length < ERROR_BODY_CHARS) text += chunk;
        });
        response.on("end", () => finish({ status, error: describeStatus(status, response.headers.location, text) }));
        response.on("error", () => finish({ status, error: describeStatus(status, response.headers.location, text) }));
      },
    );
    const timer = setTimeout(
      () => finish({ status: null, error: `the receiver did not answer within ${timeoutMs} ms` }),
      timeoutMs,
    );
    outgoing.on("error", (error) => finish({ status: null, error: `cannot reach ${url.host}: ${error.message}` }));
    outgoing.end(request.body);
  });

function describeStatus(status: number, location: string | undefined, body: string): string {
  if (status >= 300 && status < 400) {
    return `the receiver answered ${status} (a redirect${location ? ` to ${location}` : ""}); baton never follows redirects: configure the final URL`;
  }
  const excerpt = body.trim().slice(0, ERROR_BODY_CHARS).replace(/\s+/g, " ");
  return `the receiver answered ${status}${excerpt ? `: ${excerpt}` : ""}`;
}
