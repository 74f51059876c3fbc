// `npm run deploy`: from a clone to a workers.dev URL, safe to run again. Everything it acts on comes
// from wrangler.toml (scripts/deploy/resources.mjs). In order: wrangler is recent enough and logged in;
// each queue exists (created if not); each D1 database exists (created if not) and has every migration
// applied (--remote: only those not yet applied); each required secret missing on Cloudflare is generated
// and uploaded with the deploy; the deploy; the Worker's URL, the secrets generated (shown this once)
// and the next step. `npm run deploy -- --plan` prints those commands and runs none.
//
// Databases are created here rather than by `wrangler deploy` (which creates a binding's missing
// database since 4.45): migrations --remote need the database to exist, and the new code must not go
// live on a database without its tables, so creation and migrations come before the deploy.
import { randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { unstable_readConfig } from "wrangler";
import { ConfigError, resourcesOf } from "./deploy/resources.mjs";
import { executor, planner, StepFailed } from "./deploy/runner.mjs";

/** `wrangler deploy --secrets-file` came in 4.74, `[secrets] required` on deploy in 4.77. */
const MINIMUM_WRANGLER = [4, 77, 0];

/** A JSON document on stdout (what `--json` commands print), or undefined when there is none. */
function json(stdout) {
  try {
    return JSON.parse(stdout);
  } catch {
    return undefined;
  }
}

/** Whether version [major, minor, patch] comes before the minimum. */
function olderThanMinimum(version) {
  const differs = version.findIndex((part, i) => part !== MINIMUM_WRANGLER[i]);
  return differs >= 0 && version[differs] < MINIMUM_WRANGLER[differs];
}

async function checkWrangler(w) {
  const version = await w.probe(["--version"], `wrangler ${MINIMUM_WRANGLER.join(".")} or newer`, (run) =>
    run.status === 0 ? /(\d+)\.(\d+)\.(\d+)/.exec(run.stdout)?.slice(1).map(Number) : undefined,
  );
  if (version && olderThanMinimum(version)) {
    throw new StepFailed(
      `wrangler ${version.join(".")} is older than ${MINIMUM_WRANGLER.join(".")}: run \`npm ci\` to get the project's own.`,
    );
  }
}

async function checkLogin(w, resources) {
  const user = await w.probe(["whoami", "--json"], "logged in to Cloudflare? (if not: stop and say how)", (run) =>
    json(run.stdout),
  );
  if (!user) return;
  if (!user.loggedIn) {
    throw new StepFailed(
      "Not logged in to Cloudflare. Run `npx wrangler login` (it opens a browser), or set CLOUDFLARE_API_TOKEN to an API token that may edit Workers, D1 and Queues; then run `npm run deploy` again.",
    );
  }
  const accounts = user.accounts ?? [];
  if (accounts.length > 1 && !process.env.CLOUDFLARE_ACCOUNT_ID && !resources.accountId) {
    const list = accounts.map((account) => `  ${account.id}  ${account.name}`).join("\n");
    throw new StepFailed(
      `This login reaches ${accounts.length} Cloudflare accounts; say which one to deploy to:\n${list}\nCLOUDFLARE_ACCOUNT_ID=<id> npm run deploy`,
    );
  }
}

async function ensureQueues(w, resources) {
  for (const queue of resources.queues) {
    const exists = await w.probe(
      ["queues", "info", queue.name],
      `does queue ${queue.name} exist? (${queue.roles.join("; ")})`,
      (run) => {
        // wrangler shows the first queue its name filter finds, unchecked: only the exact name counts.
        if (run.status === 0) return run.stdout.split("\n").some((line) => line.trim() === `Queue Name: ${queue.name}`);
        return /does not exist/.test(run.output) ? false : undefined;
      },
    );
    if (!exists) {
      await w.change(["queues", "create", queue.name], "only if it does not exist", {
        capture: true,
        alreadyDone: /already exists/i,
      });
    }
  }
}

async function ensureDatabases(w, resources) {
  const existing = await w.probe(["d1", "list", "--json"], "the account's D1 databases", (run) =>
    run.status === 0 && Array.isArray(json(run.stdout)) ? json(run.stdout) : undefined,
  );
  for (const database of resources.databases) {
    if (database.id) {
      // An id in wrangler.toml is the operator's choice: used as it is, never created.
      if (existing && !existing.some((found) => found.uuid === database.id)) {
        throw new StepFailed(
          `The database_id of ${database.binding} (${database.id}) is not a D1 database of this account.`,
        );
      }
      continue;
    }
    if (!existing?.some((found) => found.name === database.name)) {
      // Its output would suggest pasting the new id into wrangler.toml: the database is found by name instead.
      await w.change(["d1", "create", database.name], `only if it is not in that list (binding ${database.binding})`, {
        capture: true,
      });
    }
  }
  for (const database of resources.databases) {
    await w.change(
      ["d1", "migrations", "apply", database.name, "--remote"],
      `binding ${database.binding}: those of the ${database.migrationCount} migrations in ${database.migrationsDir}/ not applied yet`,
    );
  }
}

/** The required secrets the Worker does not have yet (all of them for a Worker not deployed yet). */
async function missingSecrets(w, resources) {
  if (resources.secrets.length === 0) return [];
  const set = await w.probe(
    ["secret", "list", "--format", "json"],
    `which of ${resources.secrets.join(", ")} are set (a new Worker has none)`,
    (run) => {
      if (run.status === 0 && Array.isArray(json(run.stdout))) return json(run.stdout).map((secret) => secret.name);
      return /Worker "[^"]*".* not found/.test(run.output) ? [] : undefined;
    },
  );
  return resources.secrets.filter((name) => !set?.includes(name));
}

/** 32 random bytes, base64: a 256-bit bearer token, and the form an AES-256 key secret takes. */
const generateSecret = () => randomBytes(32).toString("base64");

/** The workers.dev URL `wrangler deploy` reported in its output file (WRANGLER_OUTPUT_FILE_PATH). */
function deployedUrl(outputFile) {
  let lines = [];
  try {
    lines = readFileSync(outputFile, "utf8").split("\n").filter(Boolean).map(json);
  } catch {
    return undefined;
  }
  const targets = lines.find((entry) => entry?.type === "deploy")?.targets ?? [];
  return (
    targets.find((target) => /^https:\/\/\S+\.workers\.dev$/.test(target)) ??
    targets.find((target) => /^https:\/\//.test(target))
  );
}

function printSecrets(generated) {
  for (const [name, value] of Object.entries(generated)) console.log(`  ${name}=${value}`);
}

async function deployWorker(w, resources, missing) {
  const why =
    resources.secrets.length > 0
      ? `the Worker, with each of ${resources.secrets.join(", ")} not set yet generated and uploaded in a temporary file, then printed once`
      : "the Worker";
  if (w.planning) {
    await w.change(missing.length > 0 ? ["deploy", "--secrets-file", "<temporary file>"] : ["deploy"], why);
    return {};
  }
  const generated = Object.fromEntries(missing.map((name) => [name, generateSecret()]));
  const workdir = mkdtempSync(join(tmpdir(), "scim-edge-deploy-"));
  try {
    const argv = ["deploy"];
    if (missing.length > 0) {
      // A file readable by this user only, removed below: a secret never goes on a command line.
      const file = join(workdir, "secrets.json");
      writeFileSync(file, JSON.stringify(generated), { mode: 0o600 });
      argv.push("--secrets-file", file);
    }
    const outputFile = join(workdir, "output.jsonl");
    try {
      await w.change(argv, why, { interactive: true, extraEnv: { WRANGLER_OUTPUT_FILE_PATH: outputFile } });
    } catch (error) {
      // A deploy can fail after its upload (a trigger, a queue consumer): the secrets are set then, and
      // would be lost for good if not shown. Unset, they are harmless; the next run makes new ones.
      if (missing.length > 0) {
        console.log(
          "\nThe deploy failed. If wrangler got as far as uploading the Worker, these secrets are set now (see `npx wrangler secret list`); this is the only time they are shown:\n",
        );
        printSecrets(generated);
      }
      throw error;
    }
    return { url: deployedUrl(outputFile), generated };
  } finally {
    rmSync(workdir, { recursive: true, force: true });
  }
}

function printPlan(w, resources, configPath) {
  console.log(`npm run deploy -- --plan: ${resources.worker}, from ${configPath}. Nothing was run.`);
  console.log(
    'A deploy runs these commands, in this order (a command marked "only if" runs when its check says so):\n',
  );
  w.print();
  if (resources.rateLimits.length > 0) {
    const limits = resources.rateLimits
      .map((limit) => `${limit.binding} (namespace_id ${limit.namespaceId}: ${limit.limit} per ${limit.period} s)`)
      .join(", ");
    console.log(`\nNo command creates the rate limits ${limits}: a namespace_id is a number wrangler.toml chooses, not a
resource. The deploy binds it, and Cloudflare counts under it from then on. Workers of one account that use the
same namespace_id share their counts: keep these unique in the account.`);
  }
}

function printDeployed(resources, { url, generated }) {
  const base = url ?? `https://${resources.worker}.<your workers.dev subdomain>.workers.dev`;
  console.log(`\nDeployed ${resources.worker}.\n`);
  console.log(`  Worker:           ${url ?? "(wrangler reported no URL: is workers_dev off?)"}`);
  console.log(`  Console sign-in:  ${base}/console/sign-in`);
  const names = Object.keys(generated);
  if (names.length > 0) {
    console.log(
      "\nSecrets generated and set now. Cloudflare never shows a secret again and this is the only time it is printed: keep it in your password manager.\n",
    );
    printSecrets(generated);
  }
  if (resources.secrets.includes("ADMIN_TOKEN") && !names.includes("ADMIN_TOKEN")) {
    console.log(
      "\nADMIN_TOKEN was already set: sign in with the one printed when it was set (to replace it: npx wrangler secret put ADMIN_TOKEN).",
    );
  }
  console.log(`
Next:
  1. Open ${base}/console/sign-in and sign in with ADMIN_TOKEN.
  2. Organizations: Create organization (its name and licences).
  3. In that organization, Settings, Access management: switch Okta on. The Tenant URL and the Secret Token
     appear once: copy both.
  4. In Okta, follow docs/okta.md (Microsoft Entra ID: docs/entra.md).`);
}

async function main() {
  const { values } = parseArgs({ options: { plan: { type: "boolean", default: false } } });
  const config = unstable_readConfig({});
  if (!config.configPath) throw new ConfigError("No wrangler.toml here: run `npm run deploy` at the project's root.");
  const resources = resourcesOf(config);
  const w = values.plan ? planner() : executor();

  await checkWrangler(w);
  await checkLogin(w, resources);
  await ensureQueues(w, resources);
  await ensureDatabases(w, resources);
  const missing = await missingSecrets(w, resources);
  const deployed = await deployWorker(w, resources, missing);

  if (w.planning) printPlan(w, resources, config.configPath);
  else printDeployed(resources, deployed);
}

try {
  await main();
} catch (error) {
  const usage = error.code === "ERR_PARSE_ARGS_UNKNOWN_OPTION" || error.code === "ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL";
  if (!(error instanceof ConfigError || error instanceof StepFailed || usage)) throw error;
  console.error(`\ndeploy: ${error.message}${usage ? "\nUsage: npm run deploy [-- --plan]" : ""}`);
  process.exitCode = 1;
}
