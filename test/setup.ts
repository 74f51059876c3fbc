import { applyD1Migrations, env } from "cloudflare:test";

// Setup files may run more than once; applyD1Migrations skips what is already applied. Every D1
// binding of wrangler.toml (each shard, the control plane) gets its own migrations_dir's migrations.
for (const [binding, migrations] of Object.entries(env.TEST_MIGRATIONS)) {
  await applyD1Migrations(env[binding as "DB_CONTROL"], migrations);
}
