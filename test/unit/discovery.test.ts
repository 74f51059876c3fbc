import { describe, expect, it } from "vitest";
import { resourceTypes, schemaDocuments, serviceProviderConfig } from "../../src/scim/discovery";
import { ScimError } from "../../src/scim/errors";
import { listResponse, parseListQuery } from "../../src/scim/list-response";
import type { AttributeDefinition } from "../../src/scim/schemas/definition";
import { groupSchema } from "../../src/scim/schemas/group";
import { enterpriseUserSchema, userSchema } from "../../src/scim/schemas/user";

const BASE = "https://scim.test/scim/v2/org_123";
const USER = "urn:ietf:params:scim:schemas:core:2.0:User";
const ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
const GROUP = "urn:ietf:params:scim:schemas:core:2.0:Group";

describe("serviceProviderConfig", () => {
  it("describes exactly what the server supports", () => {
    expect(serviceProviderConfig(BASE)).toEqual({
      schemas: ["urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"],
      patch: { supported: true },
      bulk: { supported: true, maxOperations: 100, maxPayloadSize: 1048576 },
      filter: { supported: true, maxResults: 1000 },
      pagination: {
        cursor: true,
        index: true,
        defaultPaginationMethod: "index",
        defaultPageSize: 100,
        maxPageSize: 1000,
        cursorTimeout: 86400,
      },
      changePassword: { supported: false },
      sort: { supported: true },
      etag: { supported: true },
      authenticationSchemes: [
        {
          type: "oauthbearertoken",
          name: "OAuth Bearer Token",
          description: "Authentication scheme using the OAuth Bearer Token Standard",
          specUri: "https://www.rfc-editor.org/info/rfc6750",
          primary: true,
        },
      ],
      meta: { resourceType: "ServiceProviderConfig", location: `${BASE}/ServiceProviderConfig` },
    });
  });

  it("filters no more than one page holds", () => {
    expect(serviceProviderConfig(BASE).filter.maxResults).toBe(parseListQuery({ count: "100000" }).count);
  });
});

describe("resourceTypes", () => {
  it("lists User with the optional enterprise extension, then Group", () => {
    expect(resourceTypes(BASE)).toEqual([
      {
        schemas: ["urn:ietf:params:scim:schemas:core:2.0:ResourceType"],
        id: "User",
        name: "User",
        endpoint: "/Users",
        description: "User Account",
        schema: USER,
        schemaExtensions: [{ schema: ENTERPRISE, required: false }],
        meta: { resourceType: "ResourceType", location: `${BASE}/ResourceTypes/User` },
      },
      {
        schemas: ["urn:ietf:params:scim:schemas:core:2.0:ResourceType"],
        id: "Group",
        name: "Group",
        endpoint: "/Groups",
        description: "Group",
        schema: GROUP,
        schemaExtensions: [],
        meta: { resourceType: "ResourceType", location: `${BASE}/ResourceTypes/Group` },
      },
    ]);
  });
});

describe("schemaDocuments", () => {
  const documents = schemaDocuments(BASE);
  const byId = (id: string) => documents.find((document) => document.id === id)!;
  const attribute = (schema: string, name: string) => byId(schema).attributes.find((a) => a.name === name);

  it("holds User, EnterpriseUser and Group in the RFC 7643 §7 shape", () => {
    expect(documents.map((document) => document.id)).toEqual([USER, ENTERPRISE, GROUP]);
    for (const document of documents) {
      expect(document.schemas).toEqual(["urn:ietf:params:scim:schemas:core:2.0:Schema"]);
      expect(document.meta).toEqual({ resourceType: "Schema", location: `${BASE}/Schemas/${document.id}` });
    }
    expect(byId(USER)).toMatchObject({ name: "User", description: "User Account" });
    expect(byId(ENTERPRISE)).toMatchObject({ name: "EnterpriseUser", description: "Enterprise User" });
    expect(byId(GROUP)).toMatchObject({ name: "Group", description: "Group" });
  });

  it("lists exactly the definitions' attributes, from the definitions themselves", () => {
    const names = (schema: string) => byId(schema).attributes.map((a) => a.name);
    expect(names(USER)).toEqual(userSchema.attributes.map((a) => a.name));
    expect(names(ENTERPRISE)).toEqual(enterpriseUserSchema.attributes.map((a) => a.name));
    expect(names(GROUP)).toEqual(groupSchema.attributes.map((a) => a.name));
    expect(names(USER)).toContain("groups");
    for (const common of ["id", "externalId", "meta"]) {
      for (const schema of [USER, ENTERPRISE, GROUP]) expect(names(schema)).not.toContain(common);
    }
  });

  it("gives every attribute and sub-attribute its RFC 7643 §7 characteristics", () => {
    const characteristics = [
      "name",
      "type",
      "multiValued",
      "description",
      "required",
      "caseExact",
      "mutability",
      "returned",
      "uniqueness",
    ];
    const check = (attributes: AttributeDefinition[]) => {
      for (const a of attributes) {
        for (const key of characteristics) expect(a, `${a.name}.${key}`).toHaveProperty(key);
        if (a.type === "complex") {
          expect(a.subAttributes?.length, a.name).toBeGreaterThan(0);
          check(a.subAttributes!);
        } else expect(a).not.toHaveProperty("subAttributes");
        if (a.type === "reference") expect(a.referenceTypes, a.name).toBeInstanceOf(Array);
      }
    };
    for (const document of documents) check(document.attributes);
  });

  it("tells clients the facts they act on", () => {
    expect(attribute(USER, "userName")).toMatchObject({
      type: "string",
      required: true,
      uniqueness: "server",
      caseExact: false,
    });
    expect(attribute(USER, "password")).toMatchObject({ mutability: "writeOnly", returned: "never" });
    expect(attribute(USER, "groups")).toMatchObject({ mutability: "readOnly", multiValued: true });
    expect(attribute(USER, "emails")).toMatchObject({ type: "complex", multiValued: true });
    expect(attribute(USER, "emails")!.subAttributes!.map((s) => s.name)).toEqual([
      "value",
      "display",
      "type",
      "primary",
    ]);
    expect(attribute(ENTERPRISE, "manager")!.subAttributes!.map((s) => s.name)).toEqual([
      "value",
      "$ref",
      "displayName",
    ]);
    expect(attribute(GROUP, "displayName")).toMatchObject({ required: true });
    expect(attribute(GROUP, "members")!.subAttributes!.find((s) => s.name === "$ref")).toMatchObject({
      type: "reference",
      referenceTypes: ["User"],
    });
  });

  it("is plain JSON", () => {
    expect(JSON.parse(JSON.stringify(documents))).toEqual(documents);
  });
});

describe("listResponse", () => {
  it("wraps resources with the three counters", () => {
    expect(listResponse([{ id: "a" }, { id: "b" }], { totalResults: 12, startIndex: 3, itemsPerPage: 2 })).toEqual({
      schemas: ["urn:ietf:params:scim:api:messages:2.0:ListResponse"],
      totalResults: 12,
      startIndex: 3,
      itemsPerPage: 2,
      Resources: [{ id: "a" }, { id: "b" }],
    });
  });

  it("always has Resources, empty when nothing matched (Entra's connection test)", () => {
    const body = JSON.parse(JSON.stringify(listResponse([], { totalResults: 0, startIndex: 1, itemsPerPage: 0 })));
    expect(body).toEqual({
      schemas: ["urn:ietf:params:scim:api:messages:2.0:ListResponse"],
      totalResults: 0,
      startIndex: 1,
      itemsPerPage: 0,
      Resources: [],
    });
  });

  it("carries only the counters, whatever else the page object holds", () => {
    const page = { totalResults: 1, startIndex: 1, itemsPerPage: 1, cursor: "x" };
    expect(Object.keys(listResponse([{}], page))).toEqual([
      "schemas",
      "totalResults",
      "startIndex",
      "itemsPerPage",
      "Resources",
    ]);
  });
});

describe("parseListQuery", () => {
  const invalid = (query: { startIndex?: string; count?: string }, name: string) => {
    let thrown: unknown;
    try {
      parseListQuery(query);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(ScimError);
    expect(thrown).toMatchObject({ status: 400, scimType: "invalidValue" });
    expect((thrown as ScimError).detail).toContain(name);
  };

  it("defaults to the first page of 100 (a plain GET /Users)", () => {
    expect(parseListQuery({})).toEqual({ startIndex: 1, count: 100 });
    expect(parseListQuery({ startIndex: "", count: " " })).toEqual({ startIndex: 1, count: 100 });
  });

  it("reads Okta's paging", () => {
    expect(parseListQuery({ startIndex: "1", count: "2" })).toEqual({ startIndex: 1, count: 2 });
    expect(parseListQuery({ startIndex: "101", count: "100" })).toEqual({ startIndex: 101, count: 100 });
  });

  it("treats a startIndex below 1 as 1", () => {
    expect(parseListQuery({ startIndex: "0" }).startIndex).toBe(1);
    expect(parseListQuery({ startIndex: "-5" }).startIndex).toBe(1);
  });

  it("clamps count to 0..1000", () => {
    expect(parseListQuery({ count: "0" }).count).toBe(0);
    expect(parseListQuery({ count: "-3" }).count).toBe(0);
    expect(parseListQuery({ count: "1000" }).count).toBe(1000);
    expect(parseListQuery({ count: "1001" }).count).toBe(1000);
    expect(parseListQuery({ count: "99999999999999999999999" }).count).toBe(1000);
  });

  it("keeps a huge startIndex an exact, safe integer", () => {
    expect(parseListQuery({ startIndex: "99999999999999999999999" }).startIndex).toBe(Number.MAX_SAFE_INTEGER);
    expect(parseListQuery({ startIndex: " 7 " }).startIndex).toBe(7);
  });

  it("refuses what is not an integer with invalidValue naming the parameter", () => {
    for (const value of ["abc", "1.5", "1e3", "10abc", "0x10", "- 1"]) {
      invalid({ startIndex: value }, "startIndex");
      invalid({ count: value }, "count");
    }
  });
});
