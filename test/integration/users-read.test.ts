import { beforeAll, describe, expect, it } from "vitest";
import {
  admin,
  createTenant,
  createUser,
  ENTERPRISE,
  patchOp,
  scim,
  shardOf,
  type Tenant,
  USER_SCHEMA,
} from "../helpers";

const list = async (tenant: Tenant, query: string) => {
  const response = await scim(tenant, `/Users${query}`);
  expect(response.status).toBe(200);
  return (await response.json()) as any;
};
const filterQuery = (filter: string) => `?filter=${encodeURIComponent(filter)}`;
const userNames = (body: any) => body.Resources.map((r: any) => r.userName);

describe("GET /Users/{id}", () => {
  it("reads a user, and 404s for unknown ids and other tenants' users", async () => {
    const tenant = await createTenant();
    const other = await createTenant();
    const created = await createUser(tenant, "read@acme.test");
    const response = await scim(tenant, `/Users/${created.id}`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual(created);

    for (const [t, id] of [
      [tenant, crypto.randomUUID()],
      [other, created.id],
    ] as const) {
      const missing = await scim(t, `/Users/${id}`);
      expect(missing.status).toBe(404);
      expect(await missing.json()).toEqual({
        schemas: ["urn:ietf:params:scim:api:messages:2.0:Error"],
        status: "404",
        detail: expect.any(String),
      });
    }
  });

  it("still returns a deactivated user, with active false", async () => {
    const tenant = await createTenant();
    const created = await createUser(tenant, "sleepy@acme.test");
    await scim(tenant, `/Users/${created.id}`, {
      method: "PATCH",
      json: patchOp({ op: "replace", value: { active: false } }),
    });
    const read = (await (await scim(tenant, `/Users/${created.id}`)).json()) as any;
    expect(read.active).toBe(false);
    const found = await list(tenant, filterQuery('userName eq "sleepy@acme.test"'));
    expect(found.Resources[0]).toMatchObject({ id: created.id, active: false });
    const inactive = await list(tenant, filterQuery("active eq false"));
    expect(userNames(inactive)).toEqual(["sleepy@acme.test"]);
  });

  it("applies attributes and excludedAttributes", async () => {
    const tenant = await createTenant();
    const created = await createUser(tenant, "proj@acme.test", {
      [ENTERPRISE]: { department: "R&D" },
      schemas: [USER_SCHEMA, ENTERPRISE],
    });
    const only = (await (await scim(tenant, `/Users/${created.id}?attributes=userName,name.givenName`)).json()) as any;
    expect(only).toEqual({
      schemas: expect.any(Array),
      id: created.id,
      userName: "proj@acme.test",
      name: { givenName: "Given" },
    });

    const without = (await (
      await scim(tenant, `/Users/${created.id}?excludedAttributes=emails,meta,${ENTERPRISE}:department`)
    ).json()) as any;
    expect(without).not.toHaveProperty("emails");
    expect(without).not.toHaveProperty("meta");
    expect(without[ENTERPRISE]?.department).toBeUndefined();
    expect(without.userName).toBe("proj@acme.test");

    const listed = await list(tenant, "?attributes=userName");
    expect(listed.Resources).toEqual([{ schemas: expect.any(Array), id: created.id, userName: "proj@acme.test" }]);

    const created2 = await scim(tenant, "/Users?attributes=userName", {
      method: "POST",
      json: { schemas: [USER_SCHEMA], userName: "proj2@acme.test" },
    });
    expect(await created2.json()).toEqual({
      schemas: expect.any(Array),
      id: expect.any(String),
      userName: "proj2@acme.test",
    });
  });
});

describe("GET /Users filters", () => {
  let tenant: Tenant;
  beforeAll(async () => {
    tenant = await createTenant({ provider: "entra" });
    await createUser(tenant, "alice@acme.test", { externalId: "ext-Alice", title: "Engineer" });
    await createUser(tenant, "bob@acme.test", {
      externalId: "ext-bob",
      emails: [
        { type: "work", value: "bob.work@acme.test" },
        { type: "home", value: "bob@home.test" },
      ],
    });
    await createUser(tenant, "carol", {
      emails: [{ type: "work", value: "carol@partner.test", primary: true }],
      title: "Manager",
    });
  });

  it("finds Okta's userName lookup case-insensitively, in both query encodings", async () => {
    const okta = await list(tenant, `?filter=userName%20eq%20%22ALICE%40acme.test%22&startIndex=1&count=100`);
    expect(okta).toMatchObject({ totalResults: 1, startIndex: 1, itemsPerPage: 1 });
    expect(userNames(okta)).toEqual(["alice@acme.test"]);
    const plus = await list(tenant, `?filter=userName+eq+%22alice%40acme.test%22`);
    expect(userNames(plus)).toEqual(["alice@acme.test"]);
  });

  it("answers Entra's connection test with an empty list", async () => {
    const body = await list(tenant, filterQuery(`userName eq "${crypto.randomUUID()}"`));
    expect(body).toEqual({
      schemas: ["urn:ietf:params:scim:api:messages:2.0:ListResponse"],
      totalResults: 0,
      startIndex: 1,
      itemsPerPage: 0,
      Resources: [],
    });
  });

  it("never partially matches eq", async () => {
    expect((await list(tenant, filterQuery('userName eq "alice"'))).totalResults).toBe(0);
  });

  it("matches Entra's filters: externalId (case-exact) and work email value paths", async () => {
    expect(userNames(await list(tenant, filterQuery('externalId eq "ext-Alice"')))).toEqual(["alice@acme.test"]);
    expect((await list(tenant, filterQuery('externalId eq "EXT-ALICE"'))).totalResults).toBe(0);
    expect(userNames(await list(tenant, filterQuery('emails[type eq "work"].value eq "BOB.WORK@acme.test"')))).toEqual([
      "bob@acme.test",
    ]);
    expect((await list(tenant, filterQuery('emails[type eq "work"].value eq "bob@home.test"'))).totalResults).toBe(0);
    expect(userNames(await list(tenant, filterQuery('emails[type eq "work" and value co "@partner"]')))).toEqual([
      "carol",
    ]);
  });

  it("folds work-email case like the email mirror does: ASCII letters, with non-ASCII ones kept as written", async () => {
    const created = await createUser(tenant, "zoë", { emails: [{ type: "work", value: "ZOË.Müller@Acme.test" }] });
    const ids = async (value: string) =>
      (await list(tenant, filterQuery(`emails[type eq "work"].value eq "${value}"`))).Resources.map((r: any) => r.id);
    expect(await ids("ZOË.Müller@Acme.test")).toEqual([created.id]);
    expect(await ids("zoË.müller@ACME.TEST")).toEqual([created.id]);
    // SQLite's lower() folds ASCII only: ë and Ë stay different letters (a known limit, see README).
    expect(await ids("zoë.müller@acme.test")).toEqual([]);
    await scim(tenant, `/Users/${created.id}`, { method: "DELETE" });
  });

  it("combines and, or, not, pr and JSON-stored attributes", async () => {
    expect(userNames(await list(tenant, filterQuery('title pr and not (title eq "manager")')))).toEqual([
      "alice@acme.test",
    ]);
    expect(userNames(await list(tenant, filterQuery('userName sw "car" or externalId eq "ext-bob"')))).toEqual([
      "bob@acme.test",
      "carol",
    ]);
    expect((await list(tenant, filterQuery('userName ew "@acme.test" and active eq true'))).totalResults).toBe(2);
  });

  it("matches groups by provisioned teams only, as groups lists them: never by a manual team", async () => {
    const tenant = await createTenant();
    const inBoth = await createUser(tenant, "both@acme.test");
    const manualOnly = await createUser(tenant, "manual-only@acme.test");
    const group = await scim(tenant, "/Groups", {
      method: "POST",
      json: {
        schemas: ["urn:ietf:params:scim:schemas:core:2.0:Group"],
        displayName: "Provisioned",
        members: [{ value: inBoth.id }],
      },
    });
    const provisioned = (await group.json()) as any;
    const team = await admin(`/organizations/${tenant.orgId}/teams`, { method: "POST", json: { name: "Manual" } });
    const manual = (await team.json()) as any;
    const joined = await admin(`/organizations/${tenant.orgId}/teams/${manual.id}/members`, {
      method: "POST",
      json: { memberIds: [inBoth.id, manualOnly.id] },
    });
    expect(joined.status).toBeLessThan(300);
    for (const filter of [
      `groups.value eq "${manual.id}"`,
      `groups[value eq "${manual.id}"]`,
      `groups eq "${manual.id}"`,
    ]) {
      expect(userNames(await list(tenant, filterQuery(filter))), filter).toEqual([]);
    }
    for (const filter of [`groups.value eq "${provisioned.id}"`, `groups[value eq "${provisioned.id}"]`]) {
      expect(userNames(await list(tenant, filterQuery(filter))), filter).toEqual(["both@acme.test"]);
    }
    const shown = (await (await scim(tenant, `/Users/${manualOnly.id}`)).json()) as any;
    expect(shown.groups).toBeUndefined();
  });

  it("refuses malformed and unsupported filters with 400 invalidFilter", async () => {
    for (const filter of ["userName eq", 'userName zz "x"', 'nope eq "x"', '(userName eq "a"', 'password eq "x"']) {
      const response = await scim(tenant, `/Users${filterQuery(filter)}`);
      expect(response.status, filter).toBe(400);
      expect(await response.json()).toMatchObject({ status: "400", scimType: "invalidFilter" });
    }
  });
});

describe("GET /Users paging", () => {
  let tenant: Tenant;
  const total = 1005;
  beforeAll(async () => {
    tenant = await createTenant({ licenses: 2000 });
    // Seed in bulk straight into D1: the paging rules need more than 1,000 members.
    const statements = Array.from({ length: total }, (_, i) => {
      const userName = `user${String(i).padStart(4, "0")}@bulk.test`;
      return shardOf(tenant.orgId)
        .prepare(
          `INSERT INTO members (id, org_id, user_name, user_name_lower, email, email_lower, active, source, provisioned, document, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, 1, 'okta', 1, ?, ?, ?)`,
        )
        .bind(
          crypto.randomUUID(),
          tenant.orgId,
          userName,
          userName,
          userName,
          userName,
          JSON.stringify({ schemas: [USER_SCHEMA], userName }),
          `2026-01-01T00:00:00.${String(i % 1000).padStart(3, "0")}Z`,
          "2026-01-01T00:00:00.000Z",
        );
    });
    for (let i = 0; i < statements.length; i += 200) await shardOf(tenant.orgId).batch(statements.slice(i, i + 200));
  });

  it("pages with a default of 100, clamps count to 1,000 and keeps a stable order", async () => {
    const first = await list(tenant, "");
    expect(first).toMatchObject({ totalResults: total, startIndex: 1, itemsPerPage: 100 });
    const clamped = await list(tenant, "?count=5000");
    expect(clamped.itemsPerPage).toBe(1000);
    expect(clamped.Resources).toHaveLength(1000);

    const seen: string[] = [];
    for (let startIndex = 1; startIndex <= total; startIndex += 100) {
      const page = await list(tenant, `?startIndex=${startIndex}&count=100`);
      expect(page.startIndex).toBe(startIndex);
      seen.push(...page.Resources.map((r: any) => r.id));
    }
    expect(seen).toHaveLength(total);
    expect(new Set(seen).size).toBe(total);
    expect(seen.slice(0, 1000)).toEqual(clamped.Resources.map((r: any) => r.id));
  });

  it("keeps positional pages exact when members are added or deleted between pages", async () => {
    const page1 = await list(tenant, "?startIndex=1&count=100");
    const page2 = await list(tenant, "?startIndex=101&count=100");
    expect((await list(tenant, "?startIndex=101&count=100")).Resources).toEqual(page2.Resources);
    // Deleting a member of page 1 moves every later member one position up.
    expect((await scim(tenant, `/Users/${page1.Resources[0].id}`, { method: "DELETE" })).status).toBe(204);
    const after = await list(tenant, "?startIndex=101&count=100");
    expect(after.totalResults).toBe(total - 1);
    expect(after.Resources[0].id).toBe(page2.Resources[1].id);
    expect(after.Resources.map((r: any) => r.id)).toEqual([
      ...page2.Resources.slice(1).map((r: any) => r.id),
      expect.any(String),
    ]);
    // Restore the count the other cases expect.
    await createUser(tenant, "replacement@bulk.test");
  });

  it("answers Okta's connection test and out-of-range pages", async () => {
    const probe = await list(tenant, "?startIndex=1&count=2");
    expect(probe).toMatchObject({ totalResults: total, itemsPerPage: 2 });
    const beyond = await list(tenant, `?startIndex=${total + 10}&count=100`);
    expect(beyond).toMatchObject({ totalResults: total, itemsPerPage: 0, Resources: [] });
    const zero = await list(tenant, "?count=0");
    expect(zero).toMatchObject({ totalResults: total, itemsPerPage: 0, Resources: [] });
  });

  it("rejects a count that is not a number", async () => {
    const response = await scim(tenant, "/Users?count=lots");
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ scimType: "invalidValue" });
  });
});

describe("filters no index serves", () => {
  it("runs them on a small tenant and refuses them with 400 invalidFilter beyond 10,000 users", async () => {
    const small = await createTenant();
    await createUser(small, "ada@acme.test", { name: { givenName: "Ada", familyName: "Lovelace" } });
    expect(userNames(await list(small, filterQuery('name.givenName co "d"')))).toEqual(["ada@acme.test"]);

    const large = await createTenant();
    // 10,001 inactive members in one statement (the triggers keep the counters as for any insert).
    await shardOf(large.orgId)
      .prepare(
        `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 10001)
       INSERT INTO members (id, org_id, user_name, user_name_lower, email, email_lower, active, source, provisioned, document, created_at, updated_at)
       SELECT ?1 || '-' || i, ?1, 'u' || i || '@bulk.test', 'u' || i || '@bulk.test', 'u' || i || '@bulk.test',
              'u' || i || '@bulk.test', 0, 'okta', 1,
              json_object('schemas', json_array(?2), 'userName', 'u' || i || '@bulk.test', 'name', json_object('givenName', 'G' || i)),
              '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z'
       FROM n`,
      )
      .bind(large.orgId, USER_SCHEMA)
      .run();
    for (const filter of ['name.givenName co "x"', 'emails[display co "x"]', 'userName pr and title eq "x"']) {
      const refused = await scim(large, `/Users${filterQuery(filter)}`);
      expect(refused.status, filter).toBe(400);
      expect(await refused.json()).toMatchObject({
        scimType: "invalidFilter",
        detail: expect.stringContaining("more than 10000 User resources"),
      });
    }
    // Indexed filters are served as ever.
    expect(userNames(await list(large, filterQuery('userName eq "u77@bulk.test"')))).toEqual(["u77@bulk.test"]);
    expect((await list(large, filterQuery('userName sw "u1000"'))).totalResults).toBe(3);
  });
});
