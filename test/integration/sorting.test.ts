import { describe, expect, it } from "vitest";
import { createTenant, createUser, GROUP_SCHEMA, patchOp, scim, type Tenant } from "../helpers";

async function list(tenant: Tenant, path: string) {
  const response = await scim(tenant, path);
  expect(response.status).toBe(200);
  return (await response.json()) as { totalResults: number; startIndex: number; Resources: any[] };
}

/** Every page of a sorted list, `count` at a time, by startIndex. */
async function walk(tenant: Tenant, resource: string, query: string, count: number) {
  const seen: any[] = [];
  for (let startIndex = 1; ; startIndex += count) {
    const page = await list(tenant, `/${resource}?${query}&startIndex=${startIndex}&count=${count}`);
    seen.push(...page.Resources);
    if (startIndex + count > page.totalResults) return seen;
  }
}

const byKeyThenId =
  (key: (r: any) => string | undefined, descending = false) =>
  (a: any, b: any) => {
    // A missing value sorts last ascending and first descending (RFC 7644 §3.4.2.3).
    const [ka, kb] = [key(a) ?? "\u{10FFFF}", key(b) ?? "\u{10FFFF}"];
    const order = ka < kb ? -1 : ka > kb ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
    return descending ? -order : order;
  };

async function people(tenant: Tenant) {
  const specs: [string, string | undefined, string][] = [
    ["d@acme.test", "Young", "Ada"],
    ["b@acme.test", "young", "Bea"], // a tie with Young, case-insensitively
    ["c@acme.test", "Abbott", "Cy"],
    ["a@acme.test", undefined, "Dee"], // no family name
    ["e@acme.test", "Young", "Eve"],
    ["f@acme.test", "Mills", "Fay"],
  ];
  const created = [];
  for (const [userName, familyName, givenName] of specs) {
    created.push(await createUser(tenant, userName, { name: familyName ? { familyName, givenName } : { givenName } }));
  }
  return created;
}

describe("sortBy / sortOrder on /Users", () => {
  it("sorts by name.familyName with ties by id, missing values last, stable across startIndex pages", async () => {
    const tenant = await createTenant();
    const created = await people(tenant);
    const family = (r: any) => r.name?.familyName?.toLowerCase();
    for (const descending of [false, true]) {
      const expected = [...created].sort(byKeyThenId(family, descending)).map((r) => r.id);
      const order = descending ? "&sortOrder=descending" : "";
      for (const count of [1, 2, 4]) {
        const seen = await walk(tenant, "Users", `sortBy=name.familyName${order}`, count);
        expect(seen.map((r) => r.id)).toEqual(expected);
      }
    }
    // The two Youngs and the third tie sit together; Dee (no family name) is last ascending.
    const ascending = await walk(tenant, "Users", "sortBy=name.familyName", 2);
    expect(ascending.map((r) => r.name.givenName).slice(-1)).toEqual(["Dee"]);
    expect(ascending[0].name.givenName).toBe("Cy");
  });

  it("sorts by every sortable attribute, combined with a filter", async () => {
    const tenant = await createTenant();
    const created = await people(tenant);
    const cases: [string, (r: any) => string | undefined][] = [
      ["userName", (r) => r.userName.toLowerCase()],
      ["name.givenName", (r) => r.name?.givenName?.toLowerCase()],
      ["emails", (r) => r.emails[0].value.toLowerCase()],
      ["emails.value", (r) => r.emails[0].value.toLowerCase()],
      ["meta.created", (r) => r.meta.created],
      ["meta.lastModified", (r) => r.meta.lastModified],
      ["displayName", (r) => r.displayName?.toLowerCase()],
      ["externalId", (r) => r.externalId],
    ];
    for (const [sortBy, key] of cases) {
      const seen = await walk(tenant, "Users", `sortBy=${sortBy}&sortOrder=Descending`, 4);
      expect(
        seen.map((r) => r.id),
        sortBy,
      ).toEqual([...created].sort(byKeyThenId(key, true)).map((r) => r.id));
    }
    const filtered = await list(
      tenant,
      `/Users?sortBy=userName&filter=${encodeURIComponent('name.familyName eq "young"')}`,
    );
    expect(filtered.totalResults).toBe(3);
    expect(filtered.Resources.map((r) => r.userName)).toEqual(["b@acme.test", "d@acme.test", "e@acme.test"]);
  });

  it("sorts emails by the primary email, else the first, and follows updates", async () => {
    const tenant = await createTenant();
    const primaryLate = await createUser(tenant, "m@acme.test", {
      emails: [{ value: "z@other.test" }, { value: "a@other.test", primary: true }],
    });
    const firstOnly = await createUser(tenant, "n@acme.test", {
      emails: [{ value: "k@other.test" }, { value: "b@other.test" }],
    });
    const sorted = async () => (await list(tenant, "/Users?sortBy=emails.value")).Resources.map((r) => r.id);
    expect(await sorted()).toEqual([primaryLate.id, firstOnly.id]); // a@ before k@
    const patched = await scim(tenant, `/Users/${primaryLate.id}`, {
      method: "PATCH",
      json: patchOp({ op: "replace", path: "emails", value: [{ value: "x@other.test", primary: true }] }),
    });
    expect(patched.status).toBe(200);
    expect(await sorted()).toEqual([firstOnly.id, primaryLate.id]); // k@ before x@
  });

  it("refuses an unknown or unsortable sortBy and a bad sortOrder with 400 invalidValue naming it", async () => {
    const tenant = await createTenant();
    for (const [query, named] of [
      ["sortBy=shoeSize", "shoeSize"],
      ["sortBy=password", "password"],
      ["sortBy=members", "members"],
      ["sortBy=name.familyName&sortOrder=sideways", "sideways"],
    ]) {
      const response = await scim(tenant, `/Users?${query}`);
      expect(response.status, query).toBe(400);
      const body = (await response.json()) as any;
      expect(body.scimType).toBe("invalidValue");
      expect(body.detail).toContain(named);
    }
    // Unauthenticated, a bad sortBy still answers only 401.
    expect((await scim(tenant, "/Users?sortBy=shoeSize", { token: "wrong" })).status).toBe(401);
  });
});

describe("sortBy on /Groups", () => {
  it("sorts by displayName and externalId both ways, across pages", async () => {
    const tenant = await createTenant();
    const created: any[] = [];
    for (const [displayName, externalId] of [
      ["sales", "3"],
      ["Admins", undefined],
      ["Engineering", "1"],
      ["design", "2"],
    ]) {
      const response = await scim(tenant, "/Groups", {
        method: "POST",
        json: { schemas: [GROUP_SCHEMA], displayName, ...(externalId ? { externalId } : {}) },
      });
      created.push(await response.json());
    }
    for (const [sortBy, key] of [
      ["displayName", (r: any) => r.displayName.toLowerCase()],
      ["externalId", (r: any) => r.externalId],
      ["meta.lastModified", (r: any) => r.meta.lastModified],
    ] as const) {
      for (const descending of [false, true]) {
        const order = descending ? "&sortOrder=descending" : "";
        const seen = await walk(tenant, "Groups", `sortBy=${sortBy}${order}&excludedAttributes=members`, 3);
        expect(seen.map((r) => r.id)).toEqual([...created].sort(byKeyThenId(key, descending)).map((r) => r.id));
      }
    }
    const refused = await scim(tenant, "/Groups?sortBy=userName");
    expect(refused.status).toBe(400);
    expect(((await refused.json()) as any).detail).toContain("userName");
  });
});
