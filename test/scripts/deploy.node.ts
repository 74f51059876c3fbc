// `npm run deploy` (scripts/deploy.mjs) against a fake `wrangler` on the PATH (fake-wrangler.mjs) that
// answers as wrangler does over an account the test sets up: what the deploy runs, in which order, what
// it creates, what a second run does, and where it stops.
import { spawn } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { describe, expect, test } from "vitest";
import { unstable_readConfig } from "wrangler";

const ROOT = resolve(import.meta.dirname, "../..");
const SCRIPT = join(ROOT, "scripts/deploy.mjs");
const FAKE_WRANGLER = join(import.meta.dirname, "fake-wrangler.mjs");

interface Account {
  version: string;
  loggedIn: boolean;
  accounts: { id: string; name: string }[];
  workerName: string;
  subdomain: string;
  queues: string[];
  databases: { uuid: string; name: string }[];
  /** What the fixture's wrangler.toml binds, for the fake's deploy and migrations. */
  boundQueues: string[];
  requiredSecrets: string[];
  migrationsDirs: Record<string, string>;
  applied: Record<string, string[]>;
  failMigrations?: string;
  /** `queues info <name>` answers the first queue whose name starts with <name>, as a prefix filter would. */
  queueNameFilterIsPrefix?: boolean;
  /** The deploy uploads the Worker (its secrets set), then fails, as when a queue consumer cannot be updated. */
  failDeployAfterUpload?: boolean;
  worker: { secrets: Record<string, string> } | null;
  calls: string[][];
  appliedByCall: { database: string; migrations: string[] }[];
  secretsFiles: string[];
}

const CONTROL = "scim-edge-control";
const shardName = (i: number) => `scim-edge-shard-${i}`;
const QUEUES = ["scim-activity", "scim-webhooks", "scim-activity-dlq", "scim-webhooks-dlq"];
const SECRETS = ["ADMIN_TOKEN", "WEBHOOK_SECRETS_KEY"];

/** A project the shape the shards and events lanes give wrangler.toml: a control database, N shards, two queues with dead-letter queues, two secrets. */
function project(shards: number, account: Partial<Account> = {}) {
  const dir = mkdtempSync(join(tmpdir(), "scim-edge-deploy-test-"));
  const shardNames = Array.from({ length: shards }, (_, i) => shardName(i));
  for (const [folder, files] of [
    ["drizzle", ["0000_init.sql", "0001_member_triggers.sql", "0002_teams.sql"]],
    ["drizzle-control", ["0000_control.sql"]],
  ] as const) {
    mkdirSync(join(dir, folder));
    for (const file of files) writeFileSync(join(dir, folder, file), "SELECT 1;\n");
  }
  const d1 = [
    `[[d1_databases]]\nbinding = "DB_CONTROL"\ndatabase_name = "${CONTROL}"\nmigrations_dir = "drizzle-control"`,
    ...shardNames.map(
      (name, i) => `[[d1_databases]]\nbinding = "DB_SHARD_${i}"\ndatabase_name = "${name}"\nmigrations_dir = "drizzle"`,
    ),
  ];
  writeFileSync(
    join(dir, "wrangler.toml"),
    `name = "scim-edge"
main = "src/index.ts"
compatibility_date = "2026-11-01"

${d1.join("\n\n")}

[secrets]
required = ${JSON.stringify(SECRETS)}

[[queues.producers]]
binding = "ACTIVITY_QUEUE"
queue = "scim-activity"

[[queues.producers]]
binding = "WEBHOOK_QUEUE"
queue = "scim-webhooks"

[[queues.consumers]]
queue = "scim-activity"
dead_letter_queue = "scim-activity-dlq"

[[queues.consumers]]
queue = "scim-activity-dlq"

[[queues.consumers]]
queue = "scim-webhooks"
dead_letter_queue = "scim-webhooks-dlq"

[[ratelimits]]
name = "TENANT_RATE_LIMIT"
namespace_id = "1001"
simple = { limit = 1000, period = 10 }
`,
  );
  const state: Account = {
    version: "4.156.2",
    loggedIn: true,
    accounts: [{ id: "0123456789abcdef0123456789abcdef", name: "Acme" }],
    workerName: "scim-edge",
    subdomain: "acme",
    queues: [],
    databases: [],
    boundQueues: QUEUES,
    requiredSecrets: SECRETS,
    migrationsDirs: Object.fromEntries([
      [CONTROL, join(dir, "drizzle-control")],
      ...shardNames.map((name) => [name, join(dir, "drizzle")]),
    ]),
    applied: {},
    worker: null,
    calls: [],
    appliedByCall: [],
    secretsFiles: [],
    ...account,
  };
  const statePath = join(dir, "account.json");
  writeFileSync(statePath, JSON.stringify(state));
  const bin = join(dir, "bin");
  mkdirSync(bin);
  writeFileSync(join(bin, "wrangler"), `#!/bin/sh\nexec "${process.execPath}" "${FAKE_WRANGLER}" "$@"\n`);
  chmodSync(join(bin, "wrangler"), 0o755);
  return { dir, bin, statePath, shardNames };
}

type Project = ReturnType<typeof project>;
const account = (p: Project): Account => JSON.parse(readFileSync(p.statePath, "utf8"));

/** Runs the deploy script in `cwd` with the fake wrangler first on the PATH; resolves with its exit status and output. */
function deploy(p: Pick<Project, "bin" | "statePath">, args: string[] = [], cwd = (p as Project).dir, extraEnv = {}) {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PATH: `${p.bin}:${process.env.PATH}`,
    FAKE_WRANGLER_STATE: p.statePath,
    ...extraEnv,
  };
  delete env.CLOUDFLARE_ACCOUNT_ID;
  delete env.CLOUDFLARE_API_TOKEN;
  return new Promise<{ status: number | null; stdout: string; stderr: string }>((done, reject) => {
    const child = spawn(process.execPath, [SCRIPT, ...args], { cwd, env, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk) => {
      stdout += chunk;
    });
    child.stderr.on("data", (chunk) => {
      stderr += chunk;
    });
    child.on("error", reject);
    child.on("close", (status) => done({ status, stdout, stderr }));
  });
}

const occurrences = (text: string, part: string) => text.split(part).length - 1;

/** The commands a deploy runs when nothing exists on the account yet, in order. */
function firstDeployCalls(databases: string[], secretsFile: string) {
  return [
    ["--version"],
    ["whoami", "--json"],
    ...QUEUES.flatMap((queue) => [
      ["queues", "info", queue],
      ["queues", "create", queue],
    ]),
    ["d1", "list", "--json"],
    ...databases.map((name) => ["d1", "create", name]),
    ...databases.map((name) => ["d1", "migrations", "apply", name, "--remote"]),
    ["secret", "list", "--format", "json"],
    ["deploy", "--secrets-file", secretsFile],
  ];
}

describe("npm run deploy -- --plan", () => {
  test("lists every resource this repository's wrangler.toml binds, each created before its use and the deploy last, and runs nothing", async () => {
    const fake = project(1);
    const result = await deploy(fake, ["--plan"], ROOT);
    expect(result.stderr).toBe("");
    expect(result.status).toBe(0);
    expect(account(fake).calls).toEqual([]);

    const config = unstable_readConfig({ config: join(ROOT, "wrangler.toml") });
    const commands = result.stdout
      .split("\n")
      .filter((line) => line.startsWith("  wrangler "))
      .map((line) => line.trim().split("  #")[0].trim());
    const at = (command: string) => {
      expect(commands).toContain(command);
      return commands.indexOf(command);
    };
    const deployAt = commands.findIndex((command) => command.startsWith("wrangler deploy"));
    expect(deployAt).toBe(commands.length - 1);
    expect(config.d1_databases.length).toBeGreaterThan(0);
    for (const database of config.d1_databases) {
      const name = database.database_name as string;
      expect(at(`wrangler d1 create ${name}`)).toBeLessThan(at(`wrangler d1 migrations apply ${name} --remote`));
      expect(at(`wrangler d1 migrations apply ${name} --remote`)).toBeLessThan(deployAt);
    }
    const queues = [
      ...(config.queues.producers ?? []).map((producer) => producer.queue),
      ...(config.queues.consumers ?? []).flatMap((consumer) =>
        [consumer.queue, consumer.dead_letter_queue ?? []].flat(),
      ),
    ];
    for (const queue of queues) {
      expect(at(`wrangler queues info ${queue}`)).toBeLessThan(at(`wrangler queues create ${queue}`));
      expect(at(`wrangler queues create ${queue}`)).toBeLessThan(deployAt);
    }
    expect(commands[deployAt]).toBe("wrangler deploy --secrets-file <temporary file>");
    const deployLine = result.stdout.split("\n").find((line) => line.startsWith("  wrangler deploy"));
    for (const secret of config.secrets?.required ?? []) expect(deployLine).toContain(secret);
    for (const limit of config.ratelimits)
      expect(result.stdout).toContain(`${limit.name} (namespace_id ${limit.namespace_id}`);
  });

  test("refuses a placeholder database_id before running anything", async () => {
    const fake = project(1);
    const toml = readFileSync(join(fake.dir, "wrangler.toml"), "utf8").replace(
      'database_name = "scim-edge-shard-0"',
      'database_name = "scim-edge-shard-0"\ndatabase_id = "00000000-0000-0000-0000-000000000000"',
    );
    writeFileSync(join(fake.dir, "wrangler.toml"), toml);
    const result = await deploy(fake);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain("DB_SHARD_0 has the placeholder database_id");
    expect(account(fake).calls).toEqual([]);
  });
});

describe.each([1, 3])("npm run deploy with %i shard(s)", (shards) => {
  test("creates every queue and database, migrates each, generates the secrets, deploys, in that order; run again, creates nothing and applies only the new migration", async () => {
    const fake = project(shards);
    const databases = [CONTROL, ...fake.shardNames];

    const first = await deploy(fake);
    expect(first.stderr).toBe("");
    expect(first.status).toBe(0);
    let after = account(fake);
    const [secretsFile] = after.secretsFiles;
    expect(after.calls).toEqual(firstDeployCalls(databases, secretsFile));
    expect(existsSync(secretsFile)).toBe(false);
    expect(after.queues.sort()).toEqual([...QUEUES].sort());
    expect(after.databases.map((database) => database.name).sort()).toEqual([...databases].sort());
    expect(after.applied[CONTROL]).toEqual(["0000_control.sql"]);
    for (const shard of fake.shardNames) {
      expect(after.applied[shard]).toEqual(["0000_init.sql", "0001_member_triggers.sql", "0002_teams.sql"]);
    }
    // Each secret generated, uploaded with the deploy, and printed exactly once.
    for (const name of SECRETS) {
      const value = after.worker?.secrets[name] as string;
      expect(Buffer.from(value, "base64")).toHaveLength(32);
      expect(occurrences(first.stdout, value)).toBe(1);
      expect(first.stdout).toContain(`${name}=${value}`);
    }
    expect(first.stdout).toContain("https://scim-edge.acme.workers.dev/console/sign-in");
    expect(first.stdout).toContain("docs/okta.md");
    const secretsSet = after.worker?.secrets;

    writeFileSync(join(fake.dir, "drizzle", "0003_new.sql"), "SELECT 1;\n");
    const second = await deploy(fake);
    expect(second.stderr).toBe("");
    expect(second.status).toBe(0);
    after = account(fake);
    const secondCalls = after.calls.slice(firstDeployCalls(databases, secretsFile).length);
    expect(secondCalls).toEqual([
      ["--version"],
      ["whoami", "--json"],
      ...QUEUES.map((queue) => ["queues", "info", queue]),
      ["d1", "list", "--json"],
      ...databases.map((name) => ["d1", "migrations", "apply", name, "--remote"]),
      ["secret", "list", "--format", "json"],
      ["deploy"],
    ]);
    expect(after.appliedByCall.slice(databases.length)).toEqual(
      fake.shardNames.map((database) => ({ database, migrations: ["0003_new.sql"] })),
    );
    expect(after.worker?.secrets).toEqual(secretsSet);
    for (const value of Object.values(secretsSet ?? {})) expect(second.stdout).not.toContain(value);
    expect(second.stdout).toContain("ADMIN_TOKEN was already set");
    expect(second.stdout).toContain("https://scim-edge.acme.workers.dev");
  });
});

describe("npm run deploy on an account that has some of it", () => {
  test("leaves what exists alone and creates, migrates and sets only what is missing", async () => {
    const fake = project(2, {
      queues: ["scim-activity", "scim-webhooks-dlq"],
      databases: [{ uuid: "6f1c1d1e-0000-4000-8000-000000000001", name: shardName(0) }],
      applied: { [shardName(0)]: ["0000_init.sql", "0001_member_triggers.sql", "0002_teams.sql"] },
      worker: { secrets: { ADMIN_TOKEN: "kept-admin-token" } },
    });
    const result = await deploy(fake);
    expect(result.stderr).toBe("");
    expect(result.status).toBe(0);
    const after = account(fake);
    const created = after.calls.filter((call) => call[1] === "create");
    expect(created).toEqual([
      ["queues", "create", "scim-webhooks"],
      ["queues", "create", "scim-activity-dlq"],
      ["d1", "create", CONTROL],
      ["d1", "create", shardName(1)],
    ]);
    expect(after.appliedByCall.map((call) => call.database)).toEqual([CONTROL, shardName(1)]);
    expect(after.worker?.secrets.ADMIN_TOKEN).toBe("kept-admin-token");
    const key = after.worker?.secrets.WEBHOOK_SECRETS_KEY as string;
    expect(result.stdout).toContain(`WEBHOOK_SECRETS_KEY=${key}`);
    expect(result.stdout).not.toContain("ADMIN_TOKEN=");
  });

  test("takes a queue as there only when wrangler shows that very name, and a create of one already there as done", async () => {
    const fake = project(1, { queueNameFilterIsPrefix: true, queues: ["scim-activity-dlq", "scim-activity"] });
    const result = await deploy(fake);
    expect(result.stderr).toBe("");
    expect(result.status).toBe(0);
    const after = account(fake);
    expect(after.calls.filter((call) => call[0] === "queues" && call[1] === "create")).toEqual([
      ["queues", "create", "scim-activity"],
      ["queues", "create", "scim-webhooks"],
      ["queues", "create", "scim-webhooks-dlq"],
    ]);
    expect([...after.queues].sort()).toEqual([...QUEUES].sort());
  });
});

describe("npm run deploy stops, and says why", () => {
  test("when wrangler is not logged in: after asking, before touching anything", async () => {
    const fake = project(1, { loggedIn: false });
    const result = await deploy(fake);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain("npx wrangler login");
    expect(account(fake).calls).toEqual([["--version"], ["whoami", "--json"]]);
  });

  test("when the login reaches several accounts and none is chosen: it lists them", async () => {
    const accounts = [
      { id: "11111111111111111111111111111111", name: "Acme" },
      { id: "22222222222222222222222222222222", name: "Acme staging" },
    ];
    const fake = project(1, { accounts });
    const result = await deploy(fake);
    expect(result.status).toBe(1);
    for (const { id, name } of accounts) expect(result.stderr).toContain(`${id}  ${name}`);
    expect(result.stderr).toContain("CLOUDFLARE_ACCOUNT_ID=<id> npm run deploy");
    expect(account(fake).calls).toEqual([["--version"], ["whoami", "--json"]]);
  });

  test("when a migration fails: the code is not deployed on a database without its tables", async () => {
    const fake = project(2, { failMigrations: shardName(1) });
    const result = await deploy(fake);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain("SQLITE_ERROR");
    expect(result.stderr).toContain(`wrangler d1 migrations apply ${shardName(1)} --remote\` failed`);
    const calls = account(fake).calls;
    expect(calls.at(-1)).toEqual(["d1", "migrations", "apply", shardName(1), "--remote"]);
    expect(calls.some((call) => call[0] === "deploy")).toBe(false);
  });

  test("when the deploy fails after its upload: the secrets it set are shown, since they could not be read again", async () => {
    const fake = project(1, { failDeployAfterUpload: true });
    const result = await deploy(fake);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain("[code: 10000]");
    const secrets = account(fake).worker?.secrets ?? {};
    for (const name of SECRETS) expect(result.stdout).toContain(`${name}=${secrets[name]}`);
    expect(result.stdout).not.toContain("Deployed scim-edge.");
  });

  test("when the project's wrangler is older than the deploy needs", async () => {
    const fake = project(1, { version: "4.45.0" });
    const result = await deploy(fake);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain("wrangler 4.45.0 is older than 4.77.0");
    expect(account(fake).calls).toEqual([["--version"]]);
  });
});
