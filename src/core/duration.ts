import { BatonError, ErrorCode } from "./errors.js";

const UNIT_SECONDS: Record<string, number> = { ms: 0.001, s: 1, m: 60, h: 3600, d: 86400 };

/** "90s", "15m", "1h30m", "2d", "500ms" or a bare number of seconds → seconds. */
export function parseDurationSeconds(text: string): number {
  const trimmed = text.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return positive(Number(trimmed), text);
  const part = /(\d+(?:\.\d+)?)(ms|s|m|h|d)/g;
  let total = 0;
  let consumed = 0;
  for (const match of trimmed.matchAll(part)) {
    if (match.index !== consumed) break;
    total += Number(match[1]) * (UNIT_SECONDS[match[2] as string] as number);
    consumed += match[0].length;
  }
  if (consumed === 0 || consumed !== trimmed.length) {
    throw new BatonError(
      ErrorCode.INVALID_INPUT,
      `invalid duration "${text}": write a number with a unit, like 90s, 15m, 2h or 1h30m`,
    );
  }
  return positive(total, text);
}

function positive(seconds: number, text: string): number {
  if (!(seconds > 0) || seconds > 365 * 86400) {
    throw new BatonError(
      ErrorCode.INVALID_INPUT,
      `invalid duration "${text}": it must be more than 0 and at most a year`,
    );
  }
  return seconds;
}

export function formatDuration(ms: number): string {
  const s = Math.round(Math.abs(ms) / 1000);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${s % 60 ? `${s % 60}s` : ""}`;
  if (s < 86400) return `${Math.floor(s / 3600)}h${Math.floor((s % 3600) / 60) ? `${Math.floor((s % 3600) / 60)}m` : ""}`;
  return `${Math.floor(s / 86400)}d${Math.floor((s % 86400) / 3600) ? `${Math.floor((s % 86400) / 3600)}h` : ""}`;
}
