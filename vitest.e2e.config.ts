import { defineConfig } from "vitest/config";

/** The browser tests: Node drives Debian's chromium (playwright-core) against a `wrangler dev` the setup starts. */
export default defineConfig({
  test: {
    include: ["test/e2e/**/*.e2e.ts"],
    globalSetup: ["./test/e2e/global-setup.ts"],
    environment: "node",
    // One browser, one server, one story after another.
    fileParallelism: false,
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
