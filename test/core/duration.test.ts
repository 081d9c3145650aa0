import { describe, expect, it } from "vitest";
import { formatDuration, parseDurationSeconds } from "../../src/core/duration.js";

describe("parseDurationSeconds", () => {
  it.each([
    ["90s", 90],
    ["15m", 900],
    ["2h", 7200],
    ["1h30m", 5400],
    ["2d", 172_800],
    ["500ms", 0.5],
    ["1.5h", 5400],
    ["45", 45],
    [" 10m ", 600],
  ])("%s is %d seconds", (text, seconds) => {
    expect(parseDurationSeconds(text)).toBe(seconds);
  });

  it.each(["", "abc", "15 m", "10x", "5m garbage", "m5", "-5s", "1h-30m"])("%j is INVALID_INPUT with an example", (text) => {
    expect(() => parseDurationSeconds(text)).toThrow(/invalid duration .*like 90s, 15m, 2h or 1h30m/);
  });

  it.each(["0", "0s", "400d"])("%j is out of range (more than 0, at most a year)", (text) => {
    expect(() => parseDurationSeconds(text)).toThrow(/must be more than 0 and at most a year/);
  });
});

describe("formatDuration", () => {
  it.each([
    [0, "0s"],
    [59_000, "59s"],
    [90_000, "1m30s"],
    [900_000, "15m"],
    [5_400_000, "1h30m"],
    [90_000_000, "1d1h"],
  ])("%d ms reads %s", (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });
});
