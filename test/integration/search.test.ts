import { describe, expect, it } from "vitest";
import { createTenant, createUser, GROUP_SCHEMA, scim, type Tenant } from "../helpers";

const SEARCH = "urn:ietf:params:scim:api:messages:2.0:SearchRequest";

const search = (tenant: Tenant, path: string, body: Record<string, unknown>, token?: string) =>
  scim(tenant, path, { method: "POST", json: { schemas: [SEARCH], ...body }, ...(token ? { token } : {}) });

async function json(response: Response, status = 200) {
  const body = (await response.json()) as any;
  expect(response.status, JSON.stringify(body)).toBe(status);
  return body;
}

/** The GET query that asks what a SearchRequest body asks. */
function asQuery(body: Record<string, unknown>) {
  const query = new URLSearchParams();
  for (const [name, value] of Object.entries(body))
    query.set(name, Array.isArray(value) ? value.join(",") : String(value));
  return `?${query}`;
}

async function seed(tenant: Tenant) {
  const users = [];
  for (const [userName, familyName] of [
    ["ann@acme.test", "Zane"],
    ["bob@acme.test", "Young"],
    ["cat@acme.test", "Young"],
    ["dan@acme.test", "Xu"],
  ]) {
    users.push(await createUser(tenant, userName, { name: { familyName, givenName: "G" }, displayName: familyName }));
  }
  const groups = [];
  for (const displayName of ["Young Ones", "Admins", "Zebras"]) {
    const response = await scim(tenant, "/Groups", {
      method: "POST",
      json: { schemas: [GROUP_SCHEMA], displayName, members: [{ value: users[0].id }] },
    });
    groups.push(await json(response, 201));
  }
  return { users, groups };
}

describe("POST /Users/.search and /Groups/.search", () => {
  it("answers exactly what the equivalent GET answers", async () => {
    const tenant = await createTenant();
    await seed(tenant);
    const bodies: [string, Record<string, unknown>][] = [
      ["/Users", {}],
      ["/Users", { filter: 'name.familyName eq "young"', sortBy: "userName", sortOrder: "descending" }],
      ["/Users", { sortBy: "name.familyName", startIndex: 2, count: 2, attributes: ["userName", "name.familyName"] }],
      ["/Users", { filter: 'userName sw "a"', excludedAttributes: ["emails", "groups"] }],
      ["/Users", { count: 0 }],
      ["/Groups", { sortBy: "displayName", count: 2, startIndex: 2, excludedAttributes: ["members"] }],
      ["/Groups", { filter: 'displayName sw "z"' }],
    ];
    for (const [path, body] of bodies) {
      const viaGet = await json(await scim(tenant, `${path}${asQuery(body)}`));
      const viaSearch = await json(await search(tenant, `${path}/.search`, body));
      expect(viaSearch, JSON.stringify(body)).toEqual(viaGet);
    }
  });

  it("refuses bad search requests like bad queries, 401 first, and only POST", async () => {
    const tenant = await createTenant();
    expect((await json(await search(tenant, "/Users/.search", { count: "many" }), 400)).scimType).toBe("invalidValue");
    expect((await json(await search(tenant, "/Users/.search", { filter: "userName zz 1" }), 400)).scimType).toBe(
      "invalidFilter",
    );
    expect((await json(await search(tenant, "/Users/.search", { sortBy: "password" }), 400)).detail).toContain(
      "password",
    );
    expect((await json(await search(tenant, "/Users/.search", { attributes: [1] }), 400)).scimType).toBe(
      "invalidValue",
    );
    const noSchema = await scim(tenant, "/Users/.search", { method: "POST", json: { filter: "userName pr" } });
    expect((await json(noSchema, 400)).detail).toContain(SEARCH);
    const notJson = await scim(tenant, "/Groups/.search", {
      method: "POST",
      body: "{",
      headers: { "Content-Type": "application/scim+json" },
    });
    expect((await json(notJson, 400)).scimType).toBe("invalidSyntax");
    expect((await search(tenant, "/Users/.search", { count: "many" }, "wrong")).status).toBe(401);
    const get = await scim(tenant, "/Users/.search");
    expect(get.status).toBe(405);
    expect(get.headers.get("Allow")).toBe("POST");
  });
});

describe("POST /.search at the tenant root", () => {
  it("lists users, then groups, each in the requested order, paging across the two", async () => {
    const tenant = await createTenant();
    const { users, groups } = await seed(tenant);
    const all = await json(await search(tenant, "/.search", { excludedAttributes: ["members", "groups"] }));
    expect(all.totalResults).toBe(7);
    expect(all.Resources.map((r: any) => r.id)).toEqual([...users, ...groups].map((r) => r.id));
    expect(all.Resources.map((r: any) => r.meta.resourceType)).toEqual([
      ...users.map(() => "User"),
      ...groups.map(() => "Group"),
    ]);

    // displayName is sortable in both; pages of 3 cross from users into groups.
    const sorted = { sortBy: "displayName", sortOrder: "descending" };
    const expected = [
      ...[...users].sort((a, b) =>
        a.displayName < b.displayName ? 1 : a.displayName > b.displayName ? -1 : a.id < b.id ? 1 : -1,
      ),
      ...[...groups].sort((a, b) => (a.displayName < b.displayName ? 1 : -1)),
    ].map((r) => r.id);
    const seen = [];
    for (let startIndex = 1; startIndex <= 7; startIndex += 3) {
      const page = await json(await search(tenant, "/.search", { ...sorted, startIndex, count: 3 }));
      expect(page).toMatchObject({ totalResults: 7, startIndex, itemsPerPage: Math.min(3, 8 - startIndex) });
      seen.push(...page.Resources.map((r: any) => r.id));
    }
    expect(seen).toEqual(expected);
  });

  it("applies a filter to each type that has its attributes, and refuses what neither can do", async () => {
    const tenant = await createTenant();
    const { users, groups } = await seed(tenant);
    const young = await json(
      await search(tenant, "/.search", { filter: 'displayName sw "young"', sortBy: "meta.created" }),
    );
    expect(young.totalResults).toBe(3);
    expect(young.Resources.map((r: any) => r.id)).toEqual([users[1].id, users[2].id, groups[0].id]);
    const usersOnly = await json(await search(tenant, "/.search", { filter: 'userName eq "dan@acme.test"' }));
    expect(usersOnly.Resources.map((r: any) => r.id)).toEqual([users[3].id]);
    const groupsOnly = await json(
      await search(tenant, "/.search", { filter: `members[value eq "${users[0].id}"]`, count: 2 }),
    );
    expect(groupsOnly.totalResults).toBe(3);
    expect(groupsOnly.Resources.map((r: any) => r.id)).toEqual([groups[0].id, groups[1].id]);
    expect((await json(await search(tenant, "/.search", { filter: 'shoeSize eq "9"' }), 400)).scimType).toBe(
      "invalidFilter",
    );
    const userNameSort = await json(await search(tenant, "/.search", { sortBy: "userName" }), 400);
    expect(userNameSort).toMatchObject({ scimType: "invalidValue", detail: expect.stringContaining("userName") });
    expect((await scim(tenant, "/.search")).status).toBe(405);
  });
});
