/**
 * Verbs that start another face of baton. Their code (the MCP SDK, the demo's agents) loads
 * only when the verb runs, so it never slows the verbs agents call thousands of times.
 */
import { wholeNumber } from "../options.js";
import { action, verb } from "../verb.js";
import type { Command } from "commander";

export function registerFaceVerbs(program: Command): void {
  verb(program, "mcp", "serve this board to an MCP client over stdio (Claude Code, Cursor, VS Code…)").action(
    action(async (ctx) => {
      const { url, policy } = ctx.location();
      const { runMcpServer } = await import("../../mcp/server.js");
      // BATON_LOCAL_WRITER=1, as for every other verb (docs/cli.md).
      const localWriter = ctx.env.BATON_LOCAL_WRITER === "1";
      await runMcpServer({ storeUrl: url, policy, localWriter, ...(ctx.agent !== undefined && { agent: ctx.agent }) });
    }),
  );

  program
    .command("demo")
    .description("watch real agent processes work through a task graph on a temporary board (~20 s)")
    .option("--agents <n>", "how many agent processes (2-8)", "4")
    .option("--keep", "keep the temporary board and say where it is")
    .option("--serve [port]", "watch it in the dashboard too: serve the demo board on 127.0.0.1 (default port 7420) until Ctrl-C")
    .action(async (options: { agents: string; keep?: boolean; serve?: string | boolean }) => {
      const agents = wholeNumber("--agents", options.agents, "4") as number;
      const servePort =
        options.serve === undefined ? undefined : options.serve === true ? 7420 : (wholeNumber("--serve", options.serve as string, "7420") as number);
      const { runDemo } = await import("../demo/demo.js");
      await runDemo({ agents, keep: options.keep === true, ...(servePort !== undefined && { servePort }) });
    });
}
