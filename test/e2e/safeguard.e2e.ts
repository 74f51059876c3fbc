// Issue 22's walk in a real browser: Okta's mass deactivation trips the safeguard over real SCIM
// requests, the admin sees the banner wherever they are, reviews, releases, and the banner goes.
import type { Locator, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { adminApi, oktaTenant, oktaUser, openBrowser, scimAs, signInAsOperator } from "./browser";

let browser: Awaited<ReturnType<typeof openBrowser>>;
let page: Page;

beforeAll(async () => {
  browser = await openBrowser();
  page = await browser.context.newPage();
  page.on("dialog", (dialog) => {
    throw new Error(`a native dialog opened: ${dialog.message()}`);
  });
  await signInAsOperator(page);
});
afterAll(async () => {
  await browser?.close();
});

async function submit(target: Locator) {
  await Promise.all([page.waitForEvent("framenavigated"), target.click()]);
  await page.waitForLoadState();
}

const deactivate = {
  schemas: ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
  Operations: [{ op: "replace", value: { active: false } }],
};

describe("the deprovisioning safeguard in Chromium", () => {
  it("walks trip → banner on another page → review → Release all → members deactivated, banner gone", {
    timeout: 120_000,
  }, async () => {
    const tenant = await oktaTenant("Mass Exit Co", 50);
    const ids: string[] = [];
    for (let i = 0; i < 12; i++) {
      const created = await scimAs(tenant, "POST", "/Users", oktaUser(`m${i}@exit.test`, `Member${i}`, "Exit"));
      expect(created.status).toBe(201);
      ids.push(created.body.id);
    }
    // Okta deactivates all 12 one request at a time; the default threshold (at least 10) applies 10, holds 2.
    const statuses: number[] = [];
    for (const id of ids) statuses.push((await scimAs(tenant, "PATCH", `/Users/${id}`, deactivate)).status);
    expect(statuses.filter((s) => s === 200).length).toBe(10);
    expect(statuses.filter((s) => s === 429).length).toBe(2);
    const held = ids.filter((_, i) => statuses[i] === 429);

    // The banner on a page the admin came to for something else: Teams.
    await page.goto(`/console/orgs/${tenant.orgId}/teams`);
    const banner = page.locator("[data-alert=safeguard-tripped]");
    expect(await banner.textContent()).toContain("Okta asked to deactivate 12 members in");
    expect(await banner.textContent()).toContain("10 were applied, 2 are held.");

    await submit(banner.getByRole("link", { name: "Review" }));
    expect(new URL(page.url()).pathname).toBe(`/console/orgs/${tenant.orgId}/safeguard`);
    const heldTable = page.locator("section[aria-labelledby=held-heading] tbody tr");
    expect(await heldTable.count()).toBe(2);
    for (const id of held) {
      const email = `m${ids.indexOf(id)}@exit.test`;
      expect(await page.locator("section[aria-labelledby=held-heading]").getByText(email).count()).toBeGreaterThan(0);
    }

    // Release all, through its in-page confirmation: Cancel changes nothing.
    await page.getByRole("button", { name: "Release all" }).click();
    const dialog = page.getByRole("dialog", { name: "Release all 2?" });
    expect(await dialog.textContent()).toContain("those members are deactivated or deleted in Mass Exit Co");
    await dialog.getByRole("button", { name: "Cancel" }).click();
    for (const id of held) {
      expect((await adminApi(`/organizations/${tenant.orgId}/members/${id}`)).body.status).toBe("active");
    }
    await page.getByRole("button", { name: "Release all" }).click();
    await submit(dialog.getByRole("button", { name: "Release all 2" }));
    expect(await page.getByRole("status").first().textContent()).toContain("Released");

    for (const id of held) {
      expect((await adminApi(`/organizations/${tenant.orgId}/members/${id}`)).body.status).toBe("deactivated");
    }
    // Okta's retry of a released request succeeds.
    expect((await scimAs(tenant, "PATCH", `/Users/${held[0]}`, deactivate)).status).toBe(200);

    await page.goto(`/console/orgs/${tenant.orgId}/members`);
    expect(await page.locator("[data-alert]").count()).toBe(0);
    // Every one of the 12 shows as deactivated in the list.
    expect(await page.locator("tbody").getByText("Active", { exact: true }).count()).toBe(0);
    expect(await page.locator("tbody").getByText("Deactivated", { exact: true }).count()).toBe(12);
  });
});
