/**
 * Flag values → typed values, with messages that name the flag and show a valid example.
 * Domain checks (id shapes, priorities, statuses) stay in the core's schemas; these only turn
 * text into numbers, lists and durations.
 */
import { parseDurationSeconds } from "../core/duration.js";
import { invalidInput } from "../core/errors.js";
import { Option } from "commander";
import type { Command } from "commander";

/** "a,b" → ["a", "b"]; repeated flags are joined first. Empty items are dropped. */
export function list(value: string | readonly string[] | undefined): string[] | undefined {
  if (value === undefined) return undefined;
  const parts = (typeof value === "string" ? [value] : value).flatMap((v) => v.split(","));
  return parts.map((p) => p.trim()).filter((p) => p !== "");
}

/** Commander collector for flags that may repeat: --id A --id B. */
export function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

export function wholeNumber(flag: string, value: string | undefined, example: string): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value.trim())) {
    throw invalidInput(`invalid ${flag} "${value}": expected a whole number, like ${flag} ${example}`);
  }
  return Number(value);
}

export function decimal(flag: string, value: string | undefined, example: string): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+(\.\d+)?$/.test(value.trim())) {
    throw invalidInput(`invalid ${flag} "${value}": expected a number, like ${flag} ${example}`);
  }
  return Number(value);
}

export function durationSeconds(flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  try {
    return parseDurationSeconds(value);
  } catch (error) {
    throw invalidInput(`${flag}: ${(error as Error).message}`);
  }
}

export function jsonObject(flag: string, value: string | undefined): Record<string, unknown> | undefined {
  if (value === undefined) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    parsed = undefined;
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    throw invalidInput(`invalid ${flag}: expected a JSON object, like ${flag} '{"ticket":"ENG-12"}'`);
  }
  return parsed as Record<string, unknown>;
}

/**
 * `--capabilities a,b`: what the calling agent brings (claim, next, ready). It was `--needs`,
 * which reads as a filter on the task's own needs; `--needs` stays as a hidden alias.
 */
export function capabilitiesOption(command: Command, description: string): Command {
  return command
    .option("--capabilities <caps>", description)
    .addOption(new Option("--needs <caps>", "the old name of --capabilities").hideHelp());
}

export function capabilitiesFlag(o: Record<string, unknown>): string[] | undefined {
  return list((o.capabilities ?? o.needs) as string | undefined);
}
