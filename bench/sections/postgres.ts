import type { BenchSection } from "../report.js";

/** Placeholder: the postgres benchmark is being written. */
export async function run(): Promise<BenchSection> {
  return { title: "postgres", tables: [], ratios: [], notes: ["not measured yet"] };
}
