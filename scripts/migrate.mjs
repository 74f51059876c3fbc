// `npm run db:migrate -- --local|--remote [--persist-to DIR]`: applies pending migrations to every D1
// database wrangler.toml binds (each shard and the control plane, each from its migrations_dir), one
// line per database; wrangler's full output only on failure. Used by `npm run dev`, `npm run bench`
// and the deploy steps; the tests' setup applies the same directories (vitest.config.ts).
import { spawnSync } from "node:child_process";
import { unstable_readConfig } from "wrangler";

const env = { ...process.env, WRANGLER_SEND_METRICS: "false" };
const args = process.argv.slice(2);
if (!args.includes("--local") && !args.includes("--remote")) {
  console.error("usage: npm run db:migrate -- --local|--remote [--persist-to DIR]");
  process.exit(2);
}

function migrateAll(options) {
  for (const { binding } of unstable_readConfig({}).d1_databases) {
    const result = spawnSync("npx", ["wrangler", "d1", "migrations", "apply", binding, ...options], {
      env,
      encoding: "utf8",
    });
    const output = `${result.stdout ?? ""}${result.stderr ?? ""}`;
    if (result.status !== 0) {
      process.stderr.write(output);
      console.error(`migrations of ${binding}: failed (wrangler's output above)`);
      process.exit(result.status ?? 1);
    }
    const applied = /About to apply (\d+) migration/.exec(output)?.[1];
    console.log(`migrations of ${binding}: ${applied ? `${applied} applied` : "up to date"}`);
  }
}

migrateAll(args);
