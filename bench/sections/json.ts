import type { BenchSection } from "../report.js";

/** Placeholder: the json benchmark is being written. */
export async function run(): Promise<BenchSection> {
  return { title: "json", tables: [], ratios: [], notes: ["not measured yet"] };
}
