import { describe, expect, it } from "vitest";
import { ADMIN_TOKEN, admin, call, createOrganization, createTenant, createUser, ORIGIN, scim } from "../helpers";

/** Longer than the 50 bytes D1 allows a LIKE pattern: a search for it must still be answered. */
const LONG = "Very-Long-Name-Part-".repeat(4); // 80 characters
const found = (body: any) => (body.Resources as any[]).map((r) => r.userName);

describe("text searches longer than D1's LIKE patterns", () => {
  it("SCIM co, sw and ew filters match long literals, folded or exact, and never answer 500", async () => {
    const tenant = await createTenant();
    const userName = `${LONG.toLowerCase()}x@acme.test`;
    await createUser(tenant, userName, { name: { givenName: `${LONG}Given`, familyName: "F" } });
    await createUser(tenant, "other@acme.test");
    const list = async (filter: string) => {
      const response = await scim(tenant, `/Users?filter=${encodeURIComponent(filter)}`);
      expect(response.status, filter).toBe(200);
      return found(await response.json());
    };
    // userName is case-insensitive: the upper-case literal matches; emails are a side table.
    expect(await list(`userName co "${LONG.toUpperCase()}"`)).toEqual([userName]);
    expect(await list(`userName sw "${LONG}"`)).toEqual([userName]);
    expect(await list(`userName ew "${LONG.slice(10)}x@acme.test"`)).toEqual([userName]);
    expect(await list(`userName sw "${LONG}nope"`)).toEqual([]);
    expect(await list(`emails.value co "${LONG}"`)).toEqual([userName]);
    expect(await list(`emails[value sw "${LONG}"].value pr`)).toEqual([userName]);
    expect(await list(`name.givenName co "${LONG}"`)).toEqual([userName]);
    // A literal with LIKE's own characters still matches only itself.
    expect(await list(`userName co "${"%".repeat(60)}"`)).toEqual([]);
  });

  it("the admin API's member and request searches and the console's organization search answer long text", async () => {
    const tenant = await createTenant();
    const email = `${LONG.toLowerCase()}@acme.test`;
    const user = await createUser(tenant, email);
    const members = await admin(`/organizations/${tenant.orgId}/members?q=${encodeURIComponent(LONG)}`);
    expect(members.status).toBe(200);
    expect(((await members.json()) as any).members.map((m: any) => m.id)).toEqual([user.id]);
    const requests = await admin(`/organizations/${tenant.orgId}/scim/requests?q=${encodeURIComponent(LONG)}`);
    expect(requests.status).toBe(200);

    const name = `${LONG} Organization`;
    const organization = await createOrganization(5, name);
    const signIn = await call("/console/sign-in", {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded", Origin: ORIGIN },
      body: new URLSearchParams({ token: ADMIN_TOKEN }).toString(),
      redirect: "manual",
    });
    const cookie = /__Host-console_session=([^;]+)/.exec(signIn.headers.get("Set-Cookie") ?? "")![1];
    const page = await call(`/console/orgs?q=${encodeURIComponent(LONG.toUpperCase())}`, {
      headers: { Cookie: `__Host-console_session=${cookie}` },
    });
    expect(page.status).toBe(200);
    expect(await page.text()).toContain(`/console/orgs/${organization.id}/members`);
  });
});
