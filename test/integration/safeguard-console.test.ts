import { describe, expect, it } from "vitest";
import { admin, consoleRequest, createTenant, createUsers, patchOp, scim, signIn, tenantRows } from "../helpers";

/** A console page as a browser with this session cookie asks for it (a form POST when `form` is given). */
const page = (path: string, cookie: string, form?: Record<string, string>) => consoleRequest(path, { cookie, form });

/** A tenant whose safeguard holds 2 of Okta's 12 deactivations of its 30 members. */
async function trippedTenant() {
  const tenant = await createTenant({ licenses: 100 });
  const ids = await createUsers(tenant, 30);
  for (const id of ids.slice(0, 12)) {
    await scim(tenant, `/Users/${id}`, { method: "PATCH", json: patchOp({ op: "replace", value: { active: false } }) });
  }
  return { tenant, ids };
}

describe("the safeguard's console page", { timeout: 120_000 }, () => {
  it("lists the held members and, without script, states the consequence before releasing anything", async () => {
    const { tenant } = await trippedTenant();
    const cookie = await signIn();
    const review = await page(`/console/orgs/${tenant.orgId}/safeguard`, cookie);
    const html = await review.text();
    expect(html).toContain("Okta asked to deactivate 12 members in 1 minute; 10 were applied, 2 are held.");
    expect(html).toContain("u10@acme.test");
    expect(html).toContain("u11@acme.test");
    // The banner, on every page of the organization, leads to the review.
    for (const section of ["members", "teams", "activity", "settings", "safeguard"]) {
      const other = await (await page(`/console/orgs/${tenant.orgId}/${section}`, cookie)).text();
      expect(other, section).toMatch(
        /data-alert="safeguard-tripped"><p>Okta asked to deactivate 12 members in 1 minute; 10 were applied, 2 are held.<\/p>/,
      );
      expect(other).toContain(`href="/console/orgs/${tenant.orgId}/safeguard">Review</a>`);
    }
    const before = await tenantRows(tenant.orgId);
    const asked = await page(`/console/orgs/${tenant.orgId}/safeguard/release`, cookie, {});
    expect(asked.status).toBe(200);
    const confirmation = await asked.text();
    expect(confirmation).toContain("Release all 2?");
    expect(confirmation).toContain("those members are deactivated or deleted in Acme and lose access");
    expect(confirmation).toContain('name="confirmed" value="yes"');
    expect(await tenantRows(tenant.orgId)).toEqual(before);
    const released = await page(`/console/orgs/${tenant.orgId}/safeguard/release`, cookie, { confirmed: "yes" });
    expect(released.status).toBe(303);
    expect(released.headers.get("Location")).toBe(`/console/orgs/${tenant.orgId}/safeguard?done=released`);
    expect(await (await admin(`/organizations/${tenant.orgId}/safeguard`)).json()).toMatchObject({
      state: "armed",
      heldCount: 0,
    });
  });

  it("refuses bad settings next to the form with what was typed, and saves good ones", async () => {
    const { tenant } = await trippedTenant();
    const cookie = await signIn();
    const path = `/console/orgs/${tenant.orgId}/safeguard/settings`;
    const refused = await page(path, cookie, {
      enabled: "on",
      thresholdPercent: "150",
      minimumMembers: "3",
      windowMinutes: "30",
    });
    expect(refused.status).toBe(400);
    const html = await refused.text();
    expect(html).toContain("Threshold");
    expect(html).toContain('value="150"');
    expect(((await (await admin(`/organizations/${tenant.orgId}/safeguard`)).json()) as any).thresholdPercent).toBe(20);
    const saved = await page(path, cookie, { thresholdPercent: "30", minimumMembers: "3", windowMinutes: "30" });
    expect(saved.status).toBe(303);
    expect(await (await admin(`/organizations/${tenant.orgId}/safeguard`)).json()).toMatchObject({
      enabled: false,
      thresholdPercent: 30,
      minimumMembers: 3,
      windowMinutes: 30,
    });
  });

  it("says on the held member's page that its deactivation is held, and on Settings how the safeguard stands", async () => {
    const { tenant, ids } = await trippedTenant();
    const cookie = await signIn();
    const member = await (await page(`/console/orgs/${tenant.orgId}/members/${ids[10]}`, cookie)).text();
    expect(member).toContain(
      "Okta asked to deactivate this member just now: the deprovisioning safeguard holds the request",
    );
    const applied = await (await page(`/console/orgs/${tenant.orgId}/members/${ids[0]}`, cookie)).text();
    expect(applied).not.toContain("deprovisioning safeguard");
    const settings = await (await page(`/console/orgs/${tenant.orgId}/settings`, cookie)).text();
    expect(settings).toContain("Deprovisioning safeguard");
    expect(settings).toContain("10 were applied, 2 are held.");
  });
});
