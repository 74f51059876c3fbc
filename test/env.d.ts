declare namespace Cloudflare {
  interface GlobalProps {
    mainModule: typeof import("../src/index");
  }
  interface Env {
    /** Each D1 binding's migrations, by binding (vitest.config.ts). */
    TEST_MIGRATIONS: Record<string, import("cloudflare:test").D1Migration[]>;
    MIGRATION_TEST_DB: D1Database;
  }
}
