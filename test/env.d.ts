declare namespace Cloudflare {
  interface Env {
    ADMIN_TOKEN: string;
    DB: D1Database;
    TEST_MIGRATIONS: import("cloudflare:test").D1Migration[];
  }
}
