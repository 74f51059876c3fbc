import { describe, expect, it } from "vitest";
import { admin, createTenant, createUser, GROUP_SCHEMA, scim, type Tenant } from "../helpers";

const SEARCH = "urn:ietf:params:scim:api:messages:2.0:SearchRequest";

async function page(tenant: Tenant, path: string, status = 200) {
  const response = await scim(tenant, path);
  const body = (await response.json()) as any;
  expect(response.status, JSON.stringify(body)).toBe(status);
  return body;
}

const withCursor = (path: string, cursor: string) =>
  `${path}${path.includes("?") ? "&" : "?"}cursor=${encodeURIComponent(cursor)}`;

/** Follows nextCursor from the first page (an empty cursor) to the end; `between` runs before each next page. */
async function walk(tenant: Tenant, path: string, between: (pageNumber: number) => Promise<void> = async () => {}) {
  const seen: any[] = [];
  let cursor = "";
  for (let pageNumber = 0; ; pageNumber++) {
    const body = await page(tenant, withCursor(path, cursor));
    expect(body).not.toHaveProperty("startIndex");
    expect(body.itemsPerPage).toBe(body.Resources.length);
    seen.push(...body.Resources);
    if (!body.nextCursor) return seen;
    cursor = body.nextCursor;
    await between(pageNumber);
  }
}

async function users(tenant: Tenant, names: string[]) {
  const created = [];
  for (const name of names) created.push(await createUser(tenant, `${name}@acme.test`));
  return created;
}

const ids = (resources: any[]) => resources.map((r) => r.id);

describe("cursor paging (RFC 9865)", () => {
  it("walks a list page by page in its order, with nextCursor until the last page", async () => {
    const tenant = await createTenant();
    const created = await users(tenant, ["k", "c", "a", "j", "e", "b", "i", "d", "h", "f", "g"]);
    const first = await page(tenant, "/Users?cursor=&count=4");
    expect(first).toMatchObject({ totalResults: 11, itemsPerPage: 4, nextCursor: expect.any(String) });
    expect(ids(await walk(tenant, "/Users?count=4"))).toEqual(ids(created));
    const byName = await walk(tenant, "/Users?count=3&sortBy=userName&sortOrder=descending");
    expect(byName.map((r) => r.userName[0]).join("")).toBe("kjihgfedcba");
    // A page that ends exactly at the end has no nextCursor; count=0 gives only the total.
    const exact = await page(tenant, "/Users?cursor=&count=11");
    expect(exact.Resources).toHaveLength(11);
    expect(exact).not.toHaveProperty("nextCursor");
    const none = await page(tenant, "/Users?cursor=&count=0");
    expect(none).toMatchObject({ totalResults: 11, itemsPerPage: 0, Resources: [] });
    expect(none).not.toHaveProperty("nextCursor");
  });

  // Three walks, each creating and deleting dozens of users one request at a time: a minute on a loaded machine.
  it("sees every row that exists throughout exactly once while rows are added and deleted", {
    timeout: 120_000,
  }, async () => {
    const tenant = await createTenant({ licenses: 200 });
    // Each walk deletes rows and then every row left: far past what the deprovisioning safeguard lets through.
    await admin(`/organizations/${tenant.orgId}/safeguard`, { method: "PATCH", json: { enabled: false } });
    for (const sort of ["", "&sortBy=userName", "&sortBy=name.familyName&sortOrder=descending"]) {
      const created = await users(
        tenant,
        Array.from(
          { length: 20 },
          (_, i) => `${sort ? "s" : "p"}${String(i).padStart(2, "0")}${crypto.randomUUID().slice(0, 4)}`,
        ),
      );
      const deleted = new Set<string>();
      const added: string[] = [];
      const seen = await walk(tenant, `/Users?count=3${sort}`, async (pageNumber) => {
        // After each of the first pages: delete one row ahead and one behind, add two rows (sorting anywhere).
        if (pageNumber >= 5) return;
        for (const victim of [created[19 - pageNumber], created[pageNumber]]) {
          if (deleted.has(victim.id)) continue;
          expect((await scim(tenant, `/Users/${victim.id}`, { method: "DELETE" })).status).toBe(204);
          deleted.add(victim.id);
        }
        for (const prefix of ["a", "z"])
          added.push((await createUser(tenant, `${prefix}${crypto.randomUUID()}@acme.test`)).id);
      });
      const seenIds = ids(seen);
      expect(new Set(seenIds).size, "no duplicates").toBe(seenIds.length);
      const stable = ids(created).filter((id) => !deleted.has(id));
      expect(stable.length).toBeGreaterThan(0);
      for (const id of stable) expect(seenIds).toContain(id);
      // Everything seen existed at some point of the walk.
      for (const id of seenIds) expect([...ids(created), ...added, ...(await allIds(tenant))]).toContain(id);
      for (const id of [...ids(created), ...added]) {
        if (!deleted.has(id)) await scim(tenant, `/Users/${id}`, { method: "DELETE" });
      }
    }
  });

  it("walks back by previousCursor through the same pages, across users and groups at the root", async () => {
    const tenant = await createTenant();
    await users(tenant, ["e", "a", "d", "b", "c", "g", "f"]);
    for (const displayName of ["G1", "G2", "G3"]) {
      await scim(tenant, "/Groups", { method: "POST", json: { schemas: [GROUP_SCHEMA], displayName } });
    }
    const lists: [string, (cursor: string) => Promise<any>][] = [
      [
        "/Users sorted",
        (cursor) => page(tenant, withCursor("/Users?count=3&sortBy=userName&sortOrder=descending", cursor)),
      ],
      [
        "/.search",
        async (cursor) => {
          const response = await scim(tenant, "/.search", {
            method: "POST",
            json: { schemas: [SEARCH], cursor, count: 3, sortBy: "displayName" },
          });
          expect(response.status).toBe(200);
          return response.json();
        },
      ],
    ];
    for (const [name, get] of lists) {
      const forward: any[] = [];
      for (let body = await get(""); ; body = await get(body.nextCursor)) {
        forward.push(body);
        if (!body.nextCursor) break;
      }
      expect(forward[0], name).not.toHaveProperty("previousCursor");
      expect(forward.length, name).toBe(name === "/.search" ? 4 : 3);
      const backward: any[] = [forward.at(-1)];
      while (backward.at(-1).previousCursor) backward.push(await get(backward.at(-1).previousCursor));
      expect(
        backward.map((b) => ids(b.Resources)),
        name,
      ).toEqual(forward.map((f) => ids(f.Resources)).reverse());
      // A page reached backwards leads forward again to the page it came from.
      const second = backward.at(-2);
      expect(ids((await get(backward.at(-1).nextCursor)).Resources), name).toEqual(ids(second.Resources));
    }
  });

  it("refuses a tampered cursor, another tenant's, and one of another filter, order or list with 400 invalidCursor", async () => {
    const tenant = await createTenant();
    const other = await createTenant();
    await users(tenant, ["a", "b", "c"]);
    await users(other, ["a", "b", "c"]);
    const cursor = (await page(tenant, "/Users?cursor=&count=1&sortBy=userName")).nextCursor as string;
    const foreign = (await page(other, "/Users?cursor=&count=1&sortBy=userName")).nextCursor as string;
    const [payload, mac] = cursor.split(".");
    const flipped = `${payload.slice(0, -1)}${payload.at(-1) === "A" ? "B" : "A"}.${mac}`;
    const invalid: [string, string][] = [
      [`/Users?sortBy=userName`, flipped],
      [`/Users?sortBy=userName`, `${payload}.${mac.slice(1)}`],
      [`/Users?sortBy=userName`, "not-a-cursor"],
      [`/Users?sortBy=userName`, `${cursor}.x`],
      [`/Users?sortBy=userName`, foreign],
      [`/Users?sortBy=userName&filter=${encodeURIComponent("userName pr")}`, cursor],
      [`/Users?sortBy=userName&sortOrder=descending`, cursor],
      [`/Users`, cursor],
      [`/Groups?sortBy=displayName`, cursor],
    ];
    for (const [path, bad] of invalid) {
      const body = await page(tenant, withCursor(path, bad), 400);
      expect(body, `${path} ${bad}`).toMatchObject({ status: "400", scimType: "invalidCursor" });
    }
    expect((await page(tenant, withCursor("/Users?sortBy=userName", cursor))).Resources).toHaveLength(2);
    const both = await page(tenant, withCursor("/Users?startIndex=2", cursor), 400);
    expect(both.scimType).toBe("invalidValue");
    expect((await scim(tenant, withCursor("/Users", "junk"), { token: "wrong" })).status).toBe(401);
  });

  it("pages .search by cursor exactly as GET, and the root search across users and groups", async () => {
    const tenant = await createTenant();
    const created = await users(tenant, ["a", "b", "c", "d", "e"]);
    const teams = [];
    for (const displayName of ["G1", "G2", "G3"]) {
      const response = await scim(tenant, "/Groups", {
        method: "POST",
        json: { schemas: [GROUP_SCHEMA], displayName },
      });
      teams.push(await response.json());
    }
    const search = async (path: string, body: Record<string, unknown>) => {
      const response = await scim(tenant, path, { method: "POST", json: { schemas: [SEARCH], ...body } });
      expect(response.status).toBe(200);
      return (await response.json()) as any;
    };
    const viaGet = await page(tenant, "/Users?cursor=&count=2&sortBy=userName");
    const viaSearch = await search("/Users/.search", { cursor: "", count: 2, sortBy: "userName" });
    expect(viaSearch).toEqual(viaGet);
    const second = await search("/Users/.search", { cursor: viaSearch.nextCursor, count: 2, sortBy: "userName" });
    expect(second).toEqual(await page(tenant, withCursor("/Users?count=2&sortBy=userName", viaGet.nextCursor)));

    const root: any[] = [];
    let cursor = "";
    for (;;) {
      const body = await search("/.search", { cursor, count: 3, excludedAttributes: ["members", "groups"] });
      expect(body.totalResults).toBe(8);
      root.push(...body.Resources);
      if (!body.nextCursor) break;
      cursor = body.nextCursor;
    }
    expect(ids(root)).toEqual([...ids(created), ...teams.map((t: any) => t.id)]);
  });
});

async function allIds(tenant: Tenant) {
  return ids((await page(tenant, "/Users?count=1000")).Resources);
}
