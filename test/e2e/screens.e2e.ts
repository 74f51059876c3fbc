// Every page of the console on a phone (375 px) and a laptop (1280 px), with the long names, emails and
// SCIM attribute URNs real directories hold; and the pictures of the docs, taken from the same pages.
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { adminApi, oktaTenant, oktaUser, openBrowser, scimAs, screenshots, signInAsOperator } from "./browser";

let browser: Awaited<ReturnType<typeof openBrowser>>;
let page: Page;
let tenant: { orgId: string; token: string };
let memberId = "";
let teamId = "";

const LONG_ORG = "Internationale Handelsgesellschaft für Versorgungstechnik und Gebäudeautomation GmbH & Co. KG";
const LONG_EMAIL = "maximiliane.wolfeschlegelsteinhausenbergerdorff@versorgungstechnik-gebaeudeautomation.example";
const LONG_TEAM = "Regional-Infrastructure-Operations-and-Site-Reliability-Engineering-Europe-Middle-East-Africa";
const ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";

/** Reloads until the page shows `text`: activity and the request log arrive through the queue. */
async function reloadUntil(text: string) {
  await expect
    .poll(async () => (await page.reload(), page.getByText(text).count()), { timeout: 30_000, interval: 500 })
    .toBeGreaterThan(0);
}

beforeAll(async () => {
  tenant = await oktaTenant(LONG_ORG, 50);
  const created = await scimAs(tenant, "POST", "/Users", {
    ...oktaUser(LONG_EMAIL, "Maximiliane", "Wolfeschlegelsteinhausenbergerdorff"),
    schemas: ["urn:ietf:params:scim:schemas:core:2.0:User", ENTERPRISE],
    externalId: "00u1a2b3c4d5e6f7g8h9i0j1k2l3m4n5o6p7q8r9",
    title: "Principal Infrastructure Reliability Engineer",
    [ENTERPRISE]: { department: "Gebäudeautomation", employeeNumber: "EMP-0000000000000042" },
  });
  memberId = created.body.id;
  // Okta's PATCH by URN paths: what the member's timeline and the activity log show the longest.
  await scimAs(tenant, "PATCH", `/Users/${memberId}`, {
    schemas: ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
    Operations: [
      { op: "replace", path: `${ENTERPRISE}:department`, value: "Versorgungstechnik-und-Gebäudeautomation" },
      { op: "replace", path: `${ENTERPRISE}:employeeNumber`, value: "EMP-000000000000000000000000000000000042" },
    ],
  });
  const group = await scimAs(tenant, "POST", "/Groups", {
    schemas: ["urn:ietf:params:scim:schemas:core:2.0:Group"],
    displayName: LONG_TEAM,
    members: [{ value: memberId }],
  });
  teamId = group.body.id;
  // A refused create: a member made by hand holds the email, which is a conflict to decide.
  const heldEmail = `held.by.hand.${LONG_EMAIL}`;
  await adminApi(`/organizations/${tenant.orgId}/members`, { method: "POST", json: { email: heldEmail } });
  expect((await scimAs(tenant, "POST", "/Users", oktaUser(heldEmail, "Held", "ByHand"))).status).toBe(409);

  browser = await openBrowser();
  page = await browser.context.newPage();
  await signInAsOperator(page);
});
afterAll(async () => {
  await browser?.close();
});

/** How far the page scrolls sideways at this width: 0 when nothing sticks out. */
async function sidewaysScroll(width: number): Promise<number> {
  await page.setViewportSize({ width, height: 900 });
  return page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
}

/** The elements wider than the window at 375 px, to say what sticks out when something does. */
const overflowing = () =>
  page.evaluate(() =>
    [...document.querySelectorAll("body *")]
      .filter((element) => element.getBoundingClientRect().right > window.innerWidth + 0.5)
      .slice(0, 5)
      .map((element) => `${element.tagName.toLowerCase()}.${element.className}: ${element.textContent?.slice(0, 60)}`),
  );

const PAGES: { name: string; path: () => string; ready?: string }[] = [
  { name: "organizations", path: () => "/console/orgs" },
  { name: "members", path: () => `/console/orgs/${tenant.orgId}/members` },
  { name: "member", path: () => `/console/orgs/${tenant.orgId}/members/${memberId}`, ready: "Okta updated" },
  { name: "teams", path: () => `/console/orgs/${tenant.orgId}/teams` },
  { name: "team", path: () => `/console/orgs/${tenant.orgId}/teams/${teamId}` },
  { name: "activity", path: () => `/console/orgs/${tenant.orgId}/activity`, ready: "Okta updated" },
  { name: "conflicts", path: () => `/console/orgs/${tenant.orgId}/conflicts`, ready: "could not create" },
  { name: "settings", path: () => `/console/orgs/${tenant.orgId}/settings`, ready: "Okta last called" },
];

describe("the console on any screen", () => {
  for (const { name, path, ready } of PAGES) {
    it(`shows the ${name} page at 375 px without sideways scrolling`, async () => {
      await page.setViewportSize({ width: 1280, height: 900 });
      await page.goto(path());
      if (ready) await reloadUntil(ready);
      const scroll = await sidewaysScroll(375);
      expect({ scroll, overflowing: scroll > 0 ? await overflowing() : [] }).toEqual({ scroll: 0, overflowing: [] });
      expect(await sidewaysScroll(1280)).toBe(0);
      await screenshots(page, name, { docs: true });
    });
  }

  it("stacks a table's cells on narrow screens, and keeps every Dismiss and Link button in view", async () => {
    await page.goto(`/console/orgs/${tenant.orgId}/conflicts`);
    await page.setViewportSize({ width: 375, height: 900 });
    const row = page.locator("tbody tr").first();
    const cells = await row.locator("> td").evaluateAll((tds) => tds.map((td) => td.getBoundingClientRect().toJSON()));
    expect(cells.length).toBe(3);
    // One above the other, each the row's width: not side by side.
    expect(cells[1].top).toBeGreaterThanOrEqual(cells[0].bottom - 1);
    expect(cells[2].top).toBeGreaterThanOrEqual(cells[1].bottom - 1);
    for (const button of await page.getByRole("button", { name: /^(Dismiss|Link) / }).all()) {
      const box = (await button.boundingBox())!;
      expect(box.x).toBeGreaterThanOrEqual(0);
      expect(box.x + box.width).toBeLessThanOrEqual(375);
    }
    // The confirmation dialog fits the phone too.
    await page
      .getByRole("button", { name: /^Dismiss / })
      .first()
      .click();
    const dialog = (await page.getByRole("dialog").boundingBox())!;
    expect(dialog.x).toBeGreaterThanOrEqual(0);
    expect(dialog.x + dialog.width).toBeLessThanOrEqual(375);
    await screenshots(page, "conflicts-dismiss", { docs: true });
    await page.getByRole("dialog").getByRole("button", { name: "Cancel" }).click();
  });

  it("keeps column headings, status pills, sources and locks whole at 1280 px, beside a long name and email", async () => {
    await page.setViewportSize({ width: 1280, height: 900 });
    await page.goto(`/console/orgs/${tenant.orgId}/members`);
    const words = page.locator("thead th, tbody .status, tbody .tag, tbody .locked");
    expect(await words.count()).toBeGreaterThan(6);
    // The lines each one's text takes: distinct tops of its words' boxes (an icon beside them is not a line) ("Okt|a" takes two).
    const lines = await words.evaluateAll((elements) =>
      elements.map((element) => {
        const tops = new Set<number>();
        const texts = document.createTreeWalker(element, NodeFilter.SHOW_TEXT);
        while (texts.nextNode()) {
          const range = document.createRange();
          range.selectNodeContents(texts.currentNode);
          for (const box of range.getClientRects()) if (box.width > 0) tops.add(Math.round(box.top));
        }
        return `${element.textContent?.trim()}: ${tops.size}`;
      }),
    );
    expect(lines.filter((line) => !line.endsWith(": 1"))).toEqual([]);
  });

  it("keeps each activity timestamp on one line at 1280 px", async () => {
    await page.setViewportSize({ width: 1280, height: 900 });
    await page.goto(`/console/orgs/${tenant.orgId}/activity`);
    const times = page.locator("tbody time");
    expect(await times.count()).toBeGreaterThan(3);
    const lines = await times.evaluateAll((elements) => elements.map((element) => element.getClientRects().length));
    expect(new Set(lines)).toEqual(new Set([1]));
  });

  it("shows the sign-in page and the console link pages at both widths without sideways scrolling", async () => {
    const other = await openBrowser();
    try {
      const signedOut = await other.context.newPage();
      for (const [name, path] of [
        ["sign-in", "/console/sign-in"],
        ["link", "/console/link"],
      ]) {
        await signedOut.goto(path);
        await signedOut.setViewportSize({ width: 375, height: 900 });
        expect(await signedOut.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)).toBe(0);
        await screenshots(signedOut, name, { docs: true });
      }
    } finally {
      await other.close();
    }
  });
});
