import type { Locator, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { adminApi, baseUrl, oktaTenant, oktaUser, openBrowser, scimAs, signInAsOperator } from "./browser";

let browser: Awaited<ReturnType<typeof openBrowser>>;
let page: Page;
/** Native dialogs (confirm(), alert()) the console opened: it must open none. */
const nativeDialogs: string[] = [];

beforeAll(async () => {
  browser = await openBrowser();
  await browser.context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: baseUrl });
  page = await browser.context.newPage();
  page.on("dialog", (dialog) => {
    nativeDialogs.push(dialog.message());
    void dialog.dismiss();
  });
  await signInAsOperator(page);
});
afterAll(async () => {
  await browser?.close();
  expect(nativeDialogs).toEqual([]);
});

/** Clicks what submits a form or follows a link, and waits for the page that answers. */
async function submit(target: Locator) {
  await Promise.all([page.waitForEvent("framenavigated"), target.click()]);
  await page.waitForLoadState();
}

const path = () => new URL(page.url()).pathname;
const status = () => page.getByRole("status").first().textContent();

describe("safe, clear actions in Chromium", () => {
  it("says what creating an organization did, on the page it leads to", async () => {
    await page.goto("/console/orgs");
    await page.getByLabel("Name", { exact: true }).fill("Said So Inc");
    await page.getByLabel("Licences").fill("10");
    await submit(page.getByRole("button", { name: "Create organization" }));
    await page.waitForURL("**/settings");
    expect(await status()).toContain("Created Said So Inc.");
    // Said once: a reload shows the page without it.
    await page.reload();
    expect(await page.getByText("Created Said So Inc.").count()).toBe(0);
  });

  it("deletes a member after an in-page confirmation that says what deleting does, and says it was deleted", async () => {
    const created = await adminApi("/organizations", { method: "POST", json: { name: "Deletes Co", licenses: 5 } });
    const orgId = created.body.id;
    const bob = await adminApi(`/organizations/${orgId}/members`, {
      method: "POST",
      json: { email: "bob@deletes.test", firstName: "Bob", lastName: "Builder" },
    });
    await page.goto(`/console/orgs/${orgId}/members/${bob.body.id}`);

    await page.getByRole("button", { name: "Delete member" }).click();
    const dialog = page.getByRole("dialog", { name: "Delete bob@deletes.test?" });
    expect(await dialog.textContent()).toContain("its licence is freed. This cannot be undone.");
    await dialog.getByRole("button", { name: "Cancel" }).click();
    expect(await dialog.isVisible()).toBe(false);
    expect((await adminApi(`/organizations/${orgId}/members/${bob.body.id}`)).status).toBe(200);

    await page.getByRole("button", { name: "Delete member" }).click();
    await submit(dialog.getByRole("button", { name: "Delete member" }));
    expect(path()).toBe(`/console/orgs/${orgId}/members`);
    expect(await status()).toBe("Deleted bob@deletes.test.");
    expect((await adminApi(`/organizations/${orgId}/members/${bob.body.id}`)).status).toBe(404);
  });

  it("lays the member form's actions in one row under the fields: Save first, Deactivate and Delete apart", async () => {
    const created = await adminApi("/organizations", { method: "POST", json: { name: "Layout Co", licenses: 5 } });
    const member = await adminApi(`/organizations/${created.body.id}/members`, {
      method: "POST",
      json: { email: "lay@layout.test", firstName: "Lay", lastName: "Out" },
    });
    await page.goto(`/console/orgs/${created.body.id}/members/${member.body.id}`);
    const box = async (target: Locator) => (await target.boundingBox())!;
    const email = await box(page.getByLabel("Email", { exact: true }));
    const save = await box(page.getByRole("button", { name: "Save" }));
    const deactivate = await box(page.getByRole("button", { name: "Deactivate" }));
    const remove = await box(page.getByRole("button", { name: "Delete member" }));
    // One row: the same line, in this order, below the inputs and clear of them.
    expect(Math.abs(save.y - deactivate.y)).toBeLessThan(2);
    expect(Math.abs(save.y - remove.y)).toBeLessThan(2);
    expect(save.y).toBeGreaterThanOrEqual(email.y + email.height + 8);
    expect(save.x + save.width).toBeLessThan(deactivate.x);
    expect(deactivate.x + deactivate.width).toBeLessThan(remove.x);
    // The destructive ones apart from Save, at the row's far end.
    expect(deactivate.x - (save.x + save.width)).toBeGreaterThan(200);

    // Save still submits the profile form, by button and by Enter in a field.
    await page.getByLabel("Last name").fill("Outside");
    await submit(page.getByRole("button", { name: "Save" }));
    expect(await status()).toBe("Saved.");
    await page.getByLabel("First name").fill("Laid");
    await Promise.all([page.waitForEvent("framenavigated"), page.getByLabel("First name").press("Enter")]);
    expect(await page.getByLabel("First name").inputValue()).toBe("Laid");
  });

  it("shows the change just saved in the member's timeline at once, without waiting for the queue", async () => {
    const created = await adminApi("/organizations", { method: "POST", json: { name: "Timely Co", licenses: 5 } });
    const member = await adminApi(`/organizations/${created.body.id}/members`, {
      method: "POST",
      json: { email: "tim@timely.test", firstName: "Tim", lastName: "Early" },
    });
    await page.goto(`/console/orgs/${created.body.id}/members/${member.body.id}`);
    await page.getByLabel("Last name").fill("Late");
    await submit(page.getByRole("button", { name: "Save" }));
    // The answer to the save itself, rendered before the queue could have delivered anything.
    expect(await page.locator("ol.timeline li").first().textContent()).toContain("Admin updated tim@timely.test");
    await page.goto(`/console/orgs/${created.body.id}/members/${member.body.id}`);
    expect(await page.locator("ol.timeline li").first().textContent()).toContain("Admin updated tim@timely.test");
    await page.getByRole("button", { name: "Deactivate" }).click();
    await page.waitForSelector("text=Deactivated.");
    expect(await page.locator("ol.timeline li").first().textContent()).toContain("deactivated tim@timely.test");
  });

  it("lists a team's members by name with the provider's badge and status, and says what a removal did", async () => {
    const tenant = await oktaTenant("Badges Co");
    const ada = await scimAs(tenant, "POST", "/Users", oktaUser("ada@badges.test", "Ada", "Lovelace"));
    const team = await adminApi(`/organizations/${tenant.orgId}/teams`, { method: "POST", json: { name: "Mixed" } });
    const carl = await adminApi(`/organizations/${tenant.orgId}/members`, {
      method: "POST",
      json: { email: "carl@badges.test", firstName: "Carl", lastName: "Hand" },
    });
    await adminApi(`/organizations/${tenant.orgId}/teams/${team.body.id}/members`, {
      method: "POST",
      json: { memberIds: [ada.body.id, carl.body.id] },
    });
    await page.goto(`/console/orgs/${tenant.orgId}/teams/${team.body.id}`);
    const adaRow = page.getByRole("row", { name: /Ada Lovelace/ });
    expect(await adaRow.getByRole("link", { name: "Ada Lovelace" }).count()).toBe(1);
    expect(await adaRow.getByText("ada@badges.test").count()).toBe(1);
    expect(await adaRow.locator(".avatar svg[data-source=okta]").count()).toBe(1);
    expect(await adaRow.getByText("Active").count()).toBe(1);
    const carlRow = page.getByRole("row", { name: /Carl Hand/ });
    expect(await carlRow.locator(".avatar svg").count()).toBe(0);

    await submit(carlRow.getByRole("button", { name: "Remove carl@badges.test" }));
    expect(await status()).toBe("Removed carl@badges.test from the team.");
    expect(await page.getByRole("row", { name: /Carl Hand/ }).count()).toBe(0);
  });

  it("fits empty states to the provider's state: Okta on says it is connected, not to connect it", async () => {
    const tenant = await oktaTenant("Empty On Co");
    await page.goto(`/console/orgs/${tenant.orgId}/members`);
    expect(
      await page.getByText("No members yet. Okta is connected: the members it provisions appear here.").count(),
    ).toBe(1);
    expect(await page.getByText("Connect Okta").count()).toBe(0);
    await page.goto(`/console/orgs/${tenant.orgId}/teams`);
    expect(await page.getByText("the groups Okta pushes appear here too").count()).toBe(1);

    const off = await adminApi("/organizations", { method: "POST", json: { name: "Empty Off Co", licenses: 5 } });
    await page.goto(`/console/orgs/${off.body.id}/members`);
    expect(await page.getByText("No members yet. Connect Okta or Microsoft Entra ID in Settings").count()).toBe(1);
  });

  it("does not ask for the current Secret Token once provisioning is off", async () => {
    const tenant = await oktaTenant("Off Token Co");
    await adminApi(`/organizations/${tenant.orgId}/scim/token`, { method: "POST" });
    expect((await scimAs(tenant, "GET", "/Users")).status).toBe(401); // Okta still on the old token
    await page.goto(`/console/orgs/${tenant.orgId}/settings`);
    await expect
      .poll(async () => (await page.reload(), page.getByText("still presenting an old token").count()), {
        timeout: 20_000,
      })
      .toBe(1);

    await adminApi(`/organizations/${tenant.orgId}/scim`, { method: "PUT", json: { enabled: false } });
    await page.reload();
    const text = await page.locator("main").textContent();
    expect(text).not.toContain("current Secret Token");
    expect(text).not.toContain("still presenting an old token");
    expect(text).toContain("Provisioning is off: Okta's requests are refused until it is turned on again");
  });

  it("takes a form's address reached by GET back to its page instead of 404", async () => {
    const tenant = await oktaTenant("Reload Co");
    const orgPath = `/console/orgs/${tenant.orgId}`;
    await adminApi(`/organizations/${tenant.orgId}/scim`, { method: "PUT", json: { enabled: false } });
    const member = await adminApi(`/organizations/${tenant.orgId}/members`, {
      method: "POST",
      json: { email: "re@reload.test" },
    });
    const team = await adminApi(`/organizations/${tenant.orgId}/teams`, { method: "POST", json: { name: "Again" } });
    const cases: [string, string][] = [
      [`${orgPath}/settings/provisioning`, `${orgPath}/settings`],
      [`${orgPath}/settings/token`, `${orgPath}/settings`],
      [`${orgPath}/settings/organization`, `${orgPath}/settings`],
      [`${orgPath}/settings/console-link`, `${orgPath}/settings`],
      [`${orgPath}/members/${member.body.id}/status`, `${orgPath}/members/${member.body.id}`],
      [`${orgPath}/members/${member.body.id}/delete`, `${orgPath}/members/${member.body.id}`],
      [`${orgPath}/teams/${team.body.id}/members`, `${orgPath}/teams/${team.body.id}`],
      [`${orgPath}/teams/${team.body.id}/delete`, `${orgPath}/teams/${team.body.id}`],
      [`${orgPath}/teams/${team.body.id}/members/${member.body.id}/remove`, `${orgPath}/teams/${team.body.id}`],
      [`${orgPath}/conflicts/${crypto.randomUUID()}/resolve`, `${orgPath}/conflicts`],
      ["/console/link/check", "/console/link"],
    ];
    for (const [form, pageOfIt] of cases) {
      const response = await page.goto(form);
      expect({ form, status: response?.status(), at: path() }).toEqual({ form, status: 200, at: pageOfIt });
    }
  });

  it("leads / to the console, shows the product's name, and has a favicon", async () => {
    await page.goto("/");
    expect(path()).toBe("/console/orgs");
    expect(await page.title()).toBe("Organizations · scim-edge console");
    const brand = page.getByRole("link", { name: "scim-edge" });
    expect(await brand.getAttribute("href")).toBe("/console");
    const icon = await page.locator("link[rel=icon]").getAttribute("href");
    const served = await page.request.get(icon!);
    expect(served.status()).toBe(200);
    expect(served.headers()["content-type"]).toBe("image/svg+xml");
    expect(await served.text()).toContain("<svg");
    const legacy = await page.request.get("/favicon.ico");
    expect(legacy.status()).toBe(200);
    expect(legacy.headers()["content-type"]).toBe("image/svg+xml");
  });

  it("lets the operator create an administrator's sign-in link in Settings, with Copy and its expiry", async () => {
    const created = await adminApi("/organizations", { method: "POST", json: { name: "Linked In Co", licenses: 5 } });
    const orgId = created.body.id;
    await page.goto(`/console/orgs/${orgId}/settings`);
    expect(await page.locator("#console-link").count()).toBe(0);
    const before = Date.now();
    await submit(page.getByRole("button", { name: "Create sign-in link" }));
    const url = await page.locator("#console-link").inputValue();
    expect(url).toMatch(new RegExp(`^${baseUrl}/console/link#cl_`));
    await page.getByRole("button", { name: "Copy Sign-in link" }).click();
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(url);
    const expiry = page.locator("#console-link-heading ~ p time");
    const expiresAt = Date.parse((await expiry.getAttribute("datetime"))!);
    expect(expiresAt - before).toBeGreaterThan(9 * 60_000);
    expect(expiresAt - before).toBeLessThan(11 * 60_000);
    expect(await expiry.textContent()).toBe(`${new Date(expiresAt).toISOString().slice(0, 16).replace("T", " ")} UTC`);
    expect(await page.getByText("It works once, until").count()).toBe(1);
    // Shown only in that answer: the settings page, opened again, has no link.
    await page.goto(`/console/orgs/${orgId}/settings`);
    expect(await page.locator("#console-link").count()).toBe(0);

    const admin = await openBrowser();
    try {
      const adminPage = await admin.context.newPage();
      await adminPage.goto(url);
      await adminPage.getByRole("button", { name: "Open the console" }).click();
      await adminPage.waitForURL(`**/console/orgs/${orgId}/members`);
      expect(await adminPage.getByText("Signed in as Linked In Co admin").count()).toBe(1);
      // An organization's admin cannot mint links: the panel is the operator's.
      await adminPage.goto(`/console/orgs/${orgId}/settings`);
      expect(await adminPage.getByRole("button", { name: "Create sign-in link" }).count()).toBe(0);
    } finally {
      await admin.close();
    }
  });
});
