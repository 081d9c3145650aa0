/**
 * A race worker that works a board only through the CLI, as a shell script would:
 * `baton claim --json` then `baton done ID --token N`, until claim exits 5 (nothing ready).
 * Prints one JSON line: the tasks it completed and any unexpected exit.
 *
 *   node dist/test/workers/cli-claimer.js CLI_PATH BOARD_DIR AGENT_ID
 */
import { spawnSync } from "node:child_process";

const [cli, cwd, agent] = process.argv.slice(2) as [string, string, string];
const env = { ...process.env, BATON_AGENT: agent, NO_COLOR: "1" };
const completed: string[] = [];
const unexpected: string[] = [];

function baton(args: string[]): { code: number; stdout: string; stderr: string } {
  const run = spawnSync(process.execPath, [cli, ...args], { cwd, env, encoding: "utf8" });
  return { code: run.status ?? -1, stdout: run.stdout, stderr: run.stderr };
}

for (;;) {
  const claim = baton(["claim", "--json"]);
  if (claim.code === 5) break;
  if (claim.code !== 0) {
    unexpected.push(`claim exit ${claim.code}: ${claim.stderr.trim()}`);
    continue;
  }
  const task = JSON.parse(claim.stdout) as { id: string; lease_token: number; assigned_to: string };
  const done = baton(["done", task.id, "--token", String(task.lease_token), "--json"]);
  if (done.code === 0) completed.push(task.id);
  else unexpected.push(`done ${task.id} exit ${done.code}: ${done.stderr.trim()}`);
}
process.stdout.write(`${JSON.stringify({ agent, completed, unexpected })}\n`);
