import { defineConfig } from "drizzle-kit";

/** The control plane's migrations (DB_CONTROL); the shards' are drizzle.config.ts's. */
export default defineConfig({
  dialect: "sqlite",
  schema: "./src/db/control-schema.ts",
  out: "./drizzle-control",
});
