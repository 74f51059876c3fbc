import type { BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { adminApi, adminToken, baseUrl, openBrowser, screenshots } from "./browser";

let browser: Awaited<ReturnType<typeof openBrowser>>;
let context: BrowserContext;
let page: Page;
/** The organization the story builds, created by the operator in the console. */
let orgId = "";
let scimToken = "";

beforeAll(async () => {
  browser = await openBrowser();
  context = browser.context;
  await context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: baseUrl });
  page = await context.newPage();
  // Confirmation dialogs are accepted, as an admin who read them would.
  page.on("dialog", (dialog) => void dialog.accept());
});
afterAll(async () => {
  await browser?.close();
});

const heading = () => page.getByRole("heading", { level: 1 }).textContent();
const path = () => new URL(page.url()).pathname;

async function signInAsOperator() {
  await page.getByLabel("Admin token").fill(adminToken);
  await page.getByRole("button", { name: "Sign in" }).click();
}

/** A SCIM request as Okta sends it. */
async function scim(method: string, resource: string, body?: unknown) {
  const response = await fetch(`${baseUrl}/scim/v2/${orgId}${resource}`, {
    method,
    headers: { Authorization: `Bearer ${scimToken}`, "Content-Type": "application/scim+json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json().catch(() => null)) as any };
}

describe("the console in Chromium", () => {
  it("signs the operator in with the admin token, in a __Host- cookie Chromium keeps on http://localhost", async () => {
    await page.goto("/console");
    expect(path()).toBe("/console/sign-in");
    await page.getByLabel("Admin token").fill("not-the-token");
    await page.getByRole("button", { name: "Sign in" }).click();
    expect(await page.getByRole("alert").textContent()).toContain("not the admin token");
    expect(await page.getByLabel("Admin token").inputValue()).toBe("");
    await screenshots(page, "sign-in");

    await signInAsOperator();
    await page.waitForURL("**/console/orgs");
    const [cookie] = await context.cookies(baseUrl);
    expect(cookie).toMatchObject({
      name: "__Host-console_session",
      httpOnly: true,
      secure: true,
      sameSite: "Strict",
      path: "/",
    });
    expect(await heading()).toBe("Organizations");
  });

  it("creates an organization, finds it by search and opens it", async () => {
    await page.getByLabel("Name", { exact: true }).fill("Acme");
    await page.getByLabel("Licences").fill("-1");
    await page.getByRole("button", { name: "Create organization" }).click();
    expect(await page.locator(".error").textContent()).toContain("Licences");
    expect(await page.getByLabel("Name", { exact: true }).inputValue()).toBe("Acme");

    await page.getByLabel("Licences").fill("20");
    await page.getByRole("button", { name: "Create organization" }).click();
    await page.waitForURL("**/settings");
    orgId = path().split("/")[3];
    await page.goto("/console/orgs");
    await page.getByLabel("Search by name").fill("acm");
    await page.getByRole("button", { name: "Search" }).click();
    await page.getByRole("link", { name: "Acme" }).click();
    await page.waitForURL(`**/console/orgs/${orgId}/members`);
    await page.goto("/console/orgs");
    await screenshots(page, "organizations");
  });

  it("turns Okta provisioning on and shows the token once: Continue or a reload and it is gone", async () => {
    await page.goto(`/console/orgs/${orgId}/settings`);
    expect(await page.getByText("0 of 20 licences in use").count()).toBe(1);
    const okta = page.getByRole("switch", { name: "Okta provisioning" });
    expect(await okta.getAttribute("aria-checked")).toBe("false");
    await okta.click();
    await page.waitForSelector("#secret-token");
    scimToken = await page.locator("#secret-token").inputValue();
    expect(scimToken).toMatch(/^scim_[A-Za-z0-9_-]{43}$/);
    expect(await page.locator("#tenant-url").inputValue()).toBe(`${baseUrl}/scim/v2/${orgId}`);
    expect(await page.getByText("This token does not expire").count()).toBe(1);
    await page.getByRole("button", { name: "Copy Secret Token" }).click();
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(scimToken);
    await screenshots(page, "settings-token");

    await page.reload();
    expect(await page.locator("#secret-token").count()).toBe(0);
    expect(await page.content()).not.toContain(scimToken);
    expect(await page.getByRole("switch", { name: "Okta provisioning" }).getAttribute("aria-checked")).toBe("true");

    // A second provider is refused while one is on, in words next to its switch.
    await page.getByRole("switch", { name: "Microsoft Entra ID provisioning" }).click();
    expect(await page.getByRole("alert").textContent()).toContain("turn Okta off first");
    await page.goto(`/console/orgs/${orgId}/settings`);
    await screenshots(page, "settings");

    // The token works for SCIM.
    expect((await scim("GET", "/Users")).status).toBe(200);
  });

  it("regenerates the token after a confirmation that warns the integration stops", async () => {
    const messages: string[] = [];
    const record = (dialog: { message: () => string }) => messages.push(dialog.message());
    page.on("dialog", record);
    await page.getByRole("button", { name: "Regenerate token" }).click();
    await page.waitForSelector("#secret-token");
    page.off("dialog", record);
    expect(messages[0]).toContain("Okta stops provisioning until the new token is entered there");
    const fresh = await page.locator("#secret-token").inputValue();
    expect(fresh).not.toBe(scimToken);
    expect((await scim("GET", "/Users")).status).toBe(401);
    scimToken = fresh;
    expect((await scim("GET", "/Users")).status).toBe(200);
    await page.getByRole("link", { name: "Continue" }).click();
    await page.waitForURL("**/settings");
    expect(await page.locator("#secret-token").count()).toBe(0);
  });

  it("signs an organization's admin in by a single-use console link, scoped to that organization", async () => {
    const other = await adminApi("/organizations", { method: "POST", json: { name: "Other Org", licenses: 5 } });
    const link = await adminApi(`/organizations/${orgId}/console-links`, { method: "POST" });
    expect(link.status).toBe(201);
    const admin = await openBrowser();
    try {
      const adminPage = await admin.context.newPage();
      await adminPage.goto(link.body.url);
      await adminPage.getByRole("button", { name: "Open the console" }).click();
      await adminPage.waitForURL(`**/console/orgs/${orgId}/members`);
      expect(await adminPage.getByText("Signed in as Acme admin").count()).toBe(1);
      expect(await adminPage.getByRole("link", { name: "Organizations" }).count()).toBe(0);

      const refused = await adminPage.goto(`/console/orgs/${other.body.id}/members`);
      expect(refused?.status()).toBe(404);
      expect(await adminPage.content()).not.toContain("Other Org");
      expect((await adminPage.goto("/console/orgs"))?.status()).toBe(404);

      // The link was used: opening it again says so and how to get a new one.
      const reused = await adminPage.goto(link.body.url);
      expect(reused?.status()).toBe(410);
      expect(await adminPage.getByText("Ask your provider for a new link").count()).toBe(1);
      await screenshots(adminPage, "link-used");
    } finally {
      await admin.close();
    }
  });

  it("sends an expired session to sign-in and then on to the page asked for", async () => {
    await context.clearCookies();
    await page.goto(`/console/orgs/${orgId}/settings`);
    expect(path()).toBe("/console/sign-in");
    await signInAsOperator();
    await page.waitForURL(`**/console/orgs/${orgId}/settings`);
    expect(await heading()).toBe("Settings");
  });

  it("signs out: the session is gone and pages lead back to sign-in", async () => {
    const [before] = await context.cookies(baseUrl);
    await page.getByRole("button", { name: "Sign out" }).click();
    await page.waitForURL("**/console/sign-in?signedOut=1");
    expect(await page.getByText("You are signed out").count()).toBe(1);
    expect(await context.cookies(baseUrl)).toEqual([]);
    // The old cookie, replayed, opens nothing: the session was deleted on the server.
    await context.addCookies([{ ...before }]);
    await page.goto(`/console/orgs/${orgId}/settings`);
    expect(path()).toBe("/console/sign-in");
  });
});
