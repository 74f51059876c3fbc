// Issue 23's second half in a real browser: trouble shown where the admin works, edits made while
// provisioning is off, the admin's words instead of SCIM's, and what the identity provider pushed.
import type { Locator, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { adminApi, oktaTenant, oktaUser, openBrowser, scimAs, signInAsOperator } from "./browser";

let browser: Awaited<ReturnType<typeof openBrowser>>;
let page: Page;
const nativeDialogs: string[] = [];

const ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
const PATCH_OP = "urn:ietf:params:scim:api:messages:2.0:PatchOp";

beforeAll(async () => {
  browser = await openBrowser();
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

async function submit(target: Locator) {
  await Promise.all([page.waitForEvent("framenavigated"), target.click()]);
  await page.waitForLoadState();
}

/** Reloads until the page shows `text`: activity and the request log arrive through the queue. */
async function reloadUntil(text: string) {
  await expect
    .poll(
      async () => {
        await page.reload();
        return page.getByText(text).count();
      },
      { timeout: 30_000, interval: 500 },
    )
    .toBeGreaterThan(0);
}

const main = () => page.locator("main").innerText();

describe("failures shown where the admin works", () => {
  it("shows a banner on every page while Okta's creates and reactivations fail for want of licences, and a count on Conflicts", async () => {
    const tenant = await oktaTenant("Full House Co", 2);
    await scimAs(tenant, "POST", "/Users", oktaUser("one@full.test", "One", "In"));
    const idle = await scimAs(tenant, "POST", "/Users", {
      ...oktaUser("idle@full.test", "Idle", "Out"),
      active: false,
    });
    await scimAs(tenant, "POST", "/Users", oktaUser("two@full.test", "Two", "In"));
    expect((await scimAs(tenant, "POST", "/Users", oktaUser("three@full.test", "Three", "Out"))).status).toBe(403);
    const reactivate = { schemas: [PATCH_OP], Operations: [{ op: "replace", value: { active: true } }] };
    expect((await scimAs(tenant, "PATCH", `/Users/${idle.body.id}`, reactivate)).status).toBe(403);

    for (const section of ["members", "teams", "activity", "settings"]) {
      await page.goto(`/console/orgs/${tenant.orgId}/${section}`);
      const banner = page.locator("[data-alert=provisioning-no-licence]");
      expect(await banner.locator("p").first().textContent(), section).toBe(
        "2 members from Okta could not be provisioned: no licences left.",
      );
      expect(await banner.getByRole("link", { name: "Add licences" }).getAttribute("href")).toBe(
        `/console/orgs/${tenant.orgId}/settings#licences-heading`,
      );
      const conflicts = page.getByRole("navigation", { name: "Console" }).getByRole("link", { name: /^Conflicts/ });
      expect(await conflicts.textContent()).toBe("Conflicts2 open");
    }

    await submit(page.locator("[data-alert=provisioning-no-licence]").getByRole("link", { name: "Review" }));
    expect(new URL(page.url()).pathname).toBe(`/console/orgs/${tenant.orgId}/conflicts`);
    const text = await main();
    expect(text).toContain("Okta could not reactivate idle@full.test: no licence free (2 of 2).");
    expect(text).toContain("Okta could not create three@full.test: no licence free (2 of 2).");

    // Dismissing both: no banner, no count.
    for (let i = 0; i < 2; i++) {
      await page
        .getByRole("button", { name: /^Dismiss / })
        .first()
        .click();
      await submit(page.getByRole("dialog").getByRole("button", { name: "Dismiss" }));
    }
    expect(await page.locator("[data-alert]").count()).toBe(0);
    expect(await page.locator("nav .count").count()).toBe(0);
  });

  it("shows the banner for a member quota reached, and for an email another provisioned member holds", async () => {
    const tenant = await oktaTenant("Quota Co", 10);
    await adminApi(`/organizations/${tenant.orgId}`, { method: "PATCH", json: { memberQuota: 1 } });
    await scimAs(tenant, "POST", "/Users", oktaUser("only@quota.test", "Only", "One"));
    expect((await scimAs(tenant, "POST", "/Users", oktaUser("more@quota.test", "More", "One"))).status).toBe(403);
    await adminApi(`/organizations/${tenant.orgId}`, { method: "PATCH", json: { memberQuota: 10 } });
    expect((await scimAs(tenant, "POST", "/Users", oktaUser("ONLY@quota.test", "Only", "Twin"))).status).toBe(409);
    await page.goto(`/console/orgs/${tenant.orgId}/members`);
    expect(await page.locator("[data-alert=provisioning-member-quota] p").first().textContent()).toBe(
      "1 member from Okta could not be provisioned: the member quota is reached.",
    );
    expect(await page.locator("[data-alert=provisioning-name-taken] p").first().textContent()).toBe(
      "1 member from Okta could not be provisioned: their email or username belongs to another member.",
    );
  });
});

describe("editing while provisioning is off", () => {
  it("warns on the edit form, lists the change when turning Okta back on, and settles it once Okta pushes the member", async () => {
    const tenant = await oktaTenant("Offline Edits Co");
    const ada = await scimAs(tenant, "POST", "/Users", oktaUser("ada@offline.test", "Ada", "Lovelace"));
    const gone = await scimAs(tenant, "POST", "/Users", oktaUser("gone@offline.test", "Gone", "Soon"));
    await adminApi(`/organizations/${tenant.orgId}/scim`, { method: "PUT", json: { enabled: false } });

    await page.goto(`/console/orgs/${tenant.orgId}/members/${ada.body.id}`);
    expect(await page.locator("#overwrite-warning").textContent()).toBe(
      "Okta will overwrite this when provisioning is turned back on.",
    );
    await page.getByLabel("Last name").fill("Byron");
    await submit(page.getByRole("button", { name: "Save" }));
    expect(await page.getByRole("status").first().textContent()).toBe("Saved.");
    await adminApi(`/organizations/${tenant.orgId}/members/${gone.body.id}`, { method: "DELETE" });

    await page.goto(`/console/orgs/${tenant.orgId}/settings`);
    await page.getByRole("switch", { name: "Okta provisioning" }).click();
    const dialog = page.getByRole("dialog", { name: "Turn Okta provisioning on?" });
    const listed = await dialog.locator("li").allTextContents();
    expect(listed.sort()).toEqual(["ada@offline.test: edited here", "gone@offline.test: deleted here"]);
    expect(await dialog.textContent()).toContain("Okta pushes its own version");
    await dialog.getByRole("button", { name: "Cancel" }).click();
    expect((await adminApi(`/organizations/${tenant.orgId}/scim`)).body.enabled).toBe(false);

    await page.getByRole("switch", { name: "Okta provisioning" }).click();
    await submit(dialog.getByRole("button", { name: "Turn provisioning on" }));
    const token = await page.locator("#secret-token").inputValue();
    const again = { orgId: tenant.orgId, token };
    expect(
      (await scimAs(again, "PUT", `/Users/${ada.body.id}`, oktaUser("ada@offline.test", "Ada", "Lovelace"))).status,
    ).toBe(200);
    expect((await scimAs(again, "POST", "/Users", oktaUser("gone@offline.test", "Gone", "Soon"))).status).toBe(201);

    await page.goto(`/console/orgs/${tenant.orgId}/activity`);
    await reloadUntil("Okta settled the conflict about gone@offline.test");
    expect(await page.getByText("Okta settled the conflict about ada@offline.test").count()).toBe(1);
    await page.goto(`/console/orgs/${tenant.orgId}/conflicts?status=resolved`);
    expect(await page.locator("tbody tr").count()).toBe(2);
    expect(await page.locator("nav .count").count()).toBe(0);
  });
});

describe("the admin's words", () => {
  it("names attributes, providers and actions in words, never a URN, a SCIM error type or a member's id", async () => {
    const tenant = await oktaTenant("Plain Words Co");
    const grace = await scimAs(tenant, "POST", "/Users", oktaUser("grace@words.test", "Grace", "Hopper"));
    await scimAs(tenant, "PATCH", `/Users/${grace.body.id}`, {
      schemas: [PATCH_OP],
      Operations: [
        { op: "replace", path: `${ENTERPRISE}:department`, value: "Navy" },
        { op: "replace", path: "userName", value: "grace.hopper@words.test" },
      ],
    });
    // Refused requests: an unknown member, a value of the wrong type.
    const unknown = crypto.randomUUID();
    expect(
      (
        await scimAs(tenant, "PATCH", `/Users/${unknown}`, {
          schemas: [PATCH_OP],
          Operations: [{ op: "replace", path: "title", value: "x" }],
        })
      ).status,
    ).toBe(404);
    expect(
      (
        await scimAs(tenant, "PATCH", `/Users/${grace.body.id}`, {
          schemas: [PATCH_OP],
          Operations: [{ op: "replace", path: "active", value: "maybe" }],
        })
      ).status,
    ).toBe(400);

    await page.goto(`/console/orgs/${tenant.orgId}/members/${grace.body.id}`);
    await reloadUntil("Okta updated grace.hopper@words.test");
    const timeline = await page.locator("ol.timeline").innerText();
    expect(timeline).toContain("Department");
    expect(timeline).toContain("Username");
    expect(timeline).not.toContain("urn:");
    expect(timeline).not.toContain("userName");
    expect(timeline).not.toContain("(invalidValue)");

    await page.goto(`/console/orgs/${tenant.orgId}/activity`);
    await reloadUntil("Okta updated grace.hopper@words.test");
    await page.getByText("Details").first().click();
    const details = await page.locator("ul.changes").first().innerText();
    expect(details).toContain("Department: — → Navy");
    expect(details).not.toContain("urn:");
    const actions = await page.getByLabel("Action").locator("option").allTextContents();
    expect(actions).toContain("Member deactivated");
    expect(actions).toContain("Conflict settled by the identity provider");
    expect(actions.filter((a) => /^[a-z]+\.[a-z_]+$/.test(a))).toEqual([]);

    await page.goto(`/console/orgs/${tenant.orgId}/conflicts`);
    await reloadUntil("No such user");
    const errors = await page.locator("#errors").innerText();
    expect(errors).not.toContain(unknown);
    expect(errors).not.toMatch(/\((invalidValue|invalidPath|noTarget|uniqueness|mutability)\)/);

    await page.goto("/console/orgs");
    const row = page.getByRole("row", { name: /Plain Words Co/ });
    expect(await row.innerText()).toContain("On: Okta");
    expect(await row.innerText()).not.toContain("okta");
  });
});

describe("what Okta pushed", () => {
  it("shows a provisioned member's IdP fields read-only, with when Okta last changed it", async () => {
    const tenant = await oktaTenant("Pushed Co");
    const linus = await scimAs(tenant, "POST", "/Users", {
      ...oktaUser("linus@pushed.test", "Linus", "Torvalds"),
      schemas: ["urn:ietf:params:scim:schemas:core:2.0:User", ENTERPRISE],
      externalId: "00u-linus",
      title: "Kernel Maintainer",
      phoneNumbers: [
        { value: "+1 555 0100", type: "work" },
        { value: "+1 555 0199", type: "mobile" },
      ],
      [ENTERPRISE]: {
        department: "Kernel",
        employeeNumber: "E-1991",
        manager: { value: "boss@pushed.test" },
      },
    });
    await page.goto(`/console/orgs/${tenant.orgId}/members/${linus.body.id}`);
    const panel = page.locator("section[aria-labelledby=pushed-heading]");
    expect(await panel.getByRole("heading").textContent()).toBe("From Okta");
    const field = async (label: string) => panel.locator(`dt:text-is("${label}") + dd`).innerText();
    expect(await field("Username")).toBe("linus@pushed.test");
    expect(await field("External ID")).toBe("00u-linus");
    expect(await field("Title")).toBe("Kernel Maintainer");
    expect(await field("Department")).toBe("Kernel");
    expect(await field("Employee number")).toBe("E-1991");
    expect(await field("Manager")).toBe("boss@pushed.test");
    expect(await field("Phone numbers")).toContain("+1 555 0100");
    expect(await field("Phone numbers")).toContain("+1 555 0199");
    expect(await panel.innerText()).toContain("Okta last changed this member just now.");
    // Read-only: nothing in it can be edited.
    expect(await panel.locator("input, textarea, select, button").count()).toBe(0);

    // A member made here has no such panel.
    const manual = await adminApi(`/organizations/${tenant.orgId}/members`, {
      method: "POST",
      json: { email: "hand@pushed.test" },
    });
    await page.goto(`/console/orgs/${tenant.orgId}/members/${manual.body.id}`);
    expect(await page.locator("section[aria-labelledby=pushed-heading]").count()).toBe(0);
  });
});
