import { afterEach, describe, expect, it, vi } from "vitest";
import { app } from "../../src/app";
import {
  activity,
  createTenant,
  createUser,
  GROUP_SCHEMA,
  patchOp,
  SCIM_JSON,
  scim,
  shardOf,
  type Tenant,
  tenantRows,
  user,
} from "../helpers";

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

afterEach(() => vi.restoreAllMocks());

const userCount = async (tenant: Tenant) =>
  ((await (await scim(tenant, "/Users?count=0")).json()) as any).totalResults as number;

/** What the SCIM request log holds of a tenant: its records and the counters their trigger keeps (health, hours). */
const requestLogOf = async (orgId: string) =>
  (
    await shardOf(orgId).batch(
      ["scim_requests", "scim_request_hours", "scim_health"].map((table) =>
        shardOf(orgId).prepare(`SELECT * FROM ${table} WHERE org_id = ?`).bind(orgId),
      ),
    )
  ).map(({ results }) => results);

/** Waits until the queue consumer has stored `count` request records of the tenant. */
async function recordsStored(orgId: string, count: number) {
  for (let waited = 0; waited < 10_000; waited += 50) {
    const [records] = await requestLogOf(orgId);
    if (records.length >= count) return records;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`${orgId}: fewer than ${count} request records`);
}

/** The paths of the requests the worker served (its `request` log lines), the operations a /Bulk dispatched included. */
function servedPaths() {
  const log = vi.spyOn(console, "log");
  return () =>
    log.mock.calls
      .map(([line]) => (typeof line === "string" && line.startsWith("{") ? JSON.parse(line) : {}))
      .filter((line) => line.event === "request")
      .map((line) => line.path as string);
}

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

  it("answers 413 with nothing done beyond maxOperations or maxPayloadSize", async () => {
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
    const full = await bulk(
      tenant,
      Array.from({ length: 100 }, (_, i) => post(i)),
    );
    expect(full.Operations.every((o: any) => o.status === "201")).toBe(true);
    expect(await userCount(tenant)).toBe(100);
  });

  it("keeps every operation in its tenant: a path that is not this tenant's /Users or /Groups[/id] is 400 invalidPath, nothing dispatched", async () => {
    const attacker = await createTenant();
    const victim = await createTenant();
    const target = await createUser(victim, "target@acme.test");
    await Promise.all([activity(victim.orgId), recordsStored(victim.orgId, 1)]);
    const victimRows = await tenantRows(victim.orgId);
    const victimLog = await requestLogOf(victim.orgId);
    const served = servedPaths();
    const escapes = [
      `/Users/..\\..\\${victim.orgId}\\Users\\${target.id}`,
      `/Groups/..\\..\\..\\..\\admin\\v1\\organizations\\${victim.orgId}`,
      `/Users/${target.id}\\..\\..\\..\\${victim.orgId}\\Users\\${target.id}`,
      `/Users/..%2F..%2F${victim.orgId}%2FUsers%2F${target.id}`,
      `/Users/%2e%2e`,
      "/Users/..",
      "/Groups/.",
      `/Users/${target.id}/`,
      `/Users/${target.id}?attributes=id`,
      `/Users/${target.id}#x`,
      `//${victim.orgId}/Users/${target.id}`,
      `/../${victim.orgId}/Users/${target.id}`,
    ];
    const deactivate = patchOp({ op: "replace", value: { active: false } });
    const body = await bulk(attacker, [
      ...escapes.flatMap((path) => [
        { method: "PATCH", path, data: deactivate },
        { method: "DELETE", path },
      ]),
      { method: "POST", path: `/Users/..\\..\\${victim.orgId}\\Users`, bulkId: "in", data: user("in@acme.test") },
      { method: "POST", path: "/Users", bulkId: "own", data: user("own@acme.test") },
    ]);
    await recordsStored(attacker.orgId, 2);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(await requestLogOf(victim.orgId)).toEqual(victimLog);
    expect(await tenantRows(victim.orgId)).toEqual(victimRows);
    // Only the /Bulk request and its one valid operation ran, both at the attacker's own paths.
    expect(served()).toEqual([`/scim/v2/${attacker.orgId}/Users`, `/scim/v2/${attacker.orgId}/Bulk`]);
    const refused = body.Operations.slice(0, -1);
    expect(refused).toHaveLength(escapes.length * 2 + 1);
    for (const result of refused) {
      expect(result).toMatchObject({ status: "400", response: { status: "400", scimType: "invalidPath" } });
    }
    expect(body.Operations.at(-1)).toMatchObject({ bulkId: "own", status: "201" });
    expect((await (await scim(victim, `/Users/${target.id}`)).json()) as any).toMatchObject({ active: true });
  });

  it("answers an operation's failure as that operation's status, never the request's: what ran before stands", async () => {
    const tenant = await createTenant();
    const original = app.request.bind(app);
    vi.spyOn(app, "request").mockImplementation(async (input, ...rest) => {
      const path = new URL(input instanceof Request ? input.url : String(input)).pathname;
      if (path.endsWith("/Groups"))
        return new Response("<h1>Bad gateway</h1>", { status: 502, headers: { "Content-Type": "text/html" } });
      if (path.includes("/Groups/")) throw new TypeError("the dispatch failed");
      return original(input, ...rest);
    });
    vi.spyOn(console, "error").mockImplementation(() => {});
    const response = await scim(tenant, "/Bulk", {
      method: "POST",
      json: {
        schemas: [BULK],
        Operations: [
          { method: "POST", path: "/Users", bulkId: "ada", data: user("ada@acme.test") },
          { method: "DELETE", path: "/Users/..\\..\\..\\..\\console\\x" },
          { method: "PUT", path: "/Users/bulkId:ada", version: 'W/"1"\nX-Injected: 1', data: user("ada@acme.test") },
          { method: "PUT", path: "/Users/bulkId:ada", version: 'W/"☃"', data: user("ada@acme.test") },
          { method: "POST", path: "/Groups", bulkId: "team", data: { schemas: [GROUP_SCHEMA], displayName: "Team" } },
          { method: "DELETE", path: `/Groups/${crypto.randomUUID()}` },
          { method: "PATCH", path: "/Users/bulkId:ada", data: patchOp({ op: "replace", path: "title", value: "Eng" }) },
        ],
      },
    });
    expect(response.status).toBe(200);
    expect(response.headers.get("Content-Type")).toBe(SCIM_JSON);
    const body = (await response.json()) as any;
    expect(body.Operations.map((o: any) => [o.status, o.response?.scimType])).toEqual([
      ["201", undefined],
      ["400", "invalidPath"],
      ["400", "invalidValue"],
      ["400", "invalidValue"],
      ["502", undefined],
      ["500", undefined],
      ["200", undefined],
    ]);
    expect(body.Operations[4].response).toMatchObject({ schemas: [expect.any(String)], status: "502" });
    expect(body.Operations[5].response).toMatchObject({ status: "500", detail: "Internal server error." });
    const ada = (await (await scim(tenant, '/Users?filter=userName eq "ada@acme.test"')).json()) as any;
    expect(ada.Resources).toEqual([expect.objectContaining({ title: "Eng" })]);
  });

  it("refuses a malformed envelope, other methods and unauthenticated callers", async () => {
    const tenant = await createTenant();
    const missing = await scim(tenant, "/Bulk", { method: "POST", json: { Operations: [] } });
    expect(((await missing.json()) as any).scimType).toBe("invalidValue");
    expect((await bulk(tenant, "nope" as unknown as unknown[], {}, 400)).scimType).toBe("invalidSyntax");
    expect((await bulk(tenant, [], { failOnErrors: 0 }, 400)).detail).toContain("failOnErrors");
    const nested = await bulk(tenant, [{ method: "POST", path: "/Bulk", bulkId: "b", data: {} }]);
    expect(nested.Operations[0]).toMatchObject({ status: "400", response: { scimType: "invalidPath" } });
    expect((await scim(tenant, "/Bulk")).status).toBe(405);
    expect((await scim(tenant, "/Bulk", { method: "POST", json: {}, token: "wrong" })).status).toBe(401);
  });
});
