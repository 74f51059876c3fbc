import { describe, expect, it } from "vitest";
import {
  activity,
  createTenant,
  createUser,
  ENTERPRISE,
  patchOp,
  scim,
  shardOf,
  type Tenant,
  tenantRows,
  USER_SCHEMA,
} from "../helpers";

const read = async (tenant: Tenant, id: string) => (await (await scim(tenant, `/Users/${id}`)).json()) as any;
const patch = (tenant: Tenant, id: string, ...operations: unknown[]) =>
  scim(tenant, `/Users/${id}`, { method: "PATCH", json: patchOp(...operations) });

describe("PUT /Users/{id}", () => {
  it("takes back Okta's whole object with id, non-ISO meta, groups and password", async () => {
    const tenant = await createTenant();
    const created = await createUser(tenant, "put@acme.test", { title: "Engineer", nickName: "P" });
    const body = {
      ...created,
      name: { givenName: "Renamed", familyName: "Family" },
      title: "Lead",
      nickName: undefined,
      groups: [{ value: "x" }],
      password: "n3wPassw0rd",
      meta: { created: "Mon Nov 02 2026", lastModified: "yesterday" },
    };
    const response = await scim(tenant, `/Users/${created.id}`, { method: "PUT", json: body });
    expect(response.status).toBe(200);
    const updated = (await response.json()) as any;
    expect(updated).toMatchObject({ id: created.id, title: "Lead", name: { givenName: "Renamed" } });
    expect(updated).not.toHaveProperty("nickName");
    expect(updated).not.toHaveProperty("password");
    expect(updated.meta.created).toBe(created.meta.created);
    expect(updated.meta.version).toBe('W/"2"');
    expect(response.headers.get("ETag")).toBe('W/"2"');

    const [entry] = (await activity(tenant.orgId)).filter((a) => a.action === "member.updated");
    const changes = JSON.parse(entry.changes!);
    expect(changes.title).toEqual({ from: "Engineer", to: "Lead" });
    expect(JSON.stringify(changes)).not.toContain("n3wPassw0rd");
  });

  it("deactivates with active:false in a PUT, as Okta's wizard integrations do", async () => {
    const tenant = await createTenant();
    const created = await createUser(tenant, "wizard@acme.test");
    const response = await scim(tenant, `/Users/${created.id}`, { method: "PUT", json: { ...created, active: false } });
    expect(((await response.json()) as any).active).toBe(false);
    expect((await activity(tenant.orgId)).map((a) => a.action)).toContain("member.deactivated");
  });

  it("honours If-Match and answers 404 for unknown users", async () => {
    const tenant = await createTenant();
    const created = await createUser(tenant, "etag@acme.test");
    const stale = await scim(tenant, `/Users/${created.id}`, {
      method: "PUT",
      json: created,
      headers: { "If-Match": 'W/"7"' },
    });
    expect(stale.status).toBe(412);
    const current = await scim(tenant, `/Users/${created.id}`, {
      method: "PUT",
      json: created,
      headers: { "If-Match": 'W/"1"' },
    });
    expect(current.status).toBe(200);
    const missing = await scim(tenant, `/Users/${crypto.randomUUID()}`, { method: "PUT", json: created });
    expect(missing.status).toBe(404);
  });

  it("re-applies a PUT without If-Match that races other writes: every PUT and PATCH succeeds, none is lost", async () => {
    const tenant = await createTenant();
    const created = await createUser(tenant, "race-put@acme.test");
    const puts = Array.from({ length: 6 }, (_, i) =>
      scim(tenant, `/Users/${created.id}`, { method: "PUT", json: { ...created, title: `put-${i}` } }),
    );
    const patches = Array.from({ length: 6 }, (_, i) =>
      patch(tenant, created.id, { op: "replace", path: "nickName", value: `patch-${i}` }),
    );
    const responses = await Promise.all([...puts, ...patches]);
    expect(responses.map((r) => r.status)).toEqual(Array(12).fill(200));
    const user = await read(tenant, created.id);
    expect(user.meta.version).toBe('W/"13"'); // twelve writes, each on the version before it
    expect(user.title).toMatch(/^put-\d$/);
    const updates = (await activity(tenant.orgId)).filter((entry) => entry.action === "member.updated");
    expect(updates).toHaveLength(12);
  });

  it("refuses taking another member's userName", async () => {
    const tenant = await createTenant();
    await createUser(tenant, "taken@acme.test");
    const other = await createUser(tenant, "other@acme.test");
    const response = await scim(tenant, `/Users/${other.id}`, {
      method: "PUT",
      json: { ...other, userName: "Taken@acme.test", emails: [{ value: "taken2@acme.test", primary: true }] },
    });
    expect(response.status).toBe(409);
    expect(await response.json()).toMatchObject({ scimType: "uniqueness" });
    expect((await read(tenant, other.id)).userName).toBe("other@acme.test");
  });
});

describe("PATCH /Users/{id}", () => {
  it("deactivates and reactivates with Okta's path-less replace", async () => {
    const tenant = await createTenant();
    const created = await createUser(tenant, "okta@acme.test");
    const off = await patch(tenant, created.id, { op: "replace", value: { active: false } });
    expect(off.status).toBe(200);
    expect(await off.json()).toMatchObject({ id: created.id, active: false, userName: "okta@acme.test" });
    const on = await patch(tenant, created.id, { op: "replace", value: { active: true } });
    expect(((await on.json()) as any).active).toBe(true);
    const actions = (await activity(tenant.orgId)).map((a) => a.action);
    expect(actions.slice(-2)).toEqual(["member.deactivated", "member.reactivated"]);
  });

  it("applies Entra's quirks: capitalised ops, string booleans, value paths, path keys, manager", async () => {
    const tenant = await createTenant({ provider: "entra" });
    const created = await createUser(tenant, "entra@acme.test", {
      emails: [{ type: "home", value: "entra@home.test" }],
    });

    expect((await patch(tenant, created.id, { op: "Replace", path: "active", value: "False" })).status).toBe(200);
    expect((await read(tenant, created.id)).active).toBe(false);
    await patch(tenant, created.id, { op: "Replace", path: "active", value: "True" });
    expect((await read(tenant, created.id)).active).toBe(true);

    // No work email yet: the value path creates one.
    const email = await patch(tenant, created.id, {
      op: "Replace",
      path: 'emails[type eq "work"].value',
      value: "new@acme.test",
    });
    expect(email.status).toBe(200);
    expect((await read(tenant, created.id)).emails).toEqual([
      { type: "home", value: "entra@home.test" },
      { type: "work", value: "new@acme.test" },
    ]);
    const byWork = (await (
      await scim(tenant, `/Users?filter=${encodeURIComponent('emails[type eq "work"].value eq "new@acme.test"')}`)
    ).json()) as any;
    expect(byWork.Resources.map((r: any) => r.id)).toEqual([created.id]);

    await patch(tenant, created.id, {
      op: "replace",
      value: { "name.givenName": "Grace", [`${ENTERPRISE}:employeeNumber`]: "7" },
    });
    await patch(tenant, created.id, { op: "Add", path: `${ENTERPRISE}:manager`, value: "manager-id-1" });
    let user = await read(tenant, created.id);
    expect(user.name.givenName).toBe("Grace");
    expect(user[ENTERPRISE]).toEqual({ employeeNumber: "7", manager: { value: "manager-id-1" } });
    expect(user.schemas).toContain(ENTERPRISE);

    await patch(tenant, created.id, { op: "Add", path: `${ENTERPRISE}:manager`, value: { value: "manager-id-2" } });
    user = await read(tenant, created.id);
    expect(user[ENTERPRISE].manager).toEqual({ value: "manager-id-2" });

    await patch(
      tenant,
      created.id,
      { op: "Add", path: "externalId", value: "ext-1" },
      { op: "Add", path: "externalId", value: "ext-2" },
    );
    expect((await read(tenant, created.id)).externalId).toBe("ext-2");

    await patch(tenant, created.id, { op: "Remove", path: `${ENTERPRISE}:manager` });
    expect((await read(tenant, created.id))[ENTERPRISE].manager).toBeUndefined();
  });

  it("applies all operations or none", async () => {
    const tenant = await createTenant();
    const created = await createUser(tenant, "atomic@acme.test", { title: "Before" });
    const response = await patch(
      tenant,
      created.id,
      { op: "replace", path: "title", value: "After" },
      { op: "replace", path: "noSuchAttribute", value: "x" },
    );
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ status: "400", scimType: "invalidPath" });
    const user = await read(tenant, created.id);
    expect(user.title).toBe("Before");
    expect(user.meta.version).toBe('W/"1"');
  });

  it("validates the PatchOp envelope", async () => {
    const tenant = await createTenant();
    const created = await createUser(tenant, "envelope@acme.test");
    const cases: [unknown, string][] = [
      [{ schemas: ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], Operations: [] }, "invalidValue"],
      [{ schemas: [USER_SCHEMA], Operations: [{ op: "replace", value: { title: "x" } }] }, "invalidValue"],
      [{ schemas: ["urn:ietf:params:scim:api:messages:2.0:PatchOp"] }, "invalidSyntax"],
      [patchOp({ op: "explode", path: "title", value: "x" }), "invalidSyntax"],
    ];
    for (const [json, scimType] of cases) {
      const response = await scim(tenant, `/Users/${created.id}`, { method: "PATCH", json });
      expect(response.status, JSON.stringify(json)).toBe(400);
      expect(((await response.json()) as any).scimType, JSON.stringify(json)).toBe(scimType);
    }
    expect((await read(tenant, created.id)).meta.version).toBe('W/"1"');
  });

  it("refuses more than 1,000 operations with 413 naming the limit, and applies none", async () => {
    const tenant = await createTenant();
    const created = await createUser(tenant, "many-ops@acme.test", { title: "Before" });
    const operations = (count: number) =>
      Array.from({ length: count }, (_, i) => ({ op: "replace", path: "title", value: `T${i}` }));
    const refused = await patch(tenant, created.id, ...operations(1001));
    expect(refused.status).toBe(413);
    expect(await refused.json()).toMatchObject({ status: "413", detail: expect.stringContaining("at most 1000") });
    expect(await read(tenant, created.id)).toMatchObject({ title: "Before", meta: { version: 'W/"1"' } });
    const accepted = await patch(tenant, created.id, ...operations(1000));
    expect(accepted.status).toBe(200);
    expect(await accepted.json()).toMatchObject({ title: "T999", meta: { version: 'W/"2"' } });
  });

  it("loses no change when PATCHes of one user race", async () => {
    const tenant = await createTenant();
    const created = await createUser(tenant, "race-patch@acme.test", { emails: [] });
    const responses = await Promise.all(
      Array.from({ length: 6 }, (_, i) =>
        patch(tenant, created.id, { op: "add", path: "emails", value: [{ value: `e${i}@acme.test`, type: `t${i}` }] }),
      ),
    );
    expect(responses.map((r) => r.status)).toEqual([200, 200, 200, 200, 200, 200]);
    const user = await read(tenant, created.id);
    expect(user.emails.map((e: any) => e.value).sort()).toEqual([
      "e0@acme.test",
      "e1@acme.test",
      "e2@acme.test",
      "e3@acme.test",
      "e4@acme.test",
      "e5@acme.test",
    ]);
    expect(user.meta.version).toBe('W/"7"');
  });
});

describe("DELETE /Users/{id}", () => {
  it("deletes with 204, then 404s, and logs it", async () => {
    const tenant = await createTenant();
    const created = await createUser(tenant, "gone@acme.test");
    const response = await scim(tenant, `/Users/${created.id}`, { method: "DELETE" });
    expect(response.status).toBe(204);
    expect(await response.text()).toBe("");
    expect((await scim(tenant, `/Users/${created.id}`)).status).toBe(404);
    const again = await scim(tenant, `/Users/${created.id}`, { method: "DELETE" });
    expect(again.status).toBe(404);
    expect(await again.json()).toMatchObject({ status: "404" });
    const emails = await shardOf(tenant.orgId)
      .prepare("SELECT count(*) AS n FROM member_emails WHERE member_id = ?")
      .bind(created.id)
      .first<any>();
    expect(emails.n).toBe(0);
    const [entry] = (await activity(tenant.orgId)).filter((a) => a.action === "member.deleted");
    expect(entry).toMatchObject({ actor: "scim:okta", target_id: created.id, target_name: "gone@acme.test" });
  });
});

describe("writes that change nothing stored", () => {
  it("keep the user's version, lastModified and rows, make no activity entry, and answer 200 with the unchanged ETag", async () => {
    const tenant = await createTenant();
    const created = await createUser(tenant, "same@acme.test", {
      title: "Engineer",
      [ENTERPRISE]: { department: "R&D" },
    });
    const entries = await activity(tenant.orgId); // up to the create's, written by the consumer
    const before = await tenantRows(tenant.orgId);
    const { meta, ...asCreated } = created;
    const reordered = Object.fromEntries(Object.entries(asCreated).reverse());
    const writes: [string, () => Promise<Response>][] = [
      [
        "PATCH of password only",
        () => patch(tenant, created.id, { op: "replace", path: "password", value: "n3w-Passw0rd" }),
      ],
      ["PATCH of active to its value", () => patch(tenant, created.id, { op: "replace", value: { active: true } })],
      [
        "PATCH of a value to itself",
        () => patch(tenant, created.id, { op: "replace", path: "title", value: "Engineer" }),
      ],
      ["identical PUT", () => scim(tenant, `/Users/${created.id}`, { method: "PUT", json: created })],
      [
        "identical PUT, keys in another order",
        () => scim(tenant, `/Users/${created.id}`, { method: "PUT", json: reordered }),
      ],
      [
        "identical PUT with If-Match and a password",
        () =>
          scim(tenant, `/Users/${created.id}`, {
            method: "PUT",
            json: { ...asCreated, password: "an0ther-Passw0rd" },
            headers: { "If-Match": 'W/"1"' },
          }),
      ],
    ];
    for (const [name, write] of writes) {
      const response = await write();
      expect(response.status, name).toBe(200);
      expect(response.headers.get("ETag"), name).toBe('W/"1"');
      const body = (await response.json()) as any;
      expect(body.meta, name).toMatchObject({ version: 'W/"1"', lastModified: meta.lastModified });
      expect(body, name).toMatchObject({ title: "Engineer", active: true, [ENTERPRISE]: { department: "R&D" } });
    }
    expect(await activity(tenant.orgId)).toEqual(entries);
    expect(await tenantRows(tenant.orgId)).toEqual(before);
    // A write that does change something still moves the version on from there.
    const changed = await patch(tenant, created.id, { op: "replace", path: "title", value: "Lead" });
    expect(changed.headers.get("ETag")).toBe('W/"2"');
  });

  it("still answer If-Match against the current version: a no-op write at a stale version is 412", async () => {
    const tenant = await createTenant();
    const created = await createUser(tenant, "stale@acme.test");
    await patch(tenant, created.id, { op: "replace", path: "title", value: "Lead" });
    const stale = await scim(tenant, `/Users/${created.id}`, {
      method: "PATCH",
      json: patchOp({ op: "replace", path: "active", value: true }),
      headers: { "If-Match": 'W/"1"' },
    });
    expect(stale.status).toBe(412);
  });
});
