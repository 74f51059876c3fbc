import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { unstable_readConfig } from "wrangler";
import { adminApi, baseUrl, openBrowser, stateDir } from "./browser";

let browser: Awaited<ReturnType<typeof openBrowser>>;

beforeAll(async () => {
  browser = await openBrowser();
});
afterAll(async () => {
  await browser?.close();
});

/** Every file under `dir`: what `wrangler dev` keeps on disk (D1's SQLite files and their WAL, queues, caches, traces). */
function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name));
}

describe("what the service stores", () => {
  it("configures Cloudflare to keep our own log lines and no request URL: no invocation logs, no traces, no query strings", () => {
    // wrangler's own reading of wrangler.toml, as `wrangler deploy` sends it.
    const { observability } = unstable_readConfig({ config: join(import.meta.dirname, "../../wrangler.toml") });
    expect(observability).toMatchObject({
      enabled: true,
      redact_query_string: true,
      logs: { enabled: true, invocation_logs: false },
      traces: { enabled: false },
    });
  });

  it("holds no console link token and no filter literal, in D1 or in any local log or trace store", async () => {
    const created = await adminApi("/organizations", { method: "POST", json: { name: "Stored Co", licenses: 5 } });
    const orgId = created.body.id as string;
    const enabled = await adminApi(`/organizations/${orgId}/scim`, {
      method: "PUT",
      json: { enabled: true, provider: "okta" },
    });
    const token = enabled.body.token as string;

    // An organization's admin signs in by link, in a browser running the page's script.
    const link = await adminApi(`/organizations/${orgId}/console-links`, { method: "POST" });
    const linkToken = new URL(link.body.url).hash.slice(1);
    expect(linkToken).toMatch(/^cl_/);
    const page = await browser.context.newPage();
    await page.goto(link.body.url);
    await page.getByRole("button", { name: "Open the console" }).click();
    await page.waitForURL(`**/console/orgs/${orgId}/members`);

    // An identity provider's filters: a valid one on emails, one on the password, a malformed one.
    const probes = ["probeemail7q3k", "probepassword7q3k", "probesyntax7q3k"];
    const filters = [
      `emails.value eq "${probes[0]}@stored.test"`,
      `password eq "${probes[1]}"`,
      `userName eq ${probes[2]} and (`,
    ];
    const statuses: number[] = [];
    for (const filter of filters) {
      const response = await fetch(`${baseUrl}/scim/v2/${orgId}/Users?filter=${encodeURIComponent(filter)}`, {
        headers: { Authorization: `Bearer ${token}`, "User-Agent": "Okta SCIM Client 1.0.0" },
      });
      statuses.push(response.status);
    }
    expect(statuses).toEqual([200, 400, 400]);

    // The SCIM request log has recorded all three (it arrives through the queue, a moment later).
    for (let waited = 0; ; waited += 250) {
      const log = await adminApi(`/organizations/${orgId}/scim/requests`);
      if (log.body.requests.length >= 3) break;
      if (waited > 20_000) throw new Error(`request log: ${JSON.stringify(log.body)}`);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }

    const secrets = [linkToken, ...probes];
    const found = filesUnder(stateDir).flatMap((file) => {
      const bytes = readFileSync(file);
      return secrets.filter((secret) => bytes.includes(secret)).map((secret) => `${secret} in ${file}`);
    });
    expect(found).toEqual([]);
    await page.close();
  });
});
