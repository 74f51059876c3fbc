import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { adminApi, adminToken, baseUrl, openBrowser, screenshots } from "./browser";

let browser: Awaited<ReturnType<typeof openBrowser>>;
let page: Page;
let orgId = "";
let scimToken = "";

/** A SCIM request as Okta sends it. */
async function okta(method: string, resource: string, body?: unknown, token = scimToken) {
  const response = await fetch(`${baseUrl}/scim/v2/${orgId}${resource}`, {
    method,
    headers: {
      Authorization: `Bearer ${token}`,
      "Content-Type": "application/scim+json; charset=utf-8",
      "User-Agent": "Okta SCIM Client 1.0.0",
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return response.status;
}

/** Waits for the page to show `text` (at most a few seconds: it is rendered by the server). */
const shown = (text: string) => page.getByText(text).first().waitFor({ timeout: 5_000 });

/** Reloads until the page shows `text`: the request log and activity arrive through the queue, a moment later. */
async function reloadUntil(text: string) {
  for (let waited = 0; waited < 20_000; waited += 500) {
    if ((await page.getByText(text, { exact: false }).count()) > 0) return;
    await new Promise((resolve) => setTimeout(resolve, 500));
    await page.reload();
  }
  throw new Error(`the page never showed "${text}":\n${await page.locator("main").textContent()}`);
}

const jane = {
  schemas: ["urn:ietf:params:scim:schemas:core:2.0:User"],
  userName: "jane@visibility.test",
  name: { givenName: "Jane", familyName: "Doe" },
  emails: [{ primary: true, value: "jane@visibility.test", type: "work" }],
  active: true,
};

beforeAll(async () => {
  const created = await adminApi("/organizations", { method: "POST", json: { name: "Visibility Co", licenses: 10 } });
  orgId = created.body.id;
  const enabled = await adminApi(`/organizations/${orgId}/scim`, {
    method: "PUT",
    json: { enabled: true, provider: "okta" },
  });
  scimToken = enabled.body.token;
  browser = await openBrowser();
  page = await browser.context.newPage();
  await page.goto("/console/sign-in");
  await page.getByLabel("Admin token").fill(adminToken);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.waitForURL("**/console/orgs");
});
afterAll(async () => {
  await browser?.close();
});

describe("provisioning visibility in Chromium", () => {
  it("shows on the settings page when Okta last called, the last day's errors, and a warning for an old token", async () => {
    await page.goto(`/console/orgs/${orgId}/settings`);
    expect(await page.getByText("Okta has not called yet.").count()).toBe(1);

    expect(await okta("GET", "/Users?startIndex=1&count=2")).toBe(200);
    expect(await okta("GET", `/Users/${crypto.randomUUID()}`)).toBe(404);
    await reloadUntil("In the last 24 hours: 2 requests");
    expect(await page.getByText("Okta last called just now.").count()).toBe(1);
    const errors = page.getByRole("link", { name: "1 error" });
    expect(await errors.getAttribute("href")).toBe(`/console/orgs/${orgId}/conflicts#errors`);
    expect(await page.getByText("still presenting an old token").count()).toBe(0);

    const rotated = await adminApi(`/organizations/${orgId}/scim/token`, { method: "POST" });
    expect(await okta("GET", "/Users")).toBe(401); // Okta still holds the old token
    scimToken = rotated.body.token;
    await reloadUntil("Okta is still presenting an old token: 1 request since the token last changed.");
    expect(await page.getByRole("status").filter({ hasText: "old token" }).count()).toBe(1);
    await screenshots(page, "settings-health");

    // The refused old token is an error of the last day too.
    await page.getByRole("link", { name: "2 errors" }).click();
    await page.waitForURL(`**/console/orgs/${orgId}/conflicts#errors`);
    expect(await page.getByRole("heading", { name: "Recent SCIM errors" }).count()).toBe(1);
  });

  it("lists a refused create on the conflicts page, and links the manual member holding the email", async () => {
    const manual = await adminApi(`/organizations/${orgId}/members`, {
      method: "POST",
      json: { email: "jane@visibility.test", firstName: "J", lastName: "Manual" },
    });
    const team = await adminApi(`/organizations/${orgId}/teams`, { method: "POST", json: { name: "Helpdesk" } });
    await adminApi(`/organizations/${orgId}/teams/${team.body.id}/members`, {
      method: "POST",
      json: { memberIds: [manual.body.id] },
    });
    expect(await okta("POST", "/Users", jane)).toBe(409);

    await page.goto(`/console/orgs/${orgId}/conflicts`);
    const sentence = "Okta could not create jane@visibility.test: a member created manually here holds that email.";
    await shown(sentence);
    await reloadUntil("Okta: create user jane@visibility.test → 409 failed");
    await screenshots(page, "conflicts");

    await page.getByRole("button", { name: "Link jane@visibility.test" }).click();
    const dialog = page.getByRole("dialog", { name: "Link jane@visibility.test?" });
    expect(await dialog.textContent()).toContain("The member created here becomes the one Okta provisions");
    await dialog.getByRole("button", { name: "Link" }).click();
    // The banner names the conflict's member as stored; the URL carries only the conflict's id.
    await page.waitForURL((url) => url.searchParams.has("linked"));
    await shown("Nothing needs your decision.");
    expect(await page.getByRole("status").textContent()).toContain("Linked jane@visibility.test");

    const member = await adminApi(`/organizations/${orgId}/members/${manual.body.id}`);
    expect(member.body).toMatchObject({
      source: "okta",
      provisioned: true,
      firstName: "Jane",
      lastName: "Doe",
      teams: [{ id: team.body.id, name: "Helpdesk" }],
    });
    // Okta's retry of the same create now answers with that member.
    expect(await okta("POST", "/Users", jane)).toBe(201);

    await page.getByLabel("Show").selectOption("linked");
    await page.getByRole("button", { name: "Show" }).click();
    await page.waitForURL((url) => url.searchParams.get("status") === "linked");
    await shown(sentence);
    await shown("Linked just now");
  });

  it("shows a member's own timeline: activity and the SCIM requests about it, the failure in red with its error", async () => {
    const list = await adminApi(`/organizations/${orgId}/members?q=jane`);
    const id = list.body.members[0].id;
    await page.goto(`/console/orgs/${orgId}/members/${id}`);
    await reloadUntil("Admin linked jane@visibility.test to Okta");
    const timeline = page.locator("ol.timeline");
    const failure = timeline.locator("li.failed");
    expect(await failure.count()).toBe(1);
    const failureText = await failure.textContent();
    expect(failureText).toContain("Okta: create user → 409 failed:");
    expect(failureText).toContain("A member created manually in the control panel already has the email");
    expect(await failure.evaluate((li) => getComputedStyle(li).color)).toBe("rgb(185, 28, 28)");
    await reloadUntil("Okta: create user → 201");
    const text = await timeline.textContent();
    expect(text).toContain("Admin invited jane@visibility.test");
    expect(text).toContain("Admin updated jane@visibility.test (");
    await screenshots(page, "member-timeline");
  });
});
