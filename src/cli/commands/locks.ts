/**
 * `baton lock FILE -- COMMAND…`: runs a command holding FILE.lock, like flock(1), with the
 * protocol of withFileLock (src/locks/file-lock.ts). It needs no board. Its code loads only
 * when the verb runs (src/cli/lock-run.ts).
 */
import { invalidInput } from "../../core/errors.js";
import { durationSeconds } from "../options.js";
import { action, verb } from "../verb.js";
import type { Command } from "commander";

export function registerLockVerbs(program: Command): void {
  verb(program, "lock <file> [command...]", "run COMMAND holding FILE.lock (like flock(1)); --status shows the holder")
    .option("--timeout <duration>", "how long to wait for the lock before exit 6", "5s")
    .option("--stale <duration>", "a lock older than this whose process is gone is broken", "30s")
    .option("--status", "show who holds FILE.lock, since when, and whether it is stale")
    .action(
      action(async (ctx, args, options) => {
        const [file, ...command] = args as [string, ...string[]];
        const timeoutMs = (durationSeconds("--timeout", options.timeout as string) as number) * 1000;
        const staleMs = (durationSeconds("--stale", options.stale as string) as number) * 1000;
        const run = await import("../lock-run.js");
        if (options.status === true) {
          if (command.length > 0) throw invalidInput("baton lock --status takes no command: drop the command or --status");
          return run.lockStatus(file, staleMs);
        }
        if (command.length === 0) {
          throw invalidInput(`baton lock needs a command to run: baton lock ${file} -- COMMAND [ARGS…]`);
        }
        const agent = ctx.agent ?? `baton-lock-${process.pid}`;
        const code = await run.runLocked(file, command, { timeoutMs, staleMs, agent });
        process.exit(code); // the command's own exit code, like flock(1)
      }),
    );
}
