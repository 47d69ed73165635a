// Test runner settings: unit tests beside the code, black-box tests under test/, two workers for a 2-core machine.
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["src/**/*.test.ts", "test/**/*.test.ts"],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: "forks",
    fileParallelism: true,
    minWorkers: 1,
    maxWorkers: 2,
  },
});
