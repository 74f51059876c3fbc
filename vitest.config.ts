import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";
import { unstable_readConfig } from "wrangler";

export default defineConfig(async () => {
  // Each D1 binding of wrangler.toml (the shards, the control plane) with its migrations_dir's migrations.
  const migrations = Object.fromEntries(
    await Promise.all(
      unstable_readConfig({}).d1_databases.map(
        async ({ binding, migrations_dir }: { binding: string; migrations_dir?: string }) => [
          binding,
          await readD1Migrations(migrations_dir ?? "migrations"),
        ],
      ),
    ),
  );
  return {
    plugins: [
      cloudflareTest({
        wrangler: { configPath: "./wrangler.toml" },
        miniflare: {
          bindings: { ADMIN_TOKEN: "test-admin-token", TEST_MIGRATIONS: migrations },
          // A second, empty database: migration tests apply the migrations to it step by step, with data in between.
          d1Databases: { MIGRATION_TEST_DB: "migration-test" },
          // Deliver activity batches at once, so tests read what the real consumer wrote without long waits.
          queueConsumers: {
            "scim-activity": {
              maxBatchTimeout: 0,
              maxRetries: 2,
              retryDelay: 0,
              deadLetterQueue: "scim-activity-dlq",
            },
            "scim-activity-dlq": { maxBatchTimeout: 0 },
          },
        },
      }),
    ],
    test: {
      setupFiles: ["./test/setup.ts"],
      // The worker logs every request and activity; show those lines only for failing tests.
      silent: "passed-only" as const,
      // Integration tests make many sequential requests; on a loaded 2-core machine 5 s is too tight.
      testTimeout: 30_000,
    },
  };
});
