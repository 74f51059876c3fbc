// A stand-in for `wrangler` on the PATH of the deploy script's tests: it records each call's arguments
// and answers the commands the deploy uses as wrangler 4 does (same output shapes, same errors, same
// exit codes), over an account kept in a JSON file (FAKE_WRANGLER_STATE) that the test sets up and reads.
import { randomUUID } from "node:crypto";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";

const statePath = process.env.FAKE_WRANGLER_STATE;
const state = JSON.parse(readFileSync(statePath, "utf8"));
const argv = process.argv.slice(2);
state.calls.push(argv);

const save = () => writeFileSync(statePath, JSON.stringify(state, null, 2));
function fail(message) {
  process.stderr.write(`\n✘ [ERROR] ${message}\n\n`);
  save();
  process.exit(1);
}
const requireLogin = () => state.loggedIn || fail("You are not authenticated. Please run `wrangler login`.");
const databaseNamed = (name) => state.databases.find((database) => database.name === name);

// "d1 create x" → key "d1 create", rest ["x"]; "deploy --secrets-file f" → key "deploy", rest ["--secrets-file", "f"].
const words = argv[1] && !argv[1].startsWith("-") ? 2 : 1;
const key = argv.slice(0, words).join(" ");
const rest = argv.slice(words);

switch (key) {
  case "--version":
    console.log(state.version);
    break;
  case "whoami":
    if (!state.loggedIn) {
      console.log(JSON.stringify({ loggedIn: false }));
      save();
      process.exit(1);
    }
    console.log(
      JSON.stringify({ loggedIn: true, authType: "OAuth Token", email: "ops@acme.test", accounts: state.accounts }),
    );
    break;
  case "queues info": {
    // wrangler shows the first queue its name filter returns; with queueNameFilterIsPrefix, a longer name may come first.
    requireLogin();
    const name = rest[0];
    const found = state.queueNameFilterIsPrefix
      ? state.queues.find((queue) => queue.startsWith(name))
      : state.queues.find((queue) => queue === name);
    if (!found) fail(`Queue "${name}" does not exist. To create it, run: wrangler queues create ${name}`);
    console.log(`Queue Name: ${found}\nQueue ID: ${found}-id\nNumber of Producers: 0\nNumber of Consumers: 0`);
    break;
  }
  case "queues create": {
    requireLogin();
    const name = rest[0];
    if (state.queues.includes(name)) fail(`A queue with this name already exists. [code: 11009]`);
    state.queues.push(name);
    console.log(`🌀 Creating queue '${name}'\n✅ Created queue '${name}'.`);
    break;
  }
  case "d1 list":
    requireLogin();
    console.log(JSON.stringify(state.databases, null, 2));
    break;
  case "d1 create": {
    requireLogin();
    const name = rest[0];
    if (databaseNamed(name)) fail(`A database with that name already exists [code: 7502]`);
    state.databases.push({ uuid: randomUUID(), name, version: "production", num_tables: 0, file_size: 0 });
    console.log(`✅ Successfully created DB '${name}'`);
    break;
  }
  case "d1 migrations": {
    // d1 migrations apply <name> --remote
    requireLogin();
    const name = rest[1];
    if (rest[0] !== "apply" || !rest.includes("--remote")) fail(`unexpected: ${argv.join(" ")}`);
    if (!databaseNamed(name)) {
      fail(`Couldn't find a D1 DB named '${name}' in the API. Run 'wrangler d1 create ${name}' to create it.`);
    }
    if (state.failMigrations === name) fail(`near "TABLE": syntax error at offset 7: SQLITE_ERROR [code: 7500]`);
    state.applied[name] ??= [];
    const applied = state.applied[name];
    const pending = readdirSync(state.migrationsDirs[name])
      .filter((file) => file.endsWith(".sql"))
      .sort()
      .filter((file) => !applied.includes(file));
    if (pending.length === 0) {
      console.log("✅ No migrations to apply!");
      break;
    }
    console.log(`Migrations to be applied:\n${pending.join("\n")}`);
    console.log(`About to apply ${pending.length} migration(s)`);
    applied.push(...pending);
    state.appliedByCall.push({ database: name, migrations: pending });
    break;
  }
  case "secret list":
    requireLogin();
    if (!state.worker)
      fail(
        `Worker "${state.workerName}" not found.\nIf this is a new Worker, run \`wrangler deploy\` first to create it.`,
      );
    console.log(JSON.stringify(Object.keys(state.worker.secrets).map((name) => ({ name, type: "secret_text" }))));
    break;
  case "deploy": {
    requireLogin();
    for (const queue of state.boundQueues) {
      if (!state.queues.includes(queue))
        fail(`Queue "${queue}" does not exist. To create it, run: wrangler queues create ${queue}`);
    }
    const secrets = { ...state.worker?.secrets };
    const fileIndex = rest.indexOf("--secrets-file");
    if (fileIndex >= 0) {
      const file = rest[fileIndex + 1];
      state.secretsFiles.push(file);
      Object.assign(secrets, JSON.parse(readFileSync(file, "utf8")));
    }
    const unset = state.requiredSecrets.filter((name) => !(name in secrets));
    if (unset.length > 0) fail(`The following required secrets have not been set: ${unset.join(", ")}`);
    state.worker = { secrets };
    if (state.failDeployAfterUpload) {
      fail("A request to the Cloudflare API (/accounts/x/queues/scim-activity/consumers) failed. [code: 10000]");
    }
    const url = `https://${state.workerName}.${state.subdomain}.workers.dev`;
    writeFileSync(
      process.env.WRANGLER_OUTPUT_FILE_PATH,
      `${JSON.stringify({ version: 1, type: "wrangler-session", wrangler_version: state.version })}\n${JSON.stringify({
        version: 1,
        type: "deploy",
        worker_name: state.workerName,
        targets: [url, "schedule: 17 3 * * *"],
      })}\n`,
    );
    console.log(`Uploaded ${state.workerName}\nDeployed ${state.workerName} triggers\n  ${url}`);
    break;
  }
  default:
    fail(`fake wrangler: unexpected command ${argv.join(" ")}`);
}
save();
