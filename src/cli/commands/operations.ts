/** Verbs that keep a board running: health, monitor, report, backup, restore. */
import { isBatonError } from "../../core/errors.js";
import { unreachable } from "../../board/health.js";
import { ExitCode } from "../exit-codes.js";
import { action, verb } from "../verb.js";
import type { HealthReport } from "../../board/health.js";
import type { Style } from "../style.js";
import type { Command } from "commander";

export function registerOperationVerbs(program: Command): void {
  verb(program, "health", "check the board: store, schema, integrity, locks, leases, agents, poison pills (exit 1 on problems)")
    .option("--no-integrity", "skip the full integrity scan (SQLite's quick_check)")
    .action(
      action(async (ctx, _args, o) => {
        let health: HealthReport;
        try {
          health = await (await ctx.board()).health({ integrity: o.integrity !== false });
        } catch (error) {
          // A board that cannot be opened (corrupt, unreadable) is a finding, not a crash.
          if (!isBatonError(error) || (error.code !== "CORRUPT_STORE" && error.code !== "STORE_UNAVAILABLE")) throw error;
          const url = ctx.location().url;
          const kind = url.startsWith("postgres") ? "postgres" : (url.split(":")[0] as string);
          const location = kind === "postgres" ? "the database" : url.slice(kind.length + 1);
          health = { healthy: false, checks: [unreachable({ kind, location }, error)] };
        }
        return {
          json: { healthy: health.healthy, checks: health.checks },
          human: healthText(health, ctx.style),
          ...(!health.healthy && { exitCode: ExitCode.error }),
        };
      }),
    );
}

function healthText(health: HealthReport, style: Style): string {
  const width = Math.max(...health.checks.map((c) => c.name.length));
  const lines = health.checks.map((c) => {
    const mark = c.ok ? style.paint("green", "ok     ") : style.paint("red", "PROBLEM");
    const fix = !c.ok && c.fix ? `\n  ${" ".repeat(width + 9)}fix: ${c.fix}` : "";
    return `${mark}  ${c.name.padEnd(width)}  ${c.detail}${fix}`;
  });
  const problems = health.checks.filter((c) => !c.ok).length;
  lines.push(health.healthy ? "healthy" : `${problems} problem(s)`);
  return lines.join("\n");
}
