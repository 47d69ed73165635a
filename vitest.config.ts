// Test runner settings: unit tests beside the code, black-box tests under test/, two workers for a 2-core machine.
import { createRequire } from "node:module";
import { defineConfig } from "vitest/config";

const require = createRequire(import.meta.url);

export default defineConfig({
  resolve: {
    // graphql-http and graphql-ws load graphql's CommonJS build; src/ must use the same copy, or
    // graphql refuses schemas "from another module or realm".
    alias: [{ find: /^graphql$/, replacement: require.resolve("graphql") }],
  },
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
