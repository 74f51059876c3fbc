import { describe, expect, it } from "vitest";
import {
  activity,
  admin,
  createOrganization,
  createTenant,
  createUser,
  patchOp,
  scim,
  shardOf,
  type Tenant,
  user,
} from "../helpers";

const GROUP = "urn:ietf:params:scim:schemas:core:2.0:Group";

async function json(response: Response, status: number) {
  expect(response.status).toBe(status);
  return (await response.json()) as any;
}

const members = (orgId: string) => `/organizations/${orgId}/members`;
const teams = (orgId: string) => `/organizations/${orgId}/teams`;

async function invite(orgId: string, email: string, firstName = "Manual", lastName = "Member") {
  return json(await admin(members(orgId), { method: "POST", json: { email, firstName, lastName } }), 201);
}

async function manualTeam(orgId: string, name: string) {
  return json(await admin(teams(orgId), { method: "POST", json: { name } }), 201);
}

async function provisionedGroup(tenant: Tenant, displayName: string, memberIds: string[] = []) {
  return json(
    await scim(tenant, "/Groups", {
      method: "POST",
      json: { schemas: [GROUP], displayName, members: memberIds.map((value) => ({ value })) },
    }),
    201,
  );
}

const setScim = (orgId: string, enabled: boolean) =>
  admin(`/organizations/${orgId}/scim`, { method: "PUT", json: { enabled } });

describe("control panel members", () => {
  it("invites a manual member that takes a licence and is editable", async () => {
    const organization = await createOrganization(2);
    const member = await invite(organization.id, "Ann@Acme.test", "Ann", "Smith");
    expect(member).toEqual({
      id: expect.any(String),
      email: "Ann@Acme.test",
      firstName: "Ann",
      lastName: "Smith",
      source: "manual",
      provisioned: false,
      readOnly: false,
      status: "active",
      teams: [],
      createdAt: expect.any(String),
      updatedAt: expect.any(String),
    });
    expect(((await json(await admin(`/organizations/${organization.id}`), 200)) as any).licensesUsed).toBe(1);

    const taken = await json(
      await admin(members(organization.id), { method: "POST", json: { email: "ann@ACME.test" } }),
      409,
    );
    expect(taken.error.code).toBe("email_taken");

    const edited = await json(
      await admin(`${members(organization.id)}/${member.id}`, {
        method: "PATCH",
        json: { lastName: "Jones", email: "ann.jones@acme.test" },
      }),
      200,
    );
    expect(edited).toMatchObject({ firstName: "Ann", lastName: "Jones", email: "ann.jones@acme.test" });
    const off = await json(
      await admin(`${members(organization.id)}/${member.id}`, { method: "PATCH", json: { active: false } }),
      200,
    );
    expect(off.status).toBe("deactivated");
    expect((await admin(`${members(organization.id)}/${member.id}`, { method: "DELETE" })).status).toBe(204);
    expect((await admin(`${members(organization.id)}/${member.id}`)).status).toBe(404);

    const actions = (await activity(organization.id)).filter((a) => a.target_type === "member");
    expect(actions.map((a) => [a.action, a.actor])).toEqual([
      ["member.invited", "admin"],
      ["member.create_rejected", "admin"],
      ["member.updated", "admin"],
      ["member.deactivated", "admin"],
      ["member.deleted", "admin"],
    ]);
  });

  it("refuses invitations past the licence limit", async () => {
    const organization = await createOrganization(1);
    await invite(organization.id, "one@acme.test");
    const refused = await json(
      await admin(members(organization.id), { method: "POST", json: { email: "two@acme.test" } }),
      403,
    );
    expect(refused.error.code).toBe("license_limit_reached");
    const list = await json(await admin(members(organization.id)), 200);
    expect(list.members).toHaveLength(1);
  });

  it("keeps provisioned members read-only while SCIM is on, editable after it is off, source kept", async () => {
    const tenant = await createTenant();
    const provisioned = await createUser(tenant, "okta.user@acme.test");
    const path = `${members(tenant.orgId)}/${provisioned.id}`;

    const view = await json(await admin(path), 200);
    expect(view).toMatchObject({ source: "okta", provisioned: true, readOnly: true, email: "okta.user@acme.test" });
    for (const [method, body] of [
      ["PATCH", { firstName: "X" }],
      ["PATCH", { active: false }],
      ["DELETE", undefined],
    ] as const) {
      const refused = await json(await admin(path, { method, json: body }), 403);
      expect(refused.error.code).toBe("provisioned_read_only");
      expect(refused.error.message).toMatch(/identity provider/);
    }
    expect((await json(await admin(path), 200)).firstName).toBe("Given");

    await setScim(tenant.orgId, false);
    const editable = await json(await admin(path, { method: "PATCH", json: { firstName: "Edited" } }), 200);
    expect(editable).toMatchObject({ firstName: "Edited", source: "okta", provisioned: true, readOnly: false });
  });

  it("lists manual and provisioned members side by side, with search, filters and keyset pages", async () => {
    const tenant = await createTenant();
    await createUser(tenant, "zed@acme.test", { name: { givenName: "Zed", familyName: "Okta" } });
    await invite(tenant.orgId, "yan@acme.test", "Yan", "Manual");
    const deactivated = await createUser(tenant, "xia@acme.test");
    await scim(tenant, `/Users/${deactivated.id}`, {
      method: "PATCH",
      json: patchOp({ op: "replace", value: { active: false } }),
    });

    const all = await json(await admin(members(tenant.orgId)), 200);
    expect(all.members.map((m: any) => [m.email, m.source, m.status])).toEqual([
      ["zed@acme.test", "okta", "active"],
      ["yan@acme.test", "manual", "active"],
      ["xia@acme.test", "okta", "deactivated"],
    ]);
    expect(all.nextCursor).toBeNull();

    const query = async (q: string) =>
      (await json(await admin(`${members(tenant.orgId)}?${q}`), 200)).members.map((m: any) => m.email);
    expect(await query("source=manual")).toEqual(["yan@acme.test"]);
    expect(await query("status=deactivated")).toEqual(["xia@acme.test"]);
    expect(await query("q=OKTA")).toEqual(["zed@acme.test"]);
    expect(await query("q=yan")).toEqual(["yan@acme.test"]);
    expect(await query("q=%25")).toEqual([]);

    const first = await json(await admin(`${members(tenant.orgId)}?limit=2`), 200);
    expect(first.members).toHaveLength(2);
    const second = await json(
      await admin(`${members(tenant.orgId)}?limit=2&cursor=${encodeURIComponent(first.nextCursor)}`),
      200,
    );
    expect(second.members.map((m: any) => m.email)).toEqual(["xia@acme.test"]);
    expect(second.nextCursor).toBeNull();
  });

  it("answers bad input with a clear error and changes nothing", async () => {
    const a = await createOrganization();
    const b = await createOrganization();
    const member = await invite(a.id, "mine@acme.test");
    expect((await json(await admin(`${members(b.id)}/${member.id}`), 404)).error.code).toBe("not_found");
    expect((await admin(`${members(b.id)}/${member.id}`, { method: "PATCH", json: { firstName: "X" } })).status).toBe(
      404,
    );
    expect((await admin(`${members(b.id)}/${member.id}`, { method: "DELETE" })).status).toBe(404);
    expect((await admin(`${members("nope")}`)).status).toBe(404);
    for (const body of [{ email: "not-an-email" }, { email: "a@b.c", role: "owner" }, {}]) {
      expect((await json(await admin(members(a.id), { method: "POST", json: body }), 400)).error.code).toBe(
        "invalid_request",
      );
    }
    expect(
      (await json(await admin(`${members(a.id)}/${member.id}`, { method: "PATCH", json: {} }), 400)).error.code,
    ).toBe("invalid_request");
    expect((await json(await admin(`${members(a.id)}?status=gone`), 400)).error.code).toBe("invalid_request");
    expect((await json(await admin(`${members(a.id)}/${member.id}`), 200)).firstName).toBe("Manual");
  });
});

describe("control panel teams", () => {
  it("refuses a manual member in a provisioned team and accepts a provisioned member in a manual team", async () => {
    const tenant = await createTenant();
    const provisioned = await createUser(tenant, "prov@acme.test");
    const manual = await invite(tenant.orgId, "hand@acme.test");
    const group = await provisionedGroup(tenant, "Okta Group");
    const team = await manualTeam(tenant.orgId, "Hand Team");
    await setScim(tenant.orgId, false); // provisioned teams are editable only with SCIM off

    const refused = await json(
      await admin(`${teams(tenant.orgId)}/${group.id}/members`, { method: "POST", json: { memberIds: [manual.id] } }),
      422,
    );
    expect(refused.error.code).toBe("manual_member_in_provisioned_team");
    expect(refused.error.message).toContain("hand@acme.test");

    const accepted = await json(
      await admin(`${teams(tenant.orgId)}/${team.id}/members`, {
        method: "POST",
        json: { memberIds: [provisioned.id, manual.id] },
      }),
      200,
    );
    expect(accepted).toMatchObject({ name: "Hand Team", source: "manual", provisioned: false, memberCount: 2 });
    const detail = await json(await admin(`${teams(tenant.orgId)}/${team.id}`), 200);
    expect(detail.members.map((m: any) => m.email).sort()).toEqual(["hand@acme.test", "prov@acme.test"]);
    expect((await json(await admin(`${members(tenant.orgId)}/${provisioned.id}`), 200)).teams).toEqual([
      { id: team.id, name: "Hand Team" },
    ]);

    // The teams offered to a manual member are the manual ones only.
    const offered = await json(await admin(`${teams(tenant.orgId)}?assignableTo=${manual.id}`), 200);
    expect(offered.teams.map((t: any) => t.name)).toEqual(["Hand Team"]);
    const forProvisioned = await json(await admin(`${teams(tenant.orgId)}?assignableTo=${provisioned.id}`), 200);
    expect(forProvisioned.teams.map((t: any) => t.name)).toEqual(["Okta Group", "Hand Team"]);

    const removed = await json(
      await admin(`${teams(tenant.orgId)}/${team.id}/members/${manual.id}`, { method: "DELETE" }),
      200,
    );
    expect(removed.memberCount).toBe(1);
  });

  it("a provisioned member joins a manual team even while SCIM is on, and SCIM still cannot add a manual member", async () => {
    const tenant = await createTenant();
    const provisioned = await createUser(tenant, "p@acme.test");
    const manual = await invite(tenant.orgId, "m@acme.test");
    const team = await manualTeam(tenant.orgId, "Mixed");
    await json(
      await admin(`${teams(tenant.orgId)}/${team.id}/members`, {
        method: "POST",
        json: { memberIds: [provisioned.id] },
      }),
      200,
    );
    const group = await provisionedGroup(tenant, "Pushed", [provisioned.id]);
    const scimRefusal = await scim(tenant, `/Groups/${group.id}`, {
      method: "PATCH",
      json: patchOp({ op: "add", path: "members", value: [{ value: manual.id }] }),
    });
    expect(scimRefusal.status).toBe(400);
  });

  it("keeps provisioned teams read-only while SCIM is on and editable after, source kept", async () => {
    const tenant = await createTenant();
    const provisioned = await createUser(tenant, "p@acme.test");
    const group = await provisionedGroup(tenant, "Pushed", [provisioned.id]);
    const path = `${teams(tenant.orgId)}/${group.id}`;
    expect(await json(await admin(path), 200)).toMatchObject({
      source: "okta",
      provisioned: true,
      readOnly: true,
      memberCount: 1,
    });
    for (const [method, suffix, body] of [
      ["PATCH", "", { name: "X" }],
      ["DELETE", "", undefined],
      ["POST", "/members", { memberIds: [provisioned.id] }],
      ["DELETE", `/members/${provisioned.id}`, undefined],
    ] as const) {
      expect((await json(await admin(`${path}${suffix}`, { method, json: body }), 403)).error.code).toBe(
        "provisioned_read_only",
      );
    }
    await setScim(tenant.orgId, false);
    const renamed = await json(await admin(path, { method: "PATCH", json: { name: "Renamed" } }), 200);
    expect(renamed).toMatchObject({ name: "Renamed", source: "okta", provisioned: true, readOnly: false });
  });

  it("lists manual and provisioned teams side by side, refuses duplicate names and bad input", async () => {
    const tenant = await createTenant();
    await provisionedGroup(tenant, "Alpha");
    const beta = await manualTeam(tenant.orgId, "Beta");
    const list = await json(await admin(teams(tenant.orgId)), 200);
    expect(list.teams.map((t: any) => [t.name, t.source, t.readOnly])).toEqual([
      ["Alpha", "okta", true],
      ["Beta", "manual", false],
    ]);
    const page = await json(await admin(`${teams(tenant.orgId)}?limit=1`), 200);
    const next = await json(
      await admin(`${teams(tenant.orgId)}?limit=1&cursor=${encodeURIComponent(page.nextCursor)}`),
      200,
    );
    expect(next.teams.map((t: any) => t.name)).toEqual(["Beta"]);

    expect(
      (await json(await admin(teams(tenant.orgId), { method: "POST", json: { name: "alpha" } }), 409)).error.code,
    ).toBe("display_name_taken");
    expect((await json(await admin(teams(tenant.orgId), { method: "POST", json: { name: "" } }), 400)).error.code).toBe(
      "invalid_request",
    );
    const other = await createTenant();
    const foreign = await createUser(other, "foreign@acme.test");
    const unknown = await json(
      await admin(`${teams(tenant.orgId)}/${beta.id}/members`, { method: "POST", json: { memberIds: [foreign.id] } }),
      400,
    );
    expect(unknown.error.code).toBe("unknown_members");
    expect((await json(await admin(`${teams(tenant.orgId)}/${beta.id}`), 200)).memberCount).toBe(0);
    expect((await admin(`${teams(other.orgId)}/${beta.id}`)).status).toBe(404);

    await admin(`${teams(tenant.orgId)}/${beta.id}`, { method: "PATCH", json: { name: "Gamma" } });
    await admin(`${teams(tenant.orgId)}/${beta.id}`, { method: "DELETE" });
    const actions = (await activity(tenant.orgId))
      .filter((a) => a.actor === "admin" && a.target_type === "team")
      .map((a) => a.action);
    expect(actions).toEqual(["team.created", "team.updated", "team.deleted"]);
  });
});

describe("SCIM settings", () => {
  it("shows the settings, counts and the read-only notice, never the token", async () => {
    const organization = await createOrganization();
    const before = await json(await admin(`/organizations/${organization.id}/scim`), 200);
    expect(before).toMatchObject({ enabled: false, provisionedMembers: 0, provisionedTeams: 0, readOnlyNotice: false });

    const enabled = (await json(await setScim(organization.id, true), 200)) as any;
    const tenant = { orgId: organization.id, token: enabled.token, tenantUrl: enabled.tenantUrl };
    await createUser(tenant, "counted@acme.test");
    await invite(organization.id, "manual@acme.test");
    await provisionedGroup(tenant, "Counted");
    const settings = (await json(await admin(`/organizations/${organization.id}/scim`), 200)) as any;
    // The connection's health comes from the request log's counters (see scim-requests.test.ts).
    const { lastRequestAt, lastSuccessAt, lastErrorAt, requestsLast24h, errorsLast24h, ...rest } = settings;
    const { tokenLastUsedAt, staleTokenAttempts, warnings, ...configuration } = rest;
    expect(configuration).toEqual({
      enabled: true,
      provider: "okta",
      tenantUrl: enabled.tenantUrl,
      tokenCreatedAt: expect.any(String),
      provisionedMembers: 1,
      provisionedTeams: 1,
      readOnlyNotice: true,
    });
    expect({ staleTokenAttempts, warnings, lastErrorAt, errorsLast24h }).toEqual({
      staleTokenAttempts: 0,
      warnings: [],
      lastErrorAt: null,
      errorsLast24h: 0,
    });
    expect(requestsLast24h).toBeLessThanOrEqual(2);
    expect([lastRequestAt, lastSuccessAt, tokenLastUsedAt].every((t) => t === null || typeof t === "string")).toBe(
      true,
    );
    expect(JSON.stringify(settings)).not.toContain(enabled.token);
  });

  it("shows the read-only notice only while provisioning is on, as the console does", async () => {
    const tenant = await createTenant();
    await createUser(tenant, "notice@acme.test");
    const settings = (enabled: boolean) =>
      expect.objectContaining({ enabled, provisionedMembers: 1, readOnlyNotice: enabled });
    expect(await json(await admin(`/organizations/${tenant.orgId}/scim`), 200)).toEqual(settings(true));
    // Off, provisioned members are editable: nothing is read-only, though they keep their marker.
    await setScim(tenant.orgId, false);
    expect(await json(await admin(`/organizations/${tenant.orgId}/scim`), 200)).toEqual(settings(false));
  });

  it("after editing provisioned data with SCIM off, a re-created duplicate is a 409 logged for the admin", async () => {
    const tenant = await createTenant();
    const provisioned = await createUser(tenant, "dup@acme.test");
    await setScim(tenant.orgId, false);
    await admin(`${members(tenant.orgId)}/${provisioned.id}`, {
      method: "PATCH",
      json: { email: "changed@acme.test" },
    });
    await invite(tenant.orgId, "dup@acme.test");
    const on = await json(await setScim(tenant.orgId, true), 200);
    const again = await scim({ ...tenant, token: on.token }, "/Users", { method: "POST", json: user("dup@acme.test") });
    expect(again.status).toBe(409);
    const rejected = (await activity(tenant.orgId)).filter((a) => a.action === "member.create_rejected");
    expect(rejected).toHaveLength(1);
    const count = await shardOf(tenant.orgId)
      .prepare("SELECT count(*) AS n FROM members WHERE org_id = ?")
      .bind(tenant.orgId)
      .first<{ n: number }>();
    expect(count!.n).toBe(2);
  });
});
