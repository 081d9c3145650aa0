import type { BenchSection } from "../report.js";

/** Placeholder: the cli benchmark is being written. */
export async function run(): Promise<BenchSection> {
  return { title: "cli", tables: [], ratios: [], notes: ["not measured yet"] };
}
