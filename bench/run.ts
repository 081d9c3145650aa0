/**
 * `npm run bench [-- section ...]`: runs the benchmark sections (all by default) and prints
 * tables and ratios. Sections never assert timings; machines here are shared and noisy, so
 * compare figures only as ratios measured within one run.
 */
import { printSection } from "./report.js";
import type { BenchSection } from "./report.js";

const SECTIONS: Record<string, () => Promise<{ run: () => Promise<BenchSection> }>> = {
  sqlite: () => import("./sections/sqlite.js"),
  cli: () => import("./sections/cli.js"),
  json: () => import("./sections/json.js"),
  postgres: () => import("./sections/postgres.js"),
  audit: () => import("./sections/audit.js"),
  http: () => import("./sections/http.js"),
  webhooks: () => import("./sections/webhooks.js"),
  dashboard: () => import("./sections/dashboard.js"),
  ready: () => import("./sections/ready.js"),
};

const wanted = process.argv.slice(2);
const names = wanted.length > 0 ? wanted : Object.keys(SECTIONS);
for (const name of names) {
  const load = SECTIONS[name];
  if (!load) {
    console.error(`unknown bench section "${name}"; known: ${Object.keys(SECTIONS).join(", ")}`);
    process.exit(2);
  }
  const section = await (await load()).run();
  printSection(section);
}
