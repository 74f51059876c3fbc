import { describe, expect, it } from "vitest";
import { activity, admin, createTenant, createUser, patchOp, scim, shardOf, type Tenant, user } from "../helpers";

const GROUP = "urn:ietf:params:scim:schemas:core:2.0:Group";

async function json(response: Response, status: number): Promise<any> {
  expect(response.status, await response.clone().text()).toBe(status);
  return response.json();
}

const invite = async (tenant: Tenant, email: string) =>
  json(
    await admin(`/organizations/${tenant.orgId}/members`, {
      method: "POST",
      json: { email, firstName: "Manual", lastName: "Member" },
    }),
    201,
  );

const conflicts = async (tenant: Tenant, status = "open") =>
  (await json(await admin(`/organizations/${tenant.orgId}/conflicts?status=${status}`), 200)).conflicts as any[];

const resolve = (tenant: Tenant, id: string, action: string) =>
  admin(`/organizations/${tenant.orgId}/conflicts/${id}/resolve`, { method: "POST", json: { action } });

const organization = async (tenant: Tenant) => json(await admin(`/organizations/${tenant.orgId}`), 200);

/** The request log's record of the latest request about a name (written by the consumer after the response). */
async function loggedFor(tenant: Tenant, q: string, count: number): Promise<any[]> {
  for (let waited = 0; waited < 10_000; waited += 50) {
    const page = await json(
      await admin(`/organizations/${tenant.orgId}/scim/requests?q=${encodeURIComponent(q)}`),
      200,
    );
    if (page.requests.length >= count) return page.requests;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`no ${count} request records about ${q}`);
}

describe("conflicts: a create refused because a manual member holds the email", () => {
  it("is in the request log and the conflicts list; linking makes the manual member the provisioned one", async () => {
    const tenant = await createTenant({ licenses: 5 });
    const manual = await invite(tenant, "jane@acme.test");
    const team = await json(
      await admin(`/organizations/${tenant.orgId}/teams`, { method: "POST", json: { name: "Support" } }),
      201,
    );
    await json(
      await admin(`/organizations/${tenant.orgId}/teams/${team.id}/members`, {
        method: "POST",
        json: { memberIds: [manual.id] },
      }),
      200,
    );
    const create = user("jane@acme.test", {
      name: { givenName: "Jane", familyName: "Doe" },
      externalId: "00u-jane",
      title: "Engineer",
    });
    const refused = await json(await scim(tenant, "/Users", { method: "POST", json: create }), 409);
    expect(refused.scimType).toBe("uniqueness");
    await json(await scim(tenant, "/Users", { method: "POST", json: create }), 409); // Okta retries

    const [logged] = await loggedFor(tenant, "jane@acme.test", 2);
    expect(logged).toMatchObject({
      operation: "create user",
      status: 409,
      outcome: "error",
      scimType: "uniqueness",
      userName: "jane@acme.test",
      externalId: "00u-jane",
    });
    expect(logged.detail).toContain("created manually");

    const [conflict] = await conflicts(tenant);
    expect(conflict).toMatchObject({
      orgId: tenant.orgId,
      kind: "email_held_by_manual_member",
      status: "open",
      targetType: "member",
      targetId: manual.id,
      targetName: "jane@acme.test",
      provider: "okta",
      occurrences: 2,
      actions: ["link", "dismiss"],
    });
    const licensesBefore = (await organization(tenant)).licensesUsed;

    const linked = await json(await resolve(tenant, conflict.id, "link"), 200);
    expect(linked).toMatchObject({ id: conflict.id, status: "linked", memberId: manual.id, actions: [] });
    expect((await conflicts(tenant)).map((c) => c.id)).not.toContain(conflict.id);
    expect((await conflicts(tenant, "linked")).map((c) => c.id)).toEqual([conflict.id]);

    // The member is now the provisioned one, with the IdP's profile, its team, and the same licence.
    const member = await json(await admin(`/organizations/${tenant.orgId}/members/${manual.id}`), 200);
    expect(member).toMatchObject({
      id: manual.id,
      source: "okta",
      provisioned: true,
      readOnly: true,
      firstName: "Jane",
      lastName: "Doe",
      status: "active",
      teams: [{ id: team.id, name: "Support" }],
    });
    expect((await organization(tenant)).licensesUsed).toBe(licensesBefore);

    // Okta looks the user up by userName before creating: it finds the linked member.
    const lookup = await json(
      await scim(tenant, `/Users?filter=${encodeURIComponent('userName eq "jane@acme.test"')}`),
      200,
    );
    expect(lookup.Resources.map((r: any) => r.id)).toEqual([manual.id]);
    expect(lookup.Resources[0]).toMatchObject({ externalId: "00u-jane", title: "Engineer", active: true });
    // And a retry of the same create answers with that member instead of a conflict.
    const retried = await json(await scim(tenant, "/Users", { method: "POST", json: create }), 201);
    expect(retried.id).toBe(manual.id);
    expect((await organization(tenant)).licensesUsed).toBe(licensesBefore);
    // Later SCIM updates apply to it.
    const patched = await json(
      await scim(tenant, `/Users/${manual.id}`, {
        method: "PATCH",
        json: patchOp({ op: "replace", path: "title", value: "Lead" }),
      }),
      200,
    );
    expect(patched.title).toBe("Lead");

    const entries = (await activity(tenant.orgId)).filter((e) => e.target_id === manual.id);
    const linkEntry = entries.find((e) => e.action === "conflict.linked");
    expect(linkEntry).toMatchObject({ actor: "admin", target_type: "member" });
    expect(JSON.parse(linkEntry!.changes!)).toEqual({ conflict: "email_held_by_manual_member", source: "okta" });
    const update = entries.find((e) => e.action === "member.updated" && e.changes?.includes("source"));
    expect(JSON.parse(update!.changes!).source).toEqual({ from: "manual", to: "okta" });

    const again = await json(await resolve(tenant, conflict.id, "link"), 409);
    expect(again.error.code).toBe("conflict_closed");
  });

  it("links only under the licence and email rules, leaving the conflict open when they refuse", async () => {
    const tenant = await createTenant({ licenses: 3 });
    const manual = await invite(tenant, "kim@acme.test");
    await json(await scim(tenant, "/Users", { method: "POST", json: user("kim@acme.test") }), 409);
    const [conflict] = await conflicts(tenant);
    expect(conflict.targetId).toBe(manual.id);
    // Meanwhile the admin moved that member to another address and invited someone else at the old one.
    const orgPath = `/organizations/${tenant.orgId}`;
    await json(
      await admin(`${orgPath}/members/${manual.id}`, { method: "PATCH", json: { email: "kim2@acme.test" } }),
      200,
    );
    await invite(tenant, "kim@acme.test");
    const refused = await json(await resolve(tenant, conflict.id, "link"), 409);
    expect(refused.error.code).toBe("email_taken");
    expect((await conflicts(tenant)).map((c) => c.id)).toEqual([conflict.id]);
    const unchanged = await json(await admin(`${orgPath}/members/${manual.id}`), 200);
    expect(unchanged).toMatchObject({ email: "kim2@acme.test", source: "manual", provisioned: false });

    // A deactivated manual member holds no licence; linking an active profile needs one.
    const idle = await invite(tenant, "lee@acme.test");
    await json(
      await admin(`/organizations/${tenant.orgId}/members/${idle.id}`, { method: "PATCH", json: { active: false } }),
      200,
    );
    await json(await scim(tenant, "/Users", { method: "POST", json: user("lee@acme.test") }), 409);
    const leeConflict = (await conflicts(tenant)).find((c) => c.targetId === idle.id);
    await json(await admin(`/organizations/${tenant.orgId}`, { method: "PATCH", json: { licenses: 2 } }), 200);
    const full = await json(await resolve(tenant, leeConflict.id, "link"), 403);
    expect(full.error.code).toBe("license_limit_reached");
    expect((await organization(tenant)).licensesUsed).toBe(2);
    expect((await conflicts(tenant)).map((c) => c.id)).toContain(leeConflict.id);
  });
});

describe("conflicts: no licence free, and edits made while provisioning was off", () => {
  it("lists a create refused for want of a licence with the count; a later create that goes through settles it", async () => {
    const tenant = await createTenant({ licenses: 1 });
    await createUser(tenant, "first@acme.test");
    await json(await scim(tenant, "/Users", { method: "POST", json: user("second@acme.test") }), 403);
    await json(await scim(tenant, "/Users", { method: "POST", json: user("third@acme.test") }), 403);
    const open = await conflicts(tenant);
    expect(open.map((c) => [c.kind, c.targetName, c.licenses, c.licensesUsed, c.actions])).toEqual([
      ["no_licence", "third@acme.test", 1, 1, ["dismiss"]],
      ["no_licence", "second@acme.test", 1, 1, ["dismiss"]],
    ]);
    expect((await json(await resolve(tenant, open[0].id, "link"), 422)).error.code).toBe("conflict_not_linkable");

    const dismissed = await json(await resolve(tenant, open[0].id, "dismiss"), 200);
    expect(dismissed).toMatchObject({ status: "dismissed", resolvedAt: expect.any(String) });
    const entry = (await activity(tenant.orgId)).find((e) => e.action === "conflict.dismissed");
    expect(entry).toMatchObject({ actor: "admin", target_name: "third@acme.test" });

    await json(await admin(`/organizations/${tenant.orgId}`, { method: "PATCH", json: { licenses: 3 } }), 200);
    await createUser(tenant, "second@acme.test");
    expect(await conflicts(tenant)).toEqual([]);
    expect((await conflicts(tenant, "resolved")).map((c) => c.targetName)).toEqual(["second@acme.test"]);
  });

  it("lists a provisioned member or team edited or deleted here while provisioning was off", async () => {
    const tenant = await createTenant();
    const member = await createUser(tenant, "pushed@acme.test");
    const group = await json(
      await scim(tenant, "/Groups", { method: "POST", json: { schemas: [GROUP], displayName: "Pushed" } }),
      201,
    );
    const manual = await invite(tenant, "hand@acme.test");
    await json(await admin(`/organizations/${tenant.orgId}/scim`, { method: "PUT", json: { enabled: false } }), 200);

    const orgPath = `/organizations/${tenant.orgId}`;
    await json(
      await admin(`${orgPath}/members/${member.id}`, { method: "PATCH", json: { email: "moved@acme.test" } }),
      200,
    );
    await json(await admin(`${orgPath}/members/${member.id}`, { method: "PATCH", json: { lastName: "X" } }), 200);
    await json(await admin(`${orgPath}/members/${manual.id}`, { method: "PATCH", json: { lastName: "Y" } }), 200);
    expect((await admin(`${orgPath}/teams/${group.id}`, { method: "DELETE" })).status).toBe(204);

    const open = await conflicts(tenant);
    expect(open.map((c) => [c.kind, c.targetType, c.targetId, c.occurrences, c.actions])).toEqual([
      ["deleted_while_off", "team", group.id, 1, ["dismiss"]],
      ["edited_while_off", "member", member.id, 2, ["dismiss"]],
    ]);
    expect(open[1].targetName).toBe("moved@acme.test");
    expect(open[1].detail).toContain("Okta");

    // A write that did not happen leaves no conflict behind.
    const stale = await admin(`${orgPath}/members/${crypto.randomUUID()}`, {
      method: "PATCH",
      json: { lastName: "Z" },
    });
    expect(stale.status).toBe(404);
    expect(await conflicts(tenant)).toHaveLength(2);
  });

  it("refuses bad requests with the admin error", async () => {
    const tenant = await createTenant();
    expect((await json(await admin(`/organizations/${tenant.orgId}/conflicts?status=new`), 400)).error.code).toBe(
      "invalid_request",
    );
    expect((await json(await resolve(tenant, crypto.randomUUID(), "link"), 404)).error.code).toBe("not_found");
    expect((await json(await resolve(tenant, crypto.randomUUID(), "merge"), 400)).error.code).toBe("invalid_request");
    expect((await admin("/organizations/nope/conflicts")).status).toBe(404);
    const rows = await shardOf(tenant.orgId)
      .prepare("SELECT count(*) AS n FROM conflicts WHERE org_id = ?")
      .bind(tenant.orgId)
      .first<{ n: number }>();
    expect(rows!.n).toBe(0);
  });
});

describe("conflicts: every refusal an admin must act on, and the identity provider settling them", () => {
  const settledEntries = async (tenant: Tenant) =>
    (await activity(tenant.orgId)).filter((e) => e.action === "conflict.settled").map((e) => [e.actor, e.target_name]);

  it("opens one for a create refused by the member quota; a create that goes through later settles it, logged", async () => {
    const tenant = await createTenant();
    const orgPath = `/organizations/${tenant.orgId}`;
    await json(await admin(orgPath, { method: "PATCH", json: { memberQuota: 1 } }), 200);
    await createUser(tenant, "first@acme.test");
    await json(await scim(tenant, "/Users", { method: "POST", json: user("over@acme.test") }), 403);
    const [open] = await conflicts(tenant);
    expect(open).toMatchObject({ kind: "member_quota", targetName: "over@acme.test", provider: "okta" });
    expect(open.detail).toContain("quota");
    expect(await settledEntries(tenant)).toEqual([]);

    await json(await admin(orgPath, { method: "PATCH", json: { memberQuota: 5 } }), 200);
    const created = await json(await scim(tenant, "/Users", { method: "POST", json: user("over@acme.test") }), 201);
    expect(await conflicts(tenant)).toEqual([]);
    expect((await conflicts(tenant, "resolved")).map((c) => [c.kind, c.targetName])).toEqual([
      ["member_quota", "over@acme.test"],
    ]);
    const entries = (await activity(tenant.orgId)).filter((e) => e.action === "conflict.settled");
    expect(entries).toMatchObject([{ actor: "scim:okta", target_id: created.id, target_name: "over@acme.test" }]);
  });

  it("opens one when a provisioned member holds the userName, naming that member; gone once the IdP creates it after all", async () => {
    const tenant = await createTenant();
    const holder = await createUser(tenant, "twin@acme.test");
    await json(await scim(tenant, "/Users", { method: "POST", json: user("Twin@acme.test") }), 409);
    const [open] = await conflicts(tenant);
    expect(open).toMatchObject({ kind: "name_taken", targetId: holder.id, targetName: "Twin@acme.test" });
    expect(open.detail).toBe("A member with the username Twin@acme.test already exists.");
    expect((await json(await resolve(tenant, open.id, "link"), 422)).error.code).toBe("conflict_not_linkable");

    expect((await scim(tenant, `/Users/${holder.id}`, { method: "DELETE" })).status).toBe(204);
    await json(await scim(tenant, "/Users", { method: "POST", json: user("Twin@acme.test") }), 201);
    expect(await conflicts(tenant)).toEqual([]);
    expect(await settledEntries(tenant)).toEqual([["scim:okta", "Twin@acme.test"]]);
  });

  it("opens one for a reactivation refused for want of a licence; the IdP's reactivation once one is free settles it", async () => {
    const tenant = await createTenant({ licenses: 1 });
    const orgPath = `/organizations/${tenant.orgId}`;
    await createUser(tenant, "holds@acme.test");
    const idle = await createUser(tenant, "idle@acme.test", { active: false });
    const reactivate = patchOp({ op: "replace", value: { active: true } });
    await json(await scim(tenant, `/Users/${idle.id}`, { method: "PATCH", json: reactivate }), 403);
    await json(await scim(tenant, `/Users/${idle.id}`, { method: "PATCH", json: reactivate }), 403);
    const [open] = await conflicts(tenant);
    expect(open).toMatchObject({
      kind: "reactivation_refused",
      targetId: idle.id,
      targetName: "idle@acme.test",
      licenses: 1,
      licensesUsed: 1,
      occurrences: 2,
      actions: ["dismiss"],
    });

    // The admin's own refused invitation is said to the admin at once: no conflict for it.
    const invited = await admin(`${orgPath}/members`, { method: "POST", json: { email: "manual@acme.test" } });
    expect(invited.status).toBe(403);
    expect(await conflicts(tenant)).toHaveLength(1);

    await json(await admin(orgPath, { method: "PATCH", json: { licenses: 2 } }), 200);
    await json(await scim(tenant, `/Users/${idle.id}`, { method: "PATCH", json: reactivate }), 200);
    expect(await conflicts(tenant)).toEqual([]);
    expect((await conflicts(tenant, "resolved")).map((c) => c.kind)).toEqual(["reactivation_refused"]);
    expect(await settledEntries(tenant)).toEqual([["scim:okta", "idle@acme.test"]]);
  });

  it("settles an edit made here while off when the IdP pushes the member again, and a delete when it creates it again", async () => {
    const tenant = await createTenant();
    const orgPath = `/organizations/${tenant.orgId}`;
    const edited = await createUser(tenant, "edited@acme.test");
    const deleted = await createUser(tenant, "deleted@acme.test");
    await json(await admin(`${orgPath}/scim`, { method: "PUT", json: { enabled: false } }), 200);
    await json(await admin(`${orgPath}/members/${edited.id}`, { method: "PATCH", json: { lastName: "Here" } }), 200);
    expect((await admin(`${orgPath}/members/${deleted.id}`, { method: "DELETE" })).status).toBe(204);
    expect((await conflicts(tenant)).map((c) => c.kind).sort()).toEqual(["deleted_while_off", "edited_while_off"]);

    const { token } = await json(
      await admin(`${orgPath}/scim`, { method: "PUT", json: { enabled: true, provider: "okta" } }),
      200,
    );
    const again = { ...tenant, token };
    // An update that does not go through (a stale version is not possible over SCIM; an unknown member is) settles nothing.
    expect(
      (await scim(again, `/Users/${crypto.randomUUID()}`, { method: "PUT", json: user("x@acme.test") })).status,
    ).toBe(404);
    expect(await conflicts(tenant)).toHaveLength(2);

    await json(await scim(again, `/Users/${edited.id}`, { method: "PUT", json: user("edited@acme.test") }), 200);
    expect((await conflicts(tenant)).map((c) => c.kind)).toEqual(["deleted_while_off"]);
    await json(await scim(again, "/Users", { method: "POST", json: user("deleted@acme.test") }), 201);
    expect(await conflicts(tenant)).toEqual([]);
    expect(await settledEntries(tenant)).toEqual([
      ["scim:okta", "edited@acme.test"],
      ["scim:okta", "deleted@acme.test"],
    ]);
  });
});
