/** The watch verb: the board's events printed as they commit, until Ctrl-C. */
import { eventLine } from "../human.js";
import { eventJson } from "../json-shape.js";
import { durationSeconds, wholeNumber } from "../options.js";
import { action, verb } from "../verb.js";
import type { Command } from "commander";

export function registerWatchVerb(program: Command): void {
  verb(program, "watch", "print events as they happen, until Ctrl-C (with --json: one JSON object a line)")
    .option("--after <seq>", "start after this sequence number (0: replay the whole trail first)")
    .option("--poll <duration>", "how often to look for new events on stores that do not push them", "200ms")
    .action(
      action(async (ctx, _args, o) => {
        const afterSeq = wholeNumber("--after", o.after as string | undefined, "0");
        const pollMs = (durationSeconds("--poll", o.poll as string) as number) * 1000;
        const board = await ctx.board();
        const stop = new AbortController();
        const onSignal = (): void => stop.abort();
        process.once("SIGINT", onSignal);
        process.once("SIGTERM", onSignal);
        try {
          for await (const event of board.watch({ pollMs, signal: stop.signal, ...(afterSeq !== undefined && { afterSeq }) })) {
            process.stdout.write(ctx.json ? `${JSON.stringify(eventJson(event))}\n` : `${eventLine(event, ctx.style)}\n`);
          }
        } finally {
          process.off("SIGINT", onSignal);
          process.off("SIGTERM", onSignal);
        }
      }),
    );
}
