// What the Worker binds, as wrangler itself reads wrangler.toml: the deploy creates and checks exactly
// these, so a D1 binding, a queue or a secret added to wrangler.toml needs no change to the deploy.
import { readdirSync } from "node:fs";
import { dirname, relative, resolve } from "node:path";

/** A configuration the deploy cannot act on: said before anything runs, in --plan too. */
export class ConfigError extends Error {}

/** A database_id of zeros is a placeholder, never a database: deploying it would fail at the last step. */
const PLACEHOLDER_ID = /^0{8}-0{4}-0{4}-0{4}-0{12}$/;

function databasesOf(config, root) {
  return config.d1_databases.map((binding) => {
    if (!binding.database_name) {
      throw new ConfigError(
        `The D1 binding ${binding.binding} has no database_name: the deploy creates and finds each database by its name.`,
      );
    }
    if (binding.database_id && PLACEHOLDER_ID.test(binding.database_id)) {
      throw new ConfigError(
        `The D1 binding ${binding.binding} has the placeholder database_id ${binding.database_id}: remove that line (the deploy finds the database by its name).`,
      );
    }
    const migrationsDir = resolve(root, binding.migrations_dir ?? "migrations");
    let migrations = [];
    try {
      migrations = readdirSync(migrationsDir).filter((file) => file.endsWith(".sql"));
    } catch {
      // No directory: wrangler says so when it applies; the plan shows 0 migrations.
    }
    return {
      binding: binding.binding,
      name: binding.database_name,
      id: binding.database_id,
      migrationsDir: relative(root, migrationsDir) || ".",
      migrationCount: migrations.length,
    };
  });
}

/** Every queue named anywhere (producer, consumer, dead-letter queue), once, with what uses it. */
function queuesOf(config) {
  const queues = new Map();
  const use = (name, role) => {
    const queue = queues.get(name) ?? { name, roles: [] };
    queue.roles.push(role);
    queues.set(name, queue);
  };
  for (const producer of config.queues.producers ?? []) use(producer.queue, `sent to by ${producer.binding}`);
  for (const consumer of config.queues.consumers ?? []) {
    use(consumer.queue, "consumed by the Worker");
    if (consumer.dead_letter_queue) use(consumer.dead_letter_queue, `dead-letter queue of ${consumer.queue}`);
  }
  return [...queues.values()];
}

/**
 * The Worker's resources, from wrangler's parsed configuration (`unstable_readConfig`).
 * Rate limits are listed, never created: a namespace_id is a number the configuration chooses, and
 * Cloudflare starts counting under it when a Worker bound to it is deployed.
 */
export function resourcesOf(config) {
  if (!config.name) throw new ConfigError("wrangler.toml has no name: the Worker's name is its workers.dev host.");
  const root = dirname(config.configPath);
  return {
    worker: config.name,
    accountId: config.account_id,
    databases: databasesOf(config, root),
    queues: queuesOf(config),
    secrets: config.secrets?.required ?? [],
    rateLimits: (config.ratelimits ?? []).map((limit) => ({
      binding: limit.name,
      namespaceId: limit.namespace_id,
      limit: limit.simple?.limit,
      period: limit.simple?.period,
    })),
  };
}
