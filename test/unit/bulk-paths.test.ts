import { describe, expect, it } from "vitest";
import { type BulkOperation, operationPath, parseBulkRequest, resolveBulkIds } from "../../src/scim/bulk";

const BULK = "urn:ietf:params:scim:api:messages:2.0:BulkRequest";
const ID = "3f2a6c1e-9b7d-4e2f-8a1c-5d6e7f809a1b";

const parsed = (operations: unknown[]) => parseBulkRequest({ schemas: [BULK], Operations: operations }).operations;

describe("the path of a /Bulk operation", () => {
  it("names this tenant's /Users or /Groups, and one resource by an id this service gives or a bulkId", () => {
    const [post, put, patch] = parsed([
      { method: "POST", path: "/Groups", bulkId: "g", data: {} },
      { method: "PUT", path: `/Users/${ID}`, data: {} },
      { method: "PATCH", path: "/Groups/bulkId:g", data: {} },
    ]);
    expect(post).toMatchObject({ resource: "Groups", id: undefined });
    expect(put).toMatchObject({ resource: "Users", id: ID });
    expect(patch).toMatchObject({ resource: "Groups", id: "bulkId:g" });
    expect(operationPath(put as BulkOperation)).toBe(`/Users/${ID}`);
    expect(operationPath(resolveBulkIds(patch as BulkOperation, new Map([["g", ID]])))).toBe(`/Groups/${ID}`);
  });

  it("refuses anything else with 400 invalidPath: separators, escapes, dot segments, other endpoints, other ids", () => {
    const paths = [
      `/Users/..\\..\\0d7c5e1a-0000-4000-8000-000000000000\\Users\\${ID}`,
      `/Users/${ID}\\..\\x`,
      `/Users/..%2F${ID}`,
      "/Users/%2e%2e",
      "/Users/..",
      "/Groups/.",
      `/Users/${ID}/`,
      `/Users/${ID}/..`,
      `/Users/${ID}?x=1`,
      `/Users/${ID}#x`,
      `//Users/${ID}`,
      `/users/${ID}`,
      `/Users/ ${ID}`,
      "/Users/42",
      "/Bulk/x",
      "/ServiceProviderConfig/x",
      `/../Users/${ID}`,
      "Users/x",
    ];
    for (const path of paths) {
      const [refused] = parsed([{ method: "PATCH", path, data: {} }]);
      expect(refused, path).toMatchObject({ error: { status: 400, scimType: "invalidPath" } });
    }
    for (const path of ["/Users/", `/Users/${ID}`, "/Users/..", "/.search", "/Bulk"]) {
      const [refused] = parsed([{ method: "POST", path, bulkId: "b", data: {} }]);
      expect(refused, path).toMatchObject({ error: { status: 400, scimType: "invalidPath" } });
    }
  });

  it("checks the id again once the bulkIds are resolved: whatever a bulkId stands for must be an id", () => {
    const [operation] = parsed([{ method: "DELETE", path: "/Users/bulkId:u" }]) as BulkOperation[];
    for (const id of ["..\\..\\x", "../x", "%2e%2e", "a/b", ""]) {
      expect(() => operationPath(resolveBulkIds(operation, new Map([["u", id]]))), id).toThrow(
        expect.objectContaining({ status: 400, scimType: "invalidPath" }),
      );
    }
  });

  it("refuses a version no If-Match header can carry", () => {
    for (const version of ['W/"1"\nX-Injected: 1', 'W/"☃"', "", 'W/"1"\r']) {
      const [refused] = parsed([{ method: "DELETE", path: `/Users/${ID}`, version }]);
      expect(refused, JSON.stringify(version)).toMatchObject({ error: { status: 400, scimType: "invalidValue" } });
    }
    expect(parsed([{ method: "DELETE", path: `/Users/${ID}`, version: 'W/"3"' }])[0]).not.toHaveProperty("error");
  });
});
