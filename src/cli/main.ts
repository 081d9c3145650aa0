#!/usr/bin/env node
/** The `baton` executable. See program.ts for the verbs and docs/cli.md for the contract. */
import { runCli } from "./program.js";

// `baton watch | head` closes the pipe early: that is the reader's choice, not an error.
process.stdout.on("error", (error: NodeJS.ErrnoException) => {
  if (error.code === "EPIPE") process.exit(0);
  throw error;
});

process.exitCode = await runCli(process.argv.slice(2));
