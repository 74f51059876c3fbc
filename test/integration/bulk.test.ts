import { describe, expect, it } from "vitest";
import { createTenant, createUser, GROUP_SCHEMA, patchOp, scim, type Tenant, user } from "../helpers";

const BULK = "urn:ietf:params:scim:api:messages:2.0:BulkRequest";

async function bulk(tenant: Tenant, operations: unknown[], extra: Record<string, unknown> = {}, status = 200) {
  const response = await scim(tenant, "/Bulk", {
    method: "POST",
    json: { schemas: [BULK], ...extra, Operations: operations },
  });
  const body = (await response.json()) as any;
  expect(response.status, JSON.stringify(body)).toBe(status);
  return body;
}

const userCount = async (tenant: Tenant) =>
  ((await (await scim(tenant, "/Users?count=0")).json()) as any).totalResults as number;

describe("/Bulk (RFC 7644 §3.7)", () => {
  it("resolves bulkIds across operations in either order: a group listing users created after it", async () => {
    const tenant = await createTenant();
    const body = await bulk(tenant, [
      {
        method: "POST",
        path: "/Groups",
        bulkId: "team",
        data: { schemas: [GROUP_SCHEMA], displayName: "Launch", members: [{ value: "bulkId:ada" }] },
      },
      { method: "POST", path: "/Users", bulkId: "ada", data: user("ada@acme.test") },
      { method: "POST", path: "/Users", bulkId: "bob", data: user("bob@acme.test") },
      {
        method: "PATCH",
        path: "/Groups/bulkId:team",
        data: patchOp({ op: "add", path: "members", value: [{ value: "bulkId:bob" }] }),
      },
    ]);
    expect(body.schemas).toEqual(["urn:ietf:params:scim:api:messages:2.0:BulkResponse"]);
    const [team, ada, bob, patch] = body.Operations;
    for (const [result, bulkId] of [
      [team, "team"],
      [ada, "ada"],
      [bob, "bob"],
    ]) {
      expect(result).toMatchObject({ method: "POST", bulkId, status: "201", version: 'W/"1"' });
      expect(result).not.toHaveProperty("response");
    }
    const adaId = ada.location.split("/").at(-1);
    const bobId = bob.location.split("/").at(-1);
    expect(ada.location).toBe(`${tenant.tenantUrl}/Users/${adaId}`);
    expect(patch).toMatchObject({ method: "PATCH", status: "204", location: team.location });
    const group = (await (await scim(tenant, `/Groups/${team.location.split("/").at(-1)}`)).json()) as any;
    expect(group.members.map((m: any) => m.value).sort()).toEqual([adaId, bobId].sort());
    expect(patch.version).toBe(group.meta.version);
  });

  it("reports each failing operation with its error and carries on, unless failOnErrors is reached", async () => {
    const tenant = await createTenant();
    const existing = await createUser(tenant, "taken@acme.test");
    const operations = [
      { method: "POST", path: "/Users", bulkId: "dup", data: user("taken@acme.test") },
      { method: "POST", path: "/Users", bulkId: "one", data: user("one@acme.test") },
      { method: "PUT", path: `/Users/${existing.id}`, version: 'W/"9"', data: user("taken@acme.test") },
      { method: "FETCH", path: "/Users" },
      { method: "POST", path: "/Users", bulkId: "two", data: user("two@acme.test") },
    ];
    const carryOn = await bulk(tenant, operations);
    expect(carryOn.Operations.map((o: any) => o.status)).toEqual(["409", "201", "412", "400", "201"]);
    expect(carryOn.Operations[0]).toMatchObject({
      bulkId: "dup",
      response: { status: "409", scimType: "uniqueness", detail: expect.any(String) },
    });
    expect(carryOn.Operations[0]).not.toHaveProperty("location");
    expect(carryOn.Operations[3].response.scimType).toBe("invalidValue");
    expect(await userCount(tenant)).toBe(3);

    const other = await createTenant();
    await createUser(other, "taken@acme.test");
    const stopped = await bulk(other, operations, { failOnErrors: 1 });
    expect(stopped.Operations.map((o: any) => o.status)).toEqual(["409"]);
    expect(await userCount(other)).toBe(1); // nothing after the first failure ran
    // Here the PUT names a user of the first tenant: 404. The second error stops before two@.
    const twoErrors = await bulk(other, operations.slice(1), { failOnErrors: 2 });
    expect(twoErrors.Operations.map((o: any) => o.status)).toEqual(["201", "404", "400"]);
    expect(await userCount(other)).toBe(2);
  });

  it("fails operations whose bulkId cannot be resolved: unknown, failed, or in a cycle", async () => {
    const tenant = await createTenant();
    const body = await bulk(tenant, [
      {
        method: "POST",
        path: "/Users",
        bulkId: "bad",
        data: { schemas: ["urn:ietf:params:scim:schemas:core:2.0:User"] },
      },
      {
        method: "POST",
        path: "/Groups",
        bulkId: "g1",
        data: { schemas: [GROUP_SCHEMA], displayName: "A", members: [{ value: "bulkId:bad" }] },
      },
      {
        method: "POST",
        path: "/Groups",
        bulkId: "g2",
        data: { schemas: [GROUP_SCHEMA], displayName: "B", members: [{ value: "bulkId:nobody" }] },
      },
      { method: "POST", path: "/Groups", bulkId: "x", data: { schemas: [GROUP_SCHEMA], displayName: "bulkId:y" } },
      { method: "POST", path: "/Groups", bulkId: "y", data: { schemas: [GROUP_SCHEMA], displayName: "bulkId:x" } },
      { method: "DELETE", path: "/Users/bulkId:nobody" },
    ]);
    expect(body.Operations.map((o: any) => [o.bulkId, o.status])).toEqual([
      ["bad", "400"],
      ["g1", "409"],
      ["g2", "409"],
      ["x", "409"],
      ["y", "409"],
      [undefined, "409"],
    ]);
    expect(body.Operations[1].response.detail).toContain("bad");
    expect(body.Operations[2].response.detail).toContain("nobody");
    expect(((await (await scim(tenant, "/Groups")).json()) as any).totalResults).toBe(0);
  });

  it("answers 413 with nothing done beyond maxOperations, maxPayloadSize or the query budget", async () => {
    const tenant = await createTenant({ licenses: 500 });
    const config = (await (await scim(tenant, "/ServiceProviderConfig")).json()) as any;
    expect(config.bulk).toEqual({ supported: true, maxOperations: 100, maxPayloadSize: 1048576 });
    const post = (i: number, extra = {}) => ({
      method: "POST",
      path: "/Users",
      bulkId: `u${i}`,
      data: user(`u${i}@acme.test`, extra),
    });

    const tooMany = await bulk(
      tenant,
      Array.from({ length: 101 }, (_, i) => post(i)),
      {},
      413,
    );
    expect(tooMany).toMatchObject({ status: "413", detail: expect.stringContaining("100") });
    const padding = "x".repeat(20_000);
    const tooLarge = await bulk(
      tenant,
      Array.from({ length: 60 }, (_, i) => post(i, { title: padding })),
      {},
      413,
    );
    expect(tooLarge.status).toBe("413");
    // 60 group creates of 100 members each could need 60 × 18 queries.
    const members = Array.from({ length: 100 }, () => ({ value: crypto.randomUUID() }));
    const groups = Array.from({ length: 60 }, (_, i) => ({
      method: "POST",
      path: "/Groups",
      bulkId: `g${i}`,
      data: { schemas: [GROUP_SCHEMA], displayName: `G${i}`, members },
    }));
    expect((await bulk(tenant, groups, {}, 413)).detail).toContain("1000");
    expect(await userCount(tenant)).toBe(0);
    expect(((await (await scim(tenant, "/Groups")).json()) as any).totalResults).toBe(0);

    const full = await bulk(
      tenant,
      Array.from({ length: 100 }, (_, i) => post(i)),
    );
    expect(full.Operations.every((o: any) => o.status === "201")).toBe(true);
    expect(await userCount(tenant)).toBe(100);
  });

  it("refuses a malformed envelope, other methods and unauthenticated callers", async () => {
    const tenant = await createTenant();
    const missing = await scim(tenant, "/Bulk", { method: "POST", json: { Operations: [] } });
    expect(((await missing.json()) as any).scimType).toBe("invalidValue");
    expect((await bulk(tenant, "nope" as unknown as unknown[], {}, 400)).scimType).toBe("invalidSyntax");
    expect((await bulk(tenant, [], { failOnErrors: 0 }, 400)).detail).toContain("failOnErrors");
    const nested = await bulk(tenant, [{ method: "POST", path: "/Bulk", bulkId: "b", data: {} }]);
    expect(nested.Operations[0]).toMatchObject({ status: "400", response: { scimType: "invalidValue" } });
    expect((await scim(tenant, "/Bulk")).status).toBe(405);
    expect((await scim(tenant, "/Bulk", { method: "POST", json: {}, token: "wrong" })).status).toBe(401);
  });
});
