// Runs the service locally: applies migrations to every local D1 (shards and control plane), makes sure a
// dev admin token exists in .dev.vars (git-ignored), tells how to get a Tenant URL and token, then starts wrangler dev.
import { spawn, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";

const PORT = process.env.PORT ?? "8787";
// X_LOCAL_OBSERVABILITY=false: wrangler dev's local trace store ignores wrangler.toml's observability
// settings and would keep every request's full URL (an IdP's filter, a console search) in .wrangler/state.
const env = { ...process.env, WRANGLER_SEND_METRICS: "false", X_LOCAL_OBSERVABILITY: "false" };

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
const migrated = spawnSync("node", ["scripts/migrate.mjs", "--local"], { env, stdio: "inherit" });
if (migrated.status !== 0) process.exit(migrated.status ?? 1);
const token = adminToken();
const base = `http://localhost:${PORT}`;

console.log(`
SCIM service starting on ${base}
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
`);

const child = spawn("npx", ["wrangler", "dev", "--port", PORT, ...process.argv.slice(2)], { stdio: "inherit", env });
child.on("exit", (code) => process.exit(code ?? 0));
for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, () => child.kill(signal));
