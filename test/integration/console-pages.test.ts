import { describe, expect, it } from "vitest";
import {
  activity,
  admin,
  call,
  consoleRequest,
  createGroup,
  createOrganization,
  createTenant,
  createUser,
  scim,
  shardOf,
  signIn,
  tenantRows,
  user,
} from "../helpers";

/** A console page as a browser with this session cookie asks for it (a form POST when `form` is given). */
const page = (path: string, cookie: string, form?: Record<string, string>) => consoleRequest(path, { cookie, form });

/** Manual members written straight to D1 (the licence triggers still count them), `<prefix>000@big.test` on. */
async function insertManualMembers(orgId: string, count: number, prefix: string) {
  const statements = Array.from({ length: count }, (_, i) => {
    const email = `${prefix}${String(i).padStart(3, "0")}@big.test`;
    return shardOf(orgId)
      .prepare(
        "INSERT INTO members (id, org_id, user_name, user_name_lower, email, email_lower, source, provisioned, document, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, 'manual', 0, ?, ?, ?)",
      )
      .bind(
        `${orgId}-${prefix}-${i}`,
        orgId,
        email,
        email,
        email,
        email,
        JSON.stringify({ userName: email, emails: [{ value: email, primary: true }] }),
        `2026-01-01T00:00:${String(i % 60).padStart(2, "0")}.${String(i).padStart(3, "0")}Z`,
        "2026-01-01T00:00:00.000Z",
      );
  });
  await shardOf(orgId).batch(statements);
}

describe("console pages over the domain rules", () => {
  it("pages members by keyset, 50 at a time, following Next page to the end", async () => {
    const organization = await createOrganization(200);
    await insertManualMembers(organization.id, 120, "m");
    const cookie = await signIn();
    const seen: string[] = [];
    let next: string | undefined = `/console/orgs/${organization.id}/members`;
    for (let pages = 0; next; pages++) {
      expect(pages).toBeLessThan(3);
      const html = await (await page(next, cookie)).text();
      const emails = [...html.matchAll(/<small>(m\d{3}@big\.test)<\/small>/g)].map((m) => m[1]);
      expect(emails.length).toBeLessThanOrEqual(50);
      seen.push(...emails);
      next = /href="([^"]+)" rel="next"/.exec(html)?.[1]?.replaceAll("&amp;", "&");
    }
    expect(new Set(seen).size).toBe(120);
  });

  it("refuses a manual member for a provisioned team with the rule's words and keeps the typed email", async () => {
    const tenant = await createTenant();
    const ada = await createUser(tenant, "ada@rule.test");
    const group = await (
      await call(`/scim/v2/${tenant.orgId}/Groups`, {
        method: "POST",
        headers: { Authorization: `Bearer ${tenant.token}`, "Content-Type": "application/scim+json" },
        body: JSON.stringify({
          schemas: ["urn:ietf:params:scim:schemas:core:2.0:Group"],
          displayName: "Eng",
          members: [{ value: ada.id }],
        }),
      })
    ).json<{ id: string }>();
    await admin(`/organizations/${tenant.orgId}/members`, { method: "POST", json: { email: "bob@rule.test" } });
    const cookie = await signIn();
    const teamPath = `/console/orgs/${tenant.orgId}/teams/${group.id}`;

    // While provisioning is on, the team is read-only: the server refuses, whatever the form.
    const locked = await page(`${teamPath}/members`, cookie, { email: "bob@rule.test" });
    expect(locked.status).toBe(403);

    await admin(`/organizations/${tenant.orgId}/scim`, { method: "PUT", json: { enabled: false } });
    const refused = await page(`${teamPath}/members`, cookie, { email: "bob@rule.test" });
    expect(refused.status).toBe(422);
    const html = await refused.text();
    expect(html).toContain("was created manually and cannot join a provisioned team");
    expect(html).toMatch(/name="email"[^>]*value="bob@rule.test"/);
    const unknown = await page(`${teamPath}/members`, cookie, { email: "nobody@rule.test" });
    expect(unknown.status).toBe(400);
    expect(await unknown.text()).toContain("No member has the email nobody@rule.test.");
    const team = await (await admin(`/organizations/${tenant.orgId}/teams/${group.id}`)).json<{
      memberCount: number;
    }>();
    expect(team.memberCount).toBe(1);
  });

  it("exports the filtered activity log as CSV, formulas neutralised, and filters by date range in the admin API too", async () => {
    const organization = await createOrganization(5, "=HYPERLINK(1)");
    await admin(`/organizations/${organization.id}/members`, { method: "POST", json: { email: "csv@x.test" } });
    await activity(organization.id);
    const cookie = await signIn();
    const response = await page(`/console/orgs/${organization.id}/activity.csv?action=organization.created`, cookie);
    expect(response.status).toBe(200);
    expect(response.headers.get("Content-Type")).toBe("text/csv; charset=utf-8");
    expect(response.headers.get("Content-Disposition")).toMatch(/^attachment; filename="activity-/);
    const lines = (await response.text()).trim().split("\r\n");
    expect(lines).toHaveLength(2);
    expect(lines[0]).toBe("at,actor,action,sentence,targetType,targetId,targetName,changes");
    expect(lines[1]).toContain(",admin,organization.created,Admin created the organization =HYPERLINK(1),");
    expect(lines[1]).toContain(",'=HYPERLINK(1),");

    const today = new Date().toISOString().slice(0, 10);
    const all = await page(`/console/orgs/${organization.id}/activity?from=${today}&to=${today}`, cookie);
    expect(await all.text()).toContain("Admin invited csv@x.test");
    const none = await admin(`/organizations/${organization.id}/activity?until=2000-01-01T00:00:00Z`);
    expect(((await none.json()) as { entries: unknown[] }).entries).toEqual([]);
    const bad = await page(`/console/orgs/${organization.id}/activity?from=yesterday`, cookie);
    expect(bad.status).toBe(400);
  });
});

describe("console invitations and banners", () => {
  it("invites into a team only after checking it, member and membership in one batch: a refused team leaves no member", async () => {
    const tenant = await createTenant();
    const orgId = tenant.orgId;
    const provisioned = await createGroup(tenant, "Eng");
    const design = (await (
      await admin(`/organizations/${orgId}/teams`, { method: "POST", json: { name: "Design" } })
    ).json()) as { id: string };
    const other = await createOrganization(5, "Other");
    const theirs = (await (
      await admin(`/organizations/${other.id}/teams`, { method: "POST", json: { name: "Theirs" } })
    ).json()) as { id: string };
    const cookie = await signIn();
    const members = `/console/orgs/${orgId}/members`;
    const invite = (teamId: string) => page(members, cookie, { email: "new@invite.test", firstName: "New", teamId });
    const before = await tenantRows(orgId);

    // A provisioned team while its provider is on, another organization's team, no team at all.
    expect((await invite(provisioned.id)).status).toBe(403);
    expect((await invite(theirs.id)).status).toBe(404);
    expect((await invite("no-such-team")).status).toBe(404);
    // With provisioning off the provisioned team is editable, but still not one a manual member may join.
    await admin(`/organizations/${orgId}/scim`, { method: "PUT", json: { enabled: false } });
    const afterOff = await tenantRows(orgId);
    const refused = await invite(provisioned.id);
    expect(refused.status).toBe(422);
    expect(await refused.text()).toContain("cannot join the provisioned team Eng");
    expect(await tenantRows(orgId)).toEqual(afterOff);
    expect(before.members).toEqual(afterOff.members);

    // The team deleted between the check and the write (a trigger deletes it as the member is
    // inserted): the batch rolls back whole, and the page says the team is gone.
    await shardOf(orgId)
      .prepare(
        `CREATE TRIGGER delete_design AFTER INSERT ON members WHEN NEW.email = 'new@invite.test' BEGIN DELETE FROM teams WHERE id = '${design.id}'; END`,
      )
      .run();
    try {
      expect((await invite(design.id)).status).toBe(404);
    } finally {
      await shardOf(orgId).prepare("DROP TRIGGER delete_design").run();
    }
    expect(await tenantRows(orgId)).toEqual(afterOff);

    // A retry with a team it may join goes through: the member in the team, both entries logged.
    const again = (await (
      await admin(`/organizations/${orgId}/teams`, { method: "POST", json: { name: "Design again" } })
    ).json()) as { id: string };
    const invited = await invite(again.id);
    expect(invited.status).toBe(303);
    const member = (await (await admin(`/organizations/${orgId}/members?q=new@invite.test`)).json()) as any;
    expect(member.members).toHaveLength(1);
    expect(member.members[0].teams).toEqual([{ id: again.id, name: "Design again" }]);
    const actions = (await activity(orgId)).map((entry) => `${entry.action} ${entry.target_name}`);
    expect(actions).toEqual(
      expect.arrayContaining(["member.invited new@invite.test", "team.members_added Design again"]),
    );
    expect(invited.headers.get("Location")).toBe(`${members}?invited=${member.members[0].id}`);
  });

  it("shows success banners chosen by key, with names read from the database, never the query's text", async () => {
    const tenant = await createTenant();
    const orgId = tenant.orgId;
    const cookie = await signIn();
    const members = `/console/orgs/${orgId}/members`;
    const banner = async (path: string) =>
      /<p class="success" role="status">([^<]*)<\/p>/.exec(await (await page(path, cookie)).text())?.[1];

    const invited = await page(members, cookie, { email: "ada@banner.test" });
    expect(await banner(invited.headers.get("Location")!)).toBe("Invited ada@banner.test.");
    expect(await banner(`${members}?invited=${encodeURIComponent("Mallory <b>was</b> here")}`)).toBeUndefined();
    expect(await banner(`${members}?invited=${encodeURIComponent("ada@banner.test")}`)).toBeUndefined();

    // Okta's create of emails manual members hold: two conflicts, one linked and one dismissed.
    for (const email of ["link@banner.test", "drop@banner.test"]) {
      await admin(`/organizations/${orgId}/members`, { method: "POST", json: { email } });
      expect((await scim(tenant, "/Users", { method: "POST", json: user(email) })).status).toBe(409);
    }
    const { conflicts } = (await (await admin(`/organizations/${orgId}/conflicts`)).json()) as any;
    const idOf = (name: string) => conflicts.find((c: { targetName: string }) => c.targetName === name).id;
    const resolve = (id: string, form: Record<string, string>) =>
      page(`/console/orgs/${orgId}/conflicts/${id}/resolve`, cookie, form);
    const linked = await resolve(idOf("link@banner.test"), { action: "link", confirmed: "yes" });
    // Without script, a dismissal is asked about first, and only the confirmed form dismisses.
    const asked = await resolve(idOf("drop@banner.test"), { action: "dismiss" });
    expect(await asked.text()).toContain("Dismiss the conflict about drop@banner.test?");
    const open = (await (await admin(`/organizations/${orgId}/conflicts`)).json()) as any;
    expect(open.conflicts.map((c: { targetName: string }) => c.targetName)).toContain("drop@banner.test");
    const dismissed = await resolve(idOf("drop@banner.test"), { action: "dismiss", confirmed: "yes" });
    expect(await banner(linked.headers.get("Location")!)).toBe(
      "Linked link@banner.test: the member is now the one Okta provisions.",
    );
    expect(await banner(dismissed.headers.get("Location")!)).toBe("Dismissed the conflict about drop@banner.test.");
    const page_ = `/console/orgs/${orgId}/conflicts`;
    expect(await banner(`${page_}?linked=${encodeURIComponent("anyone you like")}`)).toBeUndefined();
    expect(await banner(`${page_}?dismissed=${encodeURIComponent("<i>x</i>")}`)).toBeUndefined();
    // The key must match what happened to that conflict.
    expect(await banner(`${page_}?dismissed=${idOf("link@banner.test")}`)).toBeUndefined();
  });
});

describe("console settings", () => {
  it("asks for confirmation itself when no script did, and a reloaded regeneration regenerates nothing", async () => {
    const tenant = await createTenant();
    const cookie = await signIn();
    const settings = `/console/orgs/${tenant.orgId}/settings`;
    const html = await (await page(settings, cookie)).text();
    const createdAt = /name="tokenCreatedAt" value="([^"]+)"/.exec(html)![1];

    const asked = await page(`${settings}/token`, cookie, { tokenCreatedAt: createdAt });
    expect(asked.status).toBe(200);
    const confirmation = await asked.text();
    expect(confirmation).toContain("Okta stops provisioning until the new token is entered there");
    expect(confirmation).toContain('name="confirmed" value="yes"');
    const listed = () =>
      call(`/scim/v2/${tenant.orgId}/Users`, { headers: { Authorization: `Bearer ${tenant.token}` } });
    expect((await listed()).status).toBe(200); // nothing regenerated yet

    const rotated = await page(`${settings}/token`, cookie, { tokenCreatedAt: createdAt, confirmed: "yes" });
    const token = /id="secret-token" type="text" readonly="" value="([^"]+)"/.exec(await rotated.text())?.[1];
    expect(token).toMatch(/^scim_/);
    expect(rotated.headers.get("Cache-Control")).toBe("no-store");
    expect((await listed()).status).toBe(401);

    // The same POST again (a reload): no second token, none shown.
    const again = await page(`${settings}/token`, cookie, { tokenCreatedAt: createdAt, confirmed: "yes" });
    const body = await again.text();
    expect(body).toContain("already regenerated");
    expect(body).not.toContain('id="secret-token"');
    const works = await call(`/scim/v2/${tenant.orgId}/Users`, { headers: { Authorization: `Bearer ${token}` } });
    expect(works.status).toBe(200);
  });

  it("turns provisioning off without script only once the provider's name is typed on the server's confirmation", async () => {
    const tenant = await createTenant();
    const cookie = await signIn();
    const settings = `/console/orgs/${tenant.orgId}/settings`;
    const listed = () =>
      call(`/scim/v2/${tenant.orgId}/Users`, { headers: { Authorization: `Bearer ${tenant.token}` } });
    const off = (extra: Record<string, string>) =>
      page(`${settings}/provisioning`, cookie, { provider: "okta", enabled: "off", ...extra });

    const asked = await off({});
    expect(asked.status).toBe(200);
    const confirmation = await asked.text();
    expect(confirmation).toContain("Turn Okta provisioning off?");
    expect(confirmation).toContain("Type <strong>Okta</strong> to confirm");
    expect(confirmation).toContain('name="confirmText"');

    const mistyped = await off({ confirmed: "yes", confirmText: "Entra" });
    expect(mistyped.status).toBe(400);
    expect(await mistyped.text()).toContain("That is not “Okta”. Type it exactly to confirm.");
    expect((await off({ confirmed: "yes" })).status).toBe(400);
    expect((await listed()).status).toBe(200); // still on

    const done = await off({ confirmed: "yes", confirmText: " okta " });
    expect(done.status).toBe(200);
    expect(await done.text()).toContain("Okta provisioning is off.");
    expect((await listed()).status).toBe(401);
  });

  it("warns when fewer than 5 % of the licences are left", async () => {
    const organization = await createOrganization(40);
    const cookie = await signIn();
    const settings = `/console/orgs/${organization.id}/settings`;
    await insertManualMembers(organization.id, 38, "l");
    let html = await (await page(settings, cookie)).text();
    expect(html).toContain("38 of 40 licences in use"); // 5 % left: no warning yet
    expect(html).not.toContain("left:");
    await admin(`/organizations/${organization.id}/members`, { method: "POST", json: { email: "last@lic.test" } });
    html = await (await page(settings, cookie)).text();
    expect(html).toContain("39 of 40 licences in use");
    expect(html).toContain("Only 1 licence is left");
  });
});
