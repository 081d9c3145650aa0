/**
 * `baton serve`: the HTTP API, the live event stream and (when built) the dashboard. Hono and
 * the server load only when this verb runs (src/http/server.ts), never for the other verbs.
 */
import { collect, wholeNumber } from "../options.js";
import { action, verb } from "../verb.js";
import type { Command } from "commander";

export function registerServeVerb(program: Command): void {
  verb(program, "serve", "serve this board over HTTP: JSON API, live event stream, dashboard (docs/http.md)")
    .option("--host <address>", "the address to bind; anything but loopback needs a token", "127.0.0.1")
    .option("--port <n>", "the port (0: any free one)", "7420")
    .option("--token-file <file>", "named tokens, one per line: NAME read|write TOKEN (docs/http.md)")
    .option("--allow-host <host:port>", "also answer to this Host header (a reverse proxy's name); repeatable", collect)
    .option("--allow-origin <origin>", "also accept requests from pages of this origin; repeatable", collect)
    .option("--max-body <bytes>", "refuse request bodies larger than this (413)", "1048576")
    .option("--no-writer-thread", "on SQLite, run agents' writes on the main thread too (docs/http.md)")
    .action(
      action(async (ctx, _args, o) => {
        const { url: storeUrl, policy } = ctx.location();
        const port = wholeNumber("--port", o.port as string, "7420") as number;
        const maxBodyBytes = wholeNumber("--max-body", o.maxBody as string, "1048576") as number;
        const { runServer } = await import("../../http/server.js");
        await runServer({
          storeUrl,
          policy,
          host: o.host as string,
          port,
          ...(o.tokenFile !== undefined && { tokenFile: o.tokenFile as string }),
          allowHosts: (o.allowHost as string[] | undefined) ?? [],
          allowOrigins: (o.allowOrigin as string[] | undefined) ?? [],
          maxBodyBytes,
          writerThread: o.writerThread !== false,
          announce: (info) => {
            if (ctx.json) {
              process.stdout.write(
                `${JSON.stringify({ url: info.url, login_url: info.loginUrl, ...(info.generatedToken && { token: info.generatedToken }) })}\n`,
              );
              return;
            }
            const lines = [
              `baton serve: the board at ${storeUrl} on ${info.url} (stop with Ctrl-C)`,
              `  dashboard, one-time sign-in link: ${info.loginUrl}`,
              info.generatedToken
                ? `  API token for this run (write): ${info.generatedToken}  (set BATON_TOKEN or --token-file to choose tokens)`
                : "  API: Authorization: Bearer <BATON_TOKEN or a --token-file token>",
            ];
            process.stdout.write(`${lines.join("\n")}\n`);
          },
          log: (message) => process.stderr.write(`${message}\n`),
        });
      }),
    );
}
