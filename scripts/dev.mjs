// Runs the service locally: applies migrations to every local D1 (shards and control plane), makes sure a
// dev admin token exists in .dev.vars (git-ignored), starts wrangler dev, and once it serves, tells how to
// sign in and how to get a Tenant URL and token: the last thing on the screen, wrangler's start-up chatter held back.
import { spawn, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";

const PORT = process.env.PORT ?? "8787";
const args = process.argv.slice(2);
// wrangler dev's --persist-to, if given, is where the migrations go too.
const persistAt = args.indexOf("--persist-to");
const persistTo = persistAt >= 0 ? args.slice(persistAt, persistAt + 2) : [];
const env = {
  ...process.env,
  WRANGLER_SEND_METRICS: "false",
  // wrangler dev's local trace store ignores wrangler.toml's observability settings and would keep
  // every request's full URL (an IdP's filter, a console search) in .wrangler/state.
  X_LOCAL_OBSERVABILITY: "false",
  // No download of Cloudflare's request.cf sample: offline it fails with a stack trace; the built-in one serves.
  CLOUDFLARE_CF_FETCH_ENABLED: "false",
};

function adminToken() {
  if (existsSync(".dev.vars")) {
    const match = /^ADMIN_TOKEN=(.+)$/m.exec(readFileSync(".dev.vars", "utf8"));
    if (match) return match[1].trim();
  }
  const token = `dev_admin_${randomBytes(18).toString("base64url")}`;
  writeFileSync(".dev.vars", `ADMIN_TOKEN=${token}\n`, { flag: "a" });
  return token;
}

// Every shard and the control plane, by the same command the deploy steps use (scripts/migrate.mjs).
const migrated = spawnSync("node", ["scripts/migrate.mjs", "--local", ...persistTo], { env, stdio: "inherit" });
if (migrated.status !== 0) process.exit(migrated.status ?? 1);
const token = adminToken();
const base = `http://localhost:${PORT}`;

const banner = `
SCIM service running on ${base}
Local admin token (from .dev.vars): ${token}

Console: open ${base}/console and sign in with the admin token above.

Or with curl:
1. Create an organization:
   curl -s -X POST ${base}/admin/v1/organizations -H 'Authorization: Bearer ${token}' \\
     -H 'Content-Type: application/json' -d '{"name":"Acme","licenses":50}'
2. Turn SCIM provisioning on; the answer holds the Tenant URL and the Secret Token (shown once):
   curl -s -X PUT ${base}/admin/v1/organizations/<orgId>/scim -H 'Authorization: Bearer ${token}' \\
     -H 'Content-Type: application/json' -d '{"enabled":true,"provider":"okta"}'
3. Provision a user into it:
   curl -s -X POST <tenantUrl>/Users -H 'Authorization: Bearer <token>' -H 'Content-Type: application/scim+json' \\
     -d '{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"ada@acme.test","name":{"givenName":"Ada","familyName":"Lovelace"},"emails":[{"value":"ada@acme.test","type":"work","primary":true}],"active":true}'

Requests are logged below. Stop with Ctrl+C.
`;

console.log("starting wrangler dev…");
const child = spawn("npx", ["wrangler", "dev", "--port", PORT, "--show-interactive-dev-session=false", ...args], {
  stdio: ["inherit", "pipe", "pipe"],
  env,
});

// Until wrangler says it is ready, its output (version, bindings table) is held back; its warnings and
// errors are shown, and everything if it stops before serving. After that, its output passes through.
let ready = false;
let held = "";
let warning = false;
function relay(chunk, stream) {
  const text = chunk.toString();
  if (ready) return stream.write(text);
  held += text;
  for (const line of text.split("\n")) {
    if (/\[(WARNING|ERROR)\]/.test(line)) warning = true;
    else if (line.trim() === "") warning = false;
    if (warning) stream.write(`${line}\n`);
  }
  if (/Ready on http/.test(held)) {
    ready = true;
    console.log(banner);
  }
}
child.stdout.on("data", (chunk) => relay(chunk, process.stdout));
child.stderr.on("data", (chunk) => relay(chunk, process.stderr));
child.on("exit", (code) => {
  if (!ready && code) process.stderr.write(`${held}\nwrangler dev stopped before serving (its output above)\n`);
  process.exit(code ?? 0);
});
for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, () => child.kill(signal));
