import { defineConfig } from "vitest/config";

/**
 * The tests of scripts/ (the deploy): plain Node, since they start the script as a process, which the
 * Workers pool cannot. Each runs the script against a fake `wrangler` on the PATH (test/scripts/fake-wrangler.mjs).
 */
export default defineConfig({
  test: {
    include: ["test/scripts/**/*.node.ts"],
    environment: "node",
    // Each test starts the script a few times, and each start loads wrangler's configuration reader
    // (2–3 s of CPU): minutes on a loaded machine.
    testTimeout: 600_000,
  },
});
