import { describe, expect, it } from "vitest";
import { createTenant, createUser, patchOp, scim, type Tenant, user } from "../helpers";

const json = async (response: Response) => ({ status: response.status, body: (await response.json()) as any });

describe("discovery is exact: what it advertises works, what it does not is refused", () => {
  it("advertises every capability, each of which works as advertised", async () => {
    const tenant = await createTenant();
    const config = (await json(await scim(tenant, "/ServiceProviderConfig"))).body;
    expect(config).toMatchObject({
      patch: { supported: true },
      bulk: { supported: true, maxOperations: 100, maxPayloadSize: 1048576 },
      filter: { supported: true, maxResults: 1000 },
      changePassword: { supported: false },
      sort: { supported: true },
      etag: { supported: true },
      pagination: {
        cursor: true,
        index: true,
        defaultPaginationMethod: "index",
        defaultPageSize: 100,
        maxPageSize: 1000,
      },
    });
    expect(config.pagination.cursorTimeout).toBeGreaterThan(0);

    const ada = await createUser(tenant, "ada@acme.test", { password: "s3cret-Passw0rd" });
    await createUser(tenant, "bob@acme.test");
    // patch
    const patched = await scim(tenant, `/Users/${ada.id}`, {
      method: "PATCH",
      json: patchOp({ op: "replace", path: "title", value: "Countess" }),
    });
    expect(patched.status).toBe(200);
    // filter, and maxResults: no page is longer than 1,000 whatever count asks
    const filtered = (
      await json(await scim(tenant, `/Users?count=5000&filter=${encodeURIComponent('title eq "Countess"')}`))
    ).body;
    expect(filtered.Resources.map((r: any) => r.id)).toEqual([ada.id]);
    // sort
    const sorted = (await json(await scim(tenant, "/Users?sortBy=userName&sortOrder=descending"))).body;
    expect(sorted.Resources.map((r: any) => r.userName)).toEqual(["bob@acme.test", "ada@acme.test"]);
    // etag: If-None-Match and If-Match
    const version = (await json(await scim(tenant, `/Users/${ada.id}`))).body.meta.version;
    expect((await scim(tenant, `/Users/${ada.id}`, { headers: { "If-None-Match": version } })).status).toBe(304);
    expect(
      (await scim(tenant, `/Users/${ada.id}`, { method: "DELETE", headers: { "If-Match": 'W/"99"' } })).status,
    ).toBe(412);
    // pagination: index and cursor, at the advertised default page size
    expect((await json(await scim(tenant, "/Users?startIndex=2&count=1"))).body.Resources).toHaveLength(1);
    const cursorPage = (await json(await scim(tenant, "/Users?cursor=&count=1"))).body;
    expect(cursorPage.nextCursor).toEqual(expect.any(String));
    // bulk, up to maxOperations
    const bulk = await scim(tenant, "/Bulk", {
      method: "POST",
      json: {
        schemas: ["urn:ietf:params:scim:api:messages:2.0:BulkRequest"],
        Operations: [{ method: "POST", path: "/Users", bulkId: "c", data: user("cy@acme.test") }],
      },
    });
    expect((await json(bulk)).body.Operations[0].status).toBe("201");
    // changePassword is not supported: a password is accepted as clients send it, never stored or returned
    const read = (await json(await scim(tenant, `/Users/${ada.id}`))).body;
    expect(read).not.toHaveProperty("password");
    expect(JSON.stringify(await json(await scim(tenant, "/Users")))).not.toContain("s3cret");
  });

  it("lists exactly the resource types and schemas served, and refuses filters, sorting and cursors on them", async () => {
    const tenant: Tenant = await createTenant();
    const types = (await json(await scim(tenant, "/ResourceTypes"))).body;
    expect(types.Resources.map((t: any) => [t.id, t.endpoint])).toEqual([
      ["User", "/Users"],
      ["Group", "/Groups"],
    ]);
    for (const type of types.Resources) {
      expect((await scim(tenant, `${type.endpoint}?count=1`)).status).toBe(200);
      expect((await json(await scim(tenant, `/Schemas/${type.schema}`))).status).toBe(200);
      for (const extension of type.schemaExtensions) {
        expect((await json(await scim(tenant, `/Schemas/${extension.schema}`))).status).toBe(200);
      }
    }
    const schemas = (await json(await scim(tenant, "/Schemas"))).body;
    expect(schemas.totalResults).toBe(3);
    for (const path of ["/ResourceTypes", "/Schemas", "/ServiceProviderConfig"]) {
      const filtered = await json(await scim(tenant, `${path}?filter=${encodeURIComponent('id eq "User"')}`));
      expect(filtered).toMatchObject({ status: 403, body: { status: "403" } });
      for (const query of ["sortBy=id", "cursor="]) {
        const refused = await json(await scim(tenant, `${path}?${query}`));
        expect(refused).toMatchObject({ status: 400, body: { scimType: "invalidValue" } });
      }
    }
    // Not offered, so refused: /Me, and methods other than the advertised ones.
    expect((await scim(tenant, "/Me")).status).toBe(501);
    expect((await scim(tenant, "/Schemas", { method: "POST", json: {} })).status).toBe(405);
  });
});
