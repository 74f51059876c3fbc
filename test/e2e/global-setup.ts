// Starts the real worker for the browser tests: `wrangler dev` on a fresh local D1 (its own
// --persist-to directory) with the migrations applied and a known admin token.
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { type AddressInfo, createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TestProject } from "vitest/node";

// X_LOCAL_OBSERVABILITY=false: wrangler dev's local trace store ignores wrangler.toml's observability
// settings and keeps every request's full URL on disk; the deployment stores no URL (SECURITY.md).
const env = { ...process.env, WRANGLER_SEND_METRICS: "false", NO_COLOR: "1", X_LOCAL_OBSERVABILITY: "false" };

declare module "vitest" {
  export interface ProvidedContext {
    baseUrl: string;
    adminToken: string;
    /** wrangler dev's --persist-to directory: everything it stores (D1, queues, caches). */
    stateDir: string;
  }
}

async function waitUntilServing(url: string, child: ChildProcess, output: () => string) {
  for (let waited = 0; waited < 60_000; waited += 250) {
    if (child.exitCode !== null) throw new Error(`wrangler dev exited:\n${output()}`);
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`wrangler dev did not answer on ${url}:\n${output()}`);
}

/**
 * A port nothing listens on now: a fixed one could be answered by another `wrangler dev` (a developer's, a
 * second checkout's), whose /health looks just as ready and whose admin token is not ours.
 */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

export default async function setup(project: TestProject) {
  const port = process.env.E2E_PORT ? Number(process.env.E2E_PORT) : await freePort();
  const state = mkdtempSync(join(tmpdir(), "scim-edge-e2e-"));
  const adminToken = `e2e_admin_${randomBytes(18).toString("base64url")}`;
  // Every shard and the control plane, by the command dev, bench and deploy use.
  const migrations = spawnSync("node", ["scripts/migrate.mjs", "--local", "--persist-to", state], {
    env,
    encoding: "utf8",
  });
  if (migrations.status !== 0) throw new Error(`migrations failed:\n${migrations.stdout}${migrations.stderr}`);

  let log = "";
  const child = spawn(
    "npx",
    [
      "wrangler",
      "dev",
      "--port",
      String(port),
      "--ip",
      "127.0.0.1",
      // Its inspector too: the default (9229) is taken while another `wrangler dev` runs.
      "--inspector-port",
      String(await freePort()),
      "--persist-to",
      state,
      "--var",
      `ADMIN_TOKEN:${adminToken}`,
      "--show-interactive-dev-session=false",
    ],
    { env, detached: true, stdio: ["ignore", "pipe", "pipe"] },
  );
  child.stdout?.on("data", (chunk) => {
    log += chunk;
  });
  child.stderr?.on("data", (chunk) => {
    log += chunk;
  });
  const baseUrl = `http://localhost:${port}`;
  try {
    await waitUntilServing(`${baseUrl}/health`, child, () => log);
  } catch (error) {
    process.kill(-child.pid!, "SIGTERM");
    throw error;
  }
  project.provide("baseUrl", baseUrl);
  project.provide("adminToken", adminToken);
  project.provide("stateDir", state);

  return async () => {
    // wrangler dev runs workerd as a child: end the whole process group it leads.
    process.kill(-child.pid!, "SIGTERM");
    await new Promise((resolve) => child.once("exit", resolve));
    rmSync(state, { recursive: true, force: true });
  };
}
