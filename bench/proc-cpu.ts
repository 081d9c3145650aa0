/**
 * CPU time from Linux's /proc, for the benches' "where the CPU goes" columns: a process's own
 * (one the bench did not fork, such as serve or a board's local writer, whose CPU it cannot
 * ask for), and the whole machine's busy and idle time. Each answers undefined where /proc is
 * not there to read.
 */
import { readFileSync, readdirSync } from "node:fs";

/** Linux's clock tick, in µs: /proc counts CPU time in ticks of 1/100 s. */
const TICK_MICROS = 10_000;

/** A process's CPU time so far (user + system), µs. */
export function processCpuMicros(pid: number | undefined): number | undefined {
  try {
    // Fields after the ")" of the command name: utime and stime are the 12th and 13th.
    const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.split(" ") ?? [];
    const micros = (Number(fields[11]) + Number(fields[12])) * TICK_MICROS;
    return Number.isFinite(micros) ? micros : undefined;
  } catch {
    return undefined;
  }
}

/** The machine's CPU time so far, all cores, µs: busy (user, nice, system, irq, softirq) and idle (idle, iowait). */
export function machineCpuMicros(): { busy: number; idle: number } | undefined {
  try {
    const line = readFileSync("/proc/stat", "utf8").split("\n", 1)[0] ?? "";
    const [user, nice, system, idle, iowait, irq, softirq] = line.split(/\s+/).slice(1, 8).map(Number);
    const busy = ((user ?? 0) + (nice ?? 0) + (system ?? 0) + (irq ?? 0) + (softirq ?? 0)) * TICK_MICROS;
    const waiting = ((idle ?? 0) + (iowait ?? 0)) * TICK_MICROS;
    return Number.isFinite(busy) && Number.isFinite(waiting) ? { busy, idle: waiting } : undefined;
  } catch {
    return undefined;
  }
}

/** The pid of a running process whose command line holds every one of `parts` (the first found). */
export function findProcess(parts: readonly string[]): number | undefined {
  let entries: string[];
  try {
    entries = readdirSync("/proc");
  } catch {
    return undefined;
  }
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const command = readFileSync(`/proc/${entry}/cmdline`, "utf8");
      if (parts.every((part) => command.includes(part))) return Number(entry);
    } catch {
      // gone meanwhile
    }
  }
  return undefined;
}
