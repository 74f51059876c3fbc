import type { BrowserContext, Locator, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { adminApi, adminToken, baseUrl, openBrowser, screenshots } from "./browser";

let browser: Awaited<ReturnType<typeof openBrowser>>;
let context: BrowserContext;
let page: Page;
/** The organization the story builds, created by the operator in the console. */
let orgId = "";
let scimToken = "";
let adaId = "";
let engineeringId = "";
let designId = "";

beforeAll(async () => {
  browser = await openBrowser();
  context = browser.context;
  await context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: baseUrl });
  page = await context.newPage();
  // The console asks in the page, never by the browser's own confirm(): any native dialog is recorded, refused, and fails the story.
  page.on("dialog", (dialog) => {
    nativeDialogs.push(dialog.message());
    void dialog.dismiss();
  });
});
afterAll(async () => {
  await browser?.close();
  expect(nativeDialogs).toEqual([]);
});

const nativeDialogs: string[] = [];

/** Clicks what submits a form or follows a link, and waits for the page that answers. */
async function submit(target: Locator) {
  await Promise.all([page.waitForEvent("framenavigated"), target.click()]);
  await page.waitForLoadState();
}

const heading = () => page.getByRole("heading", { level: 1 }).textContent();
const path = () => new URL(page.url()).pathname;

async function signInAsOperator() {
  await page.getByLabel("Admin token").fill(adminToken);
  await submit(page.getByRole("button", { name: "Sign in" }));
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
    await submit(page.getByRole("button", { name: "Sign in" }));
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
    await submit(page.getByRole("button", { name: "Create organization" }));
    expect(await page.locator(".error").textContent()).toContain("Licences");
    expect(await page.getByLabel("Name", { exact: true }).inputValue()).toBe("Acme");

    await page.getByLabel("Licences").fill("20");
    await submit(page.getByRole("button", { name: "Create organization" }));
    await page.waitForURL("**/settings");
    orgId = path().split("/")[3];
    await page.goto("/console/orgs");
    await page.getByLabel("Search by name").fill("acm");
    await submit(page.getByRole("button", { name: "Search" }));
    await submit(page.getByRole("link", { name: "Acme" }));
    await page.waitForURL(`**/console/orgs/${orgId}/members`);
    await page.goto("/console/orgs");
    await screenshots(page, "organizations");
  });

  it("turns Okta provisioning on and shows the token once: Continue or a reload and it is gone", async () => {
    await page.goto(`/console/orgs/${orgId}/settings`);
    expect(await page.getByText("0 of 20 licences in use").count()).toBe(1);
    const okta = page.getByRole("switch", { name: "Okta provisioning" });
    expect(await okta.getAttribute("aria-checked")).toBe("false");
    await submit(okta);
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

    // While Okta is on, the other providers' switches are disabled and say why, next to them.
    for (const other of ["Microsoft Entra ID", "Generic SCIM 2.0"]) {
      const blocked = page.getByRole("switch", { name: `${other} provisioning` });
      expect(await blocked.isDisabled()).toBe(true);
      expect(await blocked.getAttribute("aria-checked")).toBe("false");
      const hint = await blocked.getAttribute("aria-describedby");
      expect(await page.locator(`#${hint}`).textContent()).toBe("Turn Okta off first");
    }
    // A request sent anyway (an old page, a script) is still refused, in words next to its switch.
    const forged = await page.request.post(`/console/orgs/${orgId}/settings/provisioning`, {
      form: { provider: "entra", enabled: "on" },
      headers: { Origin: baseUrl },
    });
    expect(forged.status()).toBe(409);
    expect(await forged.text()).toContain("turn Okta off first");
    await screenshots(page, "settings");

    // The token works for SCIM.
    expect((await scim("GET", "/Users")).status).toBe(200);
  });

  it("regenerates the token after a confirmation that warns the integration stops", async () => {
    await page.getByRole("button", { name: "Regenerate token" }).click();
    const dialog = page.getByRole("dialog", { name: "Regenerate the Secret Token?" });
    expect(await dialog.textContent()).toContain("Okta stops provisioning until the new token is entered there");
    // Cancel leaves everything as it was.
    await dialog.getByRole("button", { name: "Cancel" }).click();
    expect(await dialog.isVisible()).toBe(false);
    expect((await scim("GET", "/Users")).status).toBe(200);
    await page.getByRole("button", { name: "Regenerate token" }).click();
    await submit(dialog.getByRole("button", { name: "Regenerate token" }));
    await page.waitForSelector("#secret-token");
    const fresh = await page.locator("#secret-token").inputValue();
    expect(fresh).not.toBe(scimToken);
    expect((await scim("GET", "/Users")).status).toBe(401);
    scimToken = fresh;
    expect((await scim("GET", "/Users")).status).toBe(200);
    await submit(page.getByRole("link", { name: "Continue" }));
    await page.waitForURL("**/settings");
    expect(await page.locator("#secret-token").count()).toBe(0);
  });

  it("shows a member provisioned over SCIM with the Okta badge, read-only, and the notice", async () => {
    const ada = await scim("POST", "/Users", {
      schemas: ["urn:ietf:params:scim:schemas:core:2.0:User"],
      userName: "ada@acme.test",
      name: { givenName: "Ada", familyName: "Lovelace" },
      emails: [{ value: "ada@acme.test", type: "work", primary: true }],
      active: true,
    });
    expect(ada.status).toBe(201);
    adaId = ada.body.id;
    const group = await scim("POST", "/Groups", {
      schemas: ["urn:ietf:params:scim:schemas:core:2.0:Group"],
      displayName: "Engineering",
      members: [{ value: adaId }],
    });
    expect(group.status).toBe(201);
    engineeringId = group.body.id;

    await page.goto(`/console/orgs/${orgId}/members`);
    expect(await page.getByRole("note").textContent()).toBe(
      "Members and teams provisioned by Okta are read-only here. Change them in Okta.",
    );
    const row = page.getByRole("row", { name: /Ada Lovelace/ });
    expect(await row.locator(".avatar svg[data-source=okta]").count()).toBe(1);
    expect(await row.getByText("Managed by Okta").count()).toBe(1);
    expect(await row.getByRole("link", { name: /Edit/ }).count()).toBe(0);
    expect(await row.getByRole("link", { name: "Engineering" }).count()).toBe(1);

    await submit(row.getByRole("link", { name: "Ada Lovelace" }));
    expect(await page.getByText("read-only here while provisioning is on").count()).toBe(1);
    expect(await page.getByRole("button", { name: "Save" }).count()).toBe(0);
    // The server refuses the edit anyway, whatever a page offers.
    const forged = await page.request.post(`/console/orgs/${orgId}/members/${adaId}`, {
      form: { email: "eve@acme.test", firstName: "Eve", lastName: "" },
      headers: { Origin: baseUrl },
    });
    expect(forged.status()).toBe(403);
    expect(await forged.text()).toContain("change it in the identity provider");
    expect((await scim("GET", `/Users/${adaId}`)).body.userName).toBe("ada@acme.test");
  });

  it("creates a manual team and invites a manual member into it; Assign to team offers manual teams only", async () => {
    await page.goto(`/console/orgs/${orgId}/teams`);
    expect(
      await page
        .getByRole("row", { name: /Engineering/ })
        .getByText("Managed by Okta")
        .count(),
    ).toBe(1);
    await page.getByLabel("Team name").fill("Design");
    await submit(page.getByRole("button", { name: "Create team" }));
    await page.waitForURL(/\/teams\/[^/]+$/);
    designId = path().split("/").pop()!;

    await page.goto(`/console/orgs/${orgId}/members`);
    const teams = await page.getByLabel("Assign to team (optional)").locator("option").allTextContents();
    expect(teams).toEqual(["No team", "Design"]);
    await page.getByLabel("Email", { exact: true }).fill("ada@ACME.test");
    await page.getByLabel("First name").fill("Second");
    await submit(page.getByRole("button", { name: "Invite member" }));
    // The domain's refusal next to the form, in words, with what was typed kept.
    expect(await page.locator("#invite-error").textContent()).toContain("already");
    expect(await page.getByLabel("Email", { exact: true }).inputValue()).toBe("ada@ACME.test");
    expect(await page.getByLabel("First name").inputValue()).toBe("Second");

    await page.getByLabel("Email", { exact: true }).fill("bob@acme.test");
    await page.getByLabel("First name").fill("Bob");
    await page.getByLabel("Last name").fill("Manual");
    await page.getByLabel("Assign to team (optional)").selectOption({ label: "Design" });
    await submit(page.getByRole("button", { name: "Invite member" }));
    await page.waitForURL(/invited=/);
    expect(await page.getByRole("status").textContent()).toBe("Invited bob@acme.test.");
    const bob = page.getByRole("row", { name: /Bob Manual/ });
    expect(await bob.getByRole("link", { name: "Design" }).count()).toBe(1);
    expect(await bob.getByRole("link", { name: "Edit Bob Manual" }).count()).toBe(1);
    expect(await bob.locator(".avatar svg").count()).toBe(0);
    await screenshots(page, "members");

    // Search and filters.
    await page.getByLabel("Source").selectOption({ label: "Manual" });
    await submit(page.getByRole("button", { name: "Apply" }));
    expect(await page.getByRole("row", { name: /Ada Lovelace/ }).count()).toBe(0);
    expect(await page.getByRole("row", { name: /Bob Manual/ }).count()).toBe(1);
    await page.goto(`/console/orgs/${orgId}/members?q=lovel`);
    expect(await page.getByRole("row", { name: /Ada Lovelace/ }).count()).toBe(1);
    expect(await page.getByRole("row", { name: /Bob Manual/ }).count()).toBe(0);
  });

  it("keeps a provisioned team read-only while provisioning is on: no member picker", async () => {
    await page.goto(`/console/orgs/${orgId}/teams/${engineeringId}`);
    expect(await page.getByText("Managed by Okta").count()).toBe(1);
    expect(await page.getByLabel("Member's email").count()).toBe(0);
    expect(await page.getByRole("button", { name: /Remove/ }).count()).toBe(0);
    await screenshots(page, "team-provisioned");
  });

  it("turns provisioning off with a warning; the provisioned member becomes editable and keeps the Okta badge", async () => {
    await page.goto(`/console/orgs/${orgId}/settings`);
    await page.getByRole("switch", { name: "Okta provisioning" }).click();
    const dialog = page.getByRole("dialog", { name: "Turn Okta provisioning off?" });
    expect(await dialog.textContent()).toContain("Provisioned members become editable here and keep their Okta marker");
    await screenshots(page, "settings-turn-off");
    // The provider's name must be typed before the switch goes off.
    const turnOff = dialog.getByRole("button", { name: "Turn provisioning off" });
    expect(await turnOff.isDisabled()).toBe(true);
    await dialog.getByLabel("Type Okta to confirm").fill("Okt");
    expect(await turnOff.isDisabled()).toBe(true);
    await dialog.getByLabel("Type Okta to confirm").fill("Okta");
    await submit(turnOff);
    await page.waitForSelector("text=Okta provisioning is off");
    expect((await scim("GET", "/Users")).status).toBe(401);

    await page.goto(`/console/orgs/${orgId}/members`);
    expect(await page.getByRole("note").count()).toBe(0);
    const row = page.getByRole("row", { name: /Ada Lovelace/ });
    expect(await row.locator(".avatar svg[data-source=okta]").count()).toBe(1);
    await submit(row.getByRole("link", { name: "Edit Ada Lovelace" }));
    await page.getByLabel("Last name").fill("King");
    await submit(page.getByRole("button", { name: "Save" }));
    expect(await page.getByRole("status").textContent()).toBe("Saved.");
    expect(await page.getByLabel("Last name").inputValue()).toBe("King");
    await screenshots(page, "member");
  });

  it("refuses a manual member for a provisioned team with the rule's words, and lets a provisioned member join a manual team", async () => {
    await page.goto(`/console/orgs/${orgId}/teams/${engineeringId}`);
    await page.getByLabel("Member's email").fill("bob@acme.test");
    await submit(page.getByRole("button", { name: "Add member" }));
    expect(await page.getByRole("alert").textContent()).toContain(
      "was created manually and cannot join a provisioned team",
    );
    expect(await page.getByLabel("Member's email").inputValue()).toBe("bob@acme.test");

    await page.goto(`/console/orgs/${orgId}/teams/${designId}`);
    await page.getByLabel("Member's email").fill("ada@acme.test");
    await submit(page.getByRole("button", { name: "Add member" }));
    expect(await page.getByRole("status").textContent()).toBe("Added ada@acme.test.");
    expect(await page.getByRole("link", { name: "Ada King" }).count()).toBe(1);
    await page.goto(`/console/orgs/${orgId}/teams`);
    await screenshots(page, "teams");
  });

  it("shows the activity log newest first as sentences, filtered, with changes old → new", async () => {
    // Entries reach the log through the activity queue: wait for the last change's to arrive.
    const rows = page.locator("tbody tr td:nth-child(2)");
    await expect
      .poll(
        async () => {
          await page.goto(`/console/orgs/${orgId}/activity`);
          return rows.first().textContent();
        },
        { timeout: 20_000, interval: 500 },
      )
      .toMatch(/^Admin added ada@acme.test to Design/);
    const sentences = await rows.allInnerTexts();
    expect(sentences[1]).toMatch(/^Admin updated ada@acme.test/);
    expect(sentences.some((s) => s.startsWith("Okta created ada@acme.test"))).toBe(true);
    expect(sentences.some((s) => s.startsWith("Admin turned Okta provisioning on"))).toBe(true);
    expect(sentences.some((s) => s.startsWith("Admin regenerated the SCIM token"))).toBe(true);
    expect(sentences.some((s) => s.startsWith("Admin turned SCIM provisioning off"))).toBe(true);
    expect(sentences.some((s) => s.startsWith("Admin invited bob@acme.test"))).toBe(true);
    const update = page.locator("tbody tr").nth(1);
    await update.getByText("Details").click();
    expect(await update.locator(".changes").textContent()).toContain("Lovelace → King");
    await screenshots(page, "activity");

    await page.getByLabel("Actor").selectOption({ label: "Okta" });
    await submit(page.getByRole("button", { name: "Apply" }));
    const okta = await page.locator("tbody tr td:nth-child(2)").allInnerTexts();
    expect(okta.length).toBeGreaterThan(0);
    expect(okta.every((s) => s.startsWith("Okta "))).toBe(true);
    await page.getByLabel("Action").selectOption("member.created");
    await submit(page.getByRole("button", { name: "Apply" }));
    expect(await page.locator("tbody tr td:nth-child(2)").allInnerTexts()).toEqual(["Okta created ada@acme.test"]);
    const tomorrow = new Date(Date.now() + 86_400_000).toISOString().slice(0, 10);
    await page.getByLabel("From").fill(tomorrow);
    await submit(page.getByRole("button", { name: "Apply" }));
    expect(await page.getByText("No activity matches these filters.").count()).toBe(1);
  });

  it("exports the filtered log as CSV", async () => {
    await page.goto(`/console/orgs/${orgId}/activity?actor=admin`);
    const [download] = await Promise.all([
      page.waitForEvent("download"),
      page.getByRole("link", { name: "Export CSV" }).click(),
    ]);
    expect(download.suggestedFilename()).toMatch(/^activity-.*\.csv$/);
    const csv = await (await import("node:fs/promises")).readFile((await download.path())!, "utf8");
    const lines = csv.trim().split("\r\n");
    expect(lines[0]).toBe("at,actor,action,sentence,targetType,targetId,targetName,changes");
    expect(lines.length).toBeGreaterThan(5);
    expect(lines.slice(1).every((line) => line.split(",")[1] === "admin")).toBe(true);
    expect(csv).toContain("Admin invited bob@acme.test");
    expect(csv).not.toContain("Okta created");
  });

  it("signs an organization's admin in by a single-use console link, scoped to that organization", async () => {
    const other = await adminApi("/organizations", { method: "POST", json: { name: "Other Org", licenses: 5 } });
    const link = await adminApi(`/organizations/${orgId}/console-links`, { method: "POST" });
    expect(link.status).toBe(201);
    // The token is the link's fragment: the browser requests /console/link alone, and the page's script posts it.
    expect(link.body.url).toMatch(/\/console\/link#cl_/);
    const admin = await openBrowser();
    try {
      const adminPage = await admin.context.newPage();
      const requested: string[] = [];
      adminPage.on("request", (request) => requested.push(request.url()));
      await adminPage.goto(link.body.url);
      await adminPage.getByRole("heading", { name: "Open the Acme console" }).waitFor();
      expect(requested.filter((url) => url.includes("cl_"))).toEqual([]);
      expect(adminPage.url()).not.toContain("cl_");
      await adminPage.getByRole("button", { name: "Open the console" }).click();
      await adminPage.waitForURL(`**/console/orgs/${orgId}/members`);
      expect(await adminPage.getByText("Signed in as Acme admin").count()).toBe(1);
      expect(await adminPage.getByRole("link", { name: "Organizations" }).count()).toBe(0);

      const refused = await adminPage.goto(`/console/orgs/${other.body.id}/members`);
      expect(refused?.status()).toBe(404);
      expect(await adminPage.content()).not.toContain("Other Org");
      expect((await adminPage.goto("/console/orgs"))?.status()).toBe(404);

      // The link was used: opening it again says so and how to get a new one.
      const checked = adminPage.waitForResponse((response) => response.url().endsWith("/console/link/check"));
      await adminPage.goto(link.body.url);
      expect((await checked).status()).toBe(410);
      await adminPage.getByText("Ask your provider for a new link").waitFor();
      await screenshots(adminPage, "link-used");
    } finally {
      await admin.close();
    }
  });

  it("opens a console link without script: the admin pastes the link into the page", async () => {
    const link = await adminApi(`/organizations/${orgId}/console-links`, { method: "POST" });
    const admin = await openBrowser({ javaScriptEnabled: false });
    try {
      const adminPage = await admin.context.newPage();
      await adminPage.goto(link.body.url);
      expect(await adminPage.getByRole("heading", { level: 1 }).textContent()).toBe("Open your organization's console");
      await adminPage.getByLabel("Sign-in link").fill(link.body.url);
      await screenshots(adminPage, "link-without-script");
      await adminPage.getByRole("button", { name: "Continue" }).click();
      await adminPage.getByRole("heading", { name: "Open the Acme console" }).waitFor();
      await adminPage.getByRole("button", { name: "Open the console" }).click();
      await adminPage.waitForURL(`**/console/orgs/${orgId}/members`);
      expect(await adminPage.getByText("Signed in as Acme admin").count()).toBe(1);
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
    await submit(page.getByRole("button", { name: "Sign out" }));
    await page.waitForURL("**/console/sign-in?signedOut=1");
    expect(await page.getByText("You are signed out").count()).toBe(1);
    expect(await context.cookies(baseUrl)).toEqual([]);
    // The old cookie, replayed, opens nothing: the session was deleted on the server.
    await context.addCookies([{ ...before }]);
    await page.goto(`/console/orgs/${orgId}/settings`);
    expect(path()).toBe("/console/sign-in");
  });
});

describe("the console by keyboard", () => {
  it("signs in, skips to the content and shows where the focus is, without a mouse", async () => {
    await page.goto("/console/sign-in");
    await page.keyboard.press("Tab");
    expect(await page.evaluate(() => document.activeElement?.id)).toBe("token");
    await page.keyboard.type(adminToken);
    await Promise.all([page.waitForURL("**/console/orgs"), page.keyboard.press("Enter")]);

    await page.keyboard.press("Tab");
    const skip = page.getByRole("link", { name: "Skip to content" });
    expect(await skip.evaluate((element) => element === document.activeElement)).toBe(true);
    const box = await skip.boundingBox();
    expect(box && box.x >= 0 && box.width > 0).toBe(true);
    expect(await skip.evaluate((element) => getComputedStyle(element).outlineStyle)).toBe("solid");
    await page.keyboard.press("Tab");
    const focused = page.locator(":focus");
    expect(await focused.evaluate((element) => getComputedStyle(element).outlineStyle)).toBe("solid");
  });
});
