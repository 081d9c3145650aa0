import type { BenchSection } from "../report.js";

/** Placeholder: the sqlite benchmark is being written. */
export async function run(): Promise<BenchSection> {
  return { title: "sqlite", tables: [], ratios: [], notes: ["not measured yet"] };
}
