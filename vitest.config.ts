import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // Race tests spawn dozens of real processes; on a 2-core machine, files run one at a time
    // so one file's processes do not starve another's leases.
    fileParallelism: false,
    pool: "forks",
    testTimeout: 180_000,
    hookTimeout: 180_000,
    reporters: ["default", "./test/reporters/summary.ts"],
  },
});
