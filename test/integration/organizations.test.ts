import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import {
  activity,
  admin,
  call,
  createOrganization,
  createTenant,
  createUser,
  ORIGIN,
  scim,
  shardOf,
  user,
} from "../helpers";

describe("admin authentication", () => {
  it("refuses a missing or wrong admin token with a JSON error", async () => {
    for (const token of [undefined, "wrong", ""]) {
      const response = await call("/admin/v1/organizations", {
        method: "POST",
        token,
        json: { name: "X", licenses: 1 },
      });
      expect(response.status).toBe(401);
      expect(await response.json()).toEqual({ error: { code: "unauthorized", message: expect.any(String) } });
    }
  });

  it("accepts the bearer scheme in any case", async () => {
    const response = await call("/admin/v1/organizations", {
      method: "POST",
      headers: { Authorization: `bEaReR ${env.ADMIN_TOKEN}` },
      json: { name: "Case", licenses: 1 },
    });
    expect(response.status).toBe(201);
  });
});

describe("organizations", () => {
  it("creates, reads and updates an organization", async () => {
    const created = await createOrganization(50, "Acme");
    expect(created).toEqual({
      id: expect.stringMatching(/^s[01]-/),
      name: "Acme",
      shard: expect.any(Number),
      licenses: 50,
      licensesUsed: 0,
      memberQuota: 250_000,
      memberCount: 0,
      scim: { enabled: false },
    });

    const read = await admin(`/organizations/${created.id}`);
    expect(read.status).toBe(200);
    expect(await read.json()).toEqual(created);

    const updated = await admin(`/organizations/${created.id}`, {
      method: "PATCH",
      json: { name: "Acme Inc", licenses: 60 },
    });
    expect(updated.status).toBe(200);
    expect(await updated.json()).toMatchObject({ name: "Acme Inc", licenses: 60 });

    const actions = (await activity(created.id)).map((a) => a.action);
    expect(actions).toEqual(["organization.created", "organization.updated"]);
  });

  it("rejects malformed bodies with a clear error and writes nothing", async () => {
    const bad: [unknown, string][] = [
      [{ name: "", licenses: 5 }, "invalid_request"],
      [{ name: "A", licenses: -1 }, "invalid_request"],
      [{ name: "A", licenses: 1.5 }, "invalid_request"],
      [{ name: "A" }, "invalid_request"],
      [{ name: "A", licenses: 5, extra: true }, "invalid_request"],
    ];
    for (const [json, code] of bad) {
      const response = await admin("/organizations", { method: "POST", json });
      expect(response.status).toBe(400);
      expect(((await response.json()) as any).error.code).toBe(code);
    }
    const malformed = await admin("/organizations", {
      method: "POST",
      body: "{nope",
      headers: { "Content-Type": "application/json" },
    });
    expect(malformed.status).toBe(400);
    expect(((await malformed.json()) as any).error.code).toBe("invalid_json");
  });

  it("answers 404 for an unknown organization", async () => {
    const response = await admin("/organizations/nope");
    expect(response.status).toBe(404);
    expect(((await response.json()) as any).error.code).toBe("not_found");
  });

  it("never lowers licences below those in use", async () => {
    const tenant = await createTenant({ licenses: 3 });
    await createUser(tenant, "a@acme.test");
    await createUser(tenant, "b@acme.test");
    const refused = await admin(`/organizations/${tenant.orgId}`, { method: "PATCH", json: { licenses: 1 } });
    expect(refused.status).toBe(409);
    expect(await refused.json()).toEqual({
      error: { code: "licenses_below_used", message: expect.stringContaining("2 in use") },
    });
    const read = (await (await admin(`/organizations/${tenant.orgId}`)).json()) as any;
    expect(read).toMatchObject({ licenses: 3, licensesUsed: 2 });
    const lowered = await admin(`/organizations/${tenant.orgId}`, { method: "PATCH", json: { licenses: 2 } });
    expect(lowered.status).toBe(200);
  });
});

describe("member quota", () => {
  it("holds an organization to its quota, inactive and manual members included, writing nothing beyond", async () => {
    const created = await admin("/organizations", {
      method: "POST",
      json: { name: "Small", licenses: 9, memberQuota: 3 },
    });
    expect(created.status).toBe(201);
    expect(await created.json()).toMatchObject({ memberQuota: 3, memberCount: 0 });
    const tenant = await createTenant({ licenses: 50 });
    expect((await admin(`/organizations/${tenant.orgId}`, { method: "PATCH", json: { memberQuota: 3 } })).status).toBe(
      200,
    );
    await createUser(tenant, "active@acme.test");
    await createUser(tenant, "inactive@acme.test", { active: false });
    const invited = await admin(`/organizations/${tenant.orgId}/members`, {
      method: "POST",
      json: { email: "manual@acme.test", firstName: "Man", lastName: "Ual" },
    });
    expect(invited.status).toBe(201);
    const members = () =>
      shardOf(tenant.orgId)
        .prepare("SELECT count(*) AS n FROM members WHERE org_id = ?")
        .bind(tenant.orgId)
        .first<number>("n");
    expect(await members()).toBe(3);

    const refused = await scim(tenant, "/Users", { method: "POST", json: user("fourth@acme.test", { active: false }) });
    expect(refused.status).toBe(403);
    expect(await refused.json()).toMatchObject({ detail: expect.stringContaining("quota of 3") });
    const refusedInvite = await admin(`/organizations/${tenant.orgId}/members`, {
      method: "POST",
      json: { email: "manual2@acme.test", firstName: "Man", lastName: "Ual" },
    });
    expect(refusedInvite.status).toBe(403);
    expect(((await refusedInvite.json()) as any).error.code).toBe("member_quota_reached");
    expect(await members()).toBe(3);
    const rejected = (await activity(tenant.orgId)).filter((entry) => entry.action === "member.create_rejected");
    expect(rejected.map((entry) => [entry.actor, JSON.parse(entry.changes!).reason]).sort()).toEqual([
      ["admin", "member_quota_reached"],
      ["scim:okta", "member_quota_reached"],
    ]);

    const lowered = await admin(`/organizations/${tenant.orgId}`, { method: "PATCH", json: { memberQuota: 2 } });
    expect(lowered.status).toBe(409);
    expect(((await lowered.json()) as any).error.code).toBe("member_quota_below_members");
    const raised = await admin(`/organizations/${tenant.orgId}`, { method: "PATCH", json: { memberQuota: 4 } });
    expect(await raised.json()).toMatchObject({ memberQuota: 4, memberCount: 3 });
    expect((await scim(tenant, "/Users", { method: "POST", json: user("fourth@acme.test") })).status).toBe(201);
  });

  it("never exceeds the quota under concurrent creates, and a delete frees a place", async () => {
    const tenant = await createTenant({ licenses: 50 });
    await admin(`/organizations/${tenant.orgId}`, { method: "PATCH", json: { memberQuota: 3 } });
    const responses = await Promise.all(
      Array.from({ length: 8 }, (_, i) => scim(tenant, "/Users", { method: "POST", json: user(`q${i}@acme.test`) })),
    );
    expect(responses.map((r) => r.status).sort()).toEqual([201, 201, 201, 403, 403, 403, 403, 403]);
    const first = (await responses.find((r) => r.status === 201)!.json()) as any;
    expect((await scim(tenant, `/Users/${first.id}`, { method: "DELETE" })).status).toBe(204);
    expect((await (await admin(`/organizations/${tenant.orgId}`)).json()) as any).toMatchObject({ memberCount: 2 });
    expect((await scim(tenant, "/Users", { method: "POST", json: user("after-delete@acme.test") })).status).toBe(201);
  });

  it("refuses a quota that is not a non-negative integer", async () => {
    const tenant = await createTenant();
    for (const memberQuota of [-1, 1.5, "10", null]) {
      const response = await admin(`/organizations/${tenant.orgId}`, { method: "PATCH", json: { memberQuota } });
      expect(response.status, String(memberQuota)).toBe(400);
    }
  });
});

describe("SCIM settings and tokens", () => {
  it("enables provisioning with a one-time token and a tenant URL", async () => {
    const organization = await createOrganization();
    const response = await admin(`/organizations/${organization.id}/scim`, { method: "PUT", json: { enabled: true } });
    expect(response.status).toBe(200);
    const body = (await response.json()) as any;
    expect(body).toEqual({
      enabled: true,
      provider: "okta",
      tenantUrl: `${ORIGIN}/scim/v2/${organization.id}`,
      token: expect.stringMatching(/^scim_[A-Za-z0-9_-]{43}$/),
    });

    // Only a hash is stored.
    const row = await shardOf(organization.id)
      .prepare("SELECT scim_token_hash FROM organizations WHERE id = ?")
      .bind(organization.id)
      .first<any>();
    expect(row.scim_token_hash).toMatch(/^[0-9a-f]{64}$/);
    expect(row.scim_token_hash).not.toContain(body.token);

    // Enabling again shows the settings without a token.
    const again = await admin(`/organizations/${organization.id}/scim`, { method: "PUT", json: { enabled: true } });
    expect(await again.json()).toEqual({ enabled: true, provider: "okta", tenantUrl: body.tenantUrl });

    const read = await (await admin(`/organizations/${organization.id}`)).json();
    expect(read).toMatchObject({ scim: { enabled: true, provider: "okta" } });
  });

  it("accepts entra and generic providers and rejects others", async () => {
    const organization = await createOrganization();
    const bad = await admin(`/organizations/${organization.id}/scim`, {
      method: "PUT",
      json: { enabled: true, provider: "onelogin" },
    });
    expect(bad.status).toBe(400);
    const entra = await admin(`/organizations/${organization.id}/scim`, {
      method: "PUT",
      json: { enabled: true, provider: "entra" },
    });
    expect(await entra.json()).toMatchObject({ enabled: true, provider: "entra" });
  });

  it("rotating the token cancels the old one at once", async () => {
    const tenant = await createTenant();
    expect((await scim(tenant, "/Users")).status).toBe(200);
    const rotated = await admin(`/organizations/${tenant.orgId}/scim/token`, { method: "POST" });
    expect(rotated.status).toBe(200);
    const { token, tenantUrl } = (await rotated.json()) as any;
    expect(tenantUrl).toBe(tenant.tenantUrl);
    expect(token).not.toBe(tenant.token);
    expect((await scim(tenant, "/Users")).status).toBe(401);
    expect((await scim({ ...tenant, token }, "/Users")).status).toBe(200);
  });

  it("disabling provisioning refuses every SCIM request; re-enabling issues a new token", async () => {
    const tenant = await createTenant();
    await createUser(tenant, "kept@acme.test");
    const off = await admin(`/organizations/${tenant.orgId}/scim`, { method: "PUT", json: { enabled: false } });
    expect(await off.json()).toEqual({ enabled: false });
    for (const path of ["/Users", "/ServiceProviderConfig", "/Groups"]) {
      const response = await scim(tenant, path);
      expect(response.status).toBe(401);
      expect(((await response.json()) as any).status).toBe("401");
    }
    const rotateWhileOff = await admin(`/organizations/${tenant.orgId}/scim/token`, { method: "POST" });
    expect(rotateWhileOff.status).toBe(404);

    const on = (await (
      await admin(`/organizations/${tenant.orgId}/scim`, { method: "PUT", json: { enabled: true } })
    ).json()) as any;
    expect(on.token).toEqual(expect.any(String));
    expect(on.token).not.toBe(tenant.token);
    expect((await scim(tenant, "/Users")).status).toBe(401);
    const list = (await (await scim({ ...tenant, token: on.token }, "/Users")).json()) as any;
    expect(list.totalResults).toBe(1); // disabling kept the member

    const actions = (await activity(tenant.orgId)).map((a) => a.action);
    expect(actions).toEqual([
      "organization.created",
      "scim.enabled",
      "member.created",
      "scim.disabled",
      "scim.enabled",
    ]);
  });

  it("a token opens only its own tenant", async () => {
    const a = await createTenant();
    const b = await createTenant();
    const response = await scim({ ...b, token: a.token }, "/Users");
    expect(response.status).toBe(401);
    const unknownTenant = await scim({ ...a, orgId: "no-such-org" }, "/Users");
    expect(unknownTenant.status).toBe(401);
  });

  it("never shows the token in activity entries or logs", async () => {
    const tenant = await createTenant();
    const rows = await shardOf(tenant.orgId)
      .prepare("SELECT * FROM activity_log WHERE org_id = ?")
      .bind(tenant.orgId)
      .all();
    expect(JSON.stringify(rows.results)).not.toContain(tenant.token);
  });
});
