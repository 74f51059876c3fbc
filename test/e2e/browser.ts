import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type BrowserContext, chromium, type Page } from "playwright-core";
import { inject } from "vitest";

export const baseUrl = inject("baseUrl");
export const adminToken = inject("adminToken");
export const stateDir = inject("stateDir");

const SCREENSHOTS = join(import.meta.dirname, "screenshots");
/** The console's pictures in the docs (README's tour, docs/okta.md…), rewritten by `npm run screenshots`. */
const DOCS_SCREENSHOTS = join(import.meta.dirname, "../../docs/screenshots");

/** A real headless Chromium (Debian's package) with a fresh profile, as a first-time visitor; optionally without script. */
export async function openBrowser(
  options: { javaScriptEnabled?: boolean } = {},
): Promise<{ context: BrowserContext; close: () => Promise<void> }> {
  const profile = mkdtempSync(join(tmpdir(), "scim-edge-chromium-"));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
    args: [
      "--no-sandbox",
      "--headless",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
    viewport: { width: 1280, height: 900 },
    baseURL: baseUrl,
    javaScriptEnabled: options.javaScriptEnabled ?? true,
  });
  return {
    context,
    close: async () => {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/**
 * A full-page screenshot at 1280 px and at 375 px wide, under test/e2e/screenshots/ (git-ignored); with
 * `docs`, under docs/screenshots/ instead when UPDATE_SCREENSHOTS=1 (`npm run screenshots`).
 */
export async function screenshots(page: Page, name: string, options: { docs?: boolean } = {}): Promise<void> {
  const dir = options.docs && process.env.UPDATE_SCREENSHOTS === "1" ? DOCS_SCREENSHOTS : SCREENSHOTS;
  mkdirSync(dir, { recursive: true });
  const original = page.viewportSize();
  for (const width of [1280, 375]) {
    await page.setViewportSize({ width, height: 900 });
    await page.screenshot({ path: join(dir, `${name}-${width}.png`), fullPage: true });
  }
  if (original) await page.setViewportSize(original);
}

/** The admin API, as the operator's backend calls it. */
export async function adminApi(path: string, init: { method?: string; json?: unknown } = {}) {
  const response = await fetch(`${baseUrl}/admin/v1${path}`, {
    method: init.method ?? "GET",
    headers: { Authorization: `Bearer ${adminToken}`, "Content-Type": "application/json" },
    body: init.json === undefined ? undefined : JSON.stringify(init.json),
  });
  return { status: response.status, body: (await response.json().catch(() => null)) as any };
}

/** Signs the operator in with the admin token, as a person would on the sign-in page. */
export async function signInAsOperator(page: Page): Promise<void> {
  await page.goto("/console/sign-in");
  await page.getByLabel("Admin token").fill(adminToken);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.waitForURL("**/console/orgs");
}

/** A SCIM request as Okta sends it, to a tenant with its token. */
export async function scimAs(
  tenant: { orgId: string; token: string },
  method: string,
  resource: string,
  body?: unknown,
) {
  const response = await fetch(`${baseUrl}/scim/v2/${tenant.orgId}${resource}`, {
    method,
    headers: {
      Authorization: `Bearer ${tenant.token}`,
      "Content-Type": "application/scim+json; charset=utf-8",
      "User-Agent": "Okta SCIM Client 1.0.0",
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json().catch(() => null)) as any };
}

/** A new organization with Okta provisioning on: its id and Secret Token. */
export async function oktaTenant(name: string, licenses = 20): Promise<{ orgId: string; token: string }> {
  const created = await adminApi("/organizations", { method: "POST", json: { name, licenses } });
  const enabled = await adminApi(`/organizations/${created.body.id}/scim`, {
    method: "PUT",
    json: { enabled: true, provider: "okta" },
  });
  return { orgId: created.body.id, token: enabled.body.token };
}

/** A user as Okta provisions it. */
export const oktaUser = (email: string, givenName: string, familyName: string) => ({
  schemas: ["urn:ietf:params:scim:schemas:core:2.0:User"],
  userName: email,
  name: { givenName, familyName },
  emails: [{ primary: true, value: email, type: "work" }],
  active: true,
});
