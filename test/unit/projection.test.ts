import { describe, expect, it } from "vitest";
import { isAttributeRequested, parseProjection, projectResource } from "../../src/scim/projection";
import { userResourceType } from "../../src/scim/schemas/resource-type";

const ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
const CORE = "urn:ietf:params:scim:schemas:core:2.0:User";
const resource = {
  schemas: [CORE, ENTERPRISE],
  id: "u1",
  userName: "ada@acme.test",
  name: { givenName: "Ada", familyName: "Lovelace" },
  emails: [{ value: "ada@acme.test", type: "work" }, { value: "ada@home.test", type: "home" }],
  active: true,
  [ENTERPRISE]: { department: "R&D", employeeNumber: "7" },
  meta: { resourceType: "User", version: 'W/"1"' },
};
const project = (query: { attributes?: string; excludedAttributes?: string }) =>
  projectResource(resource, parseProjection(query), userResourceType);

describe("projection", () => {
  it("returns only the requested attributes plus id and schemas", () => {
    expect(project({ attributes: "USERNAME, name.givenName" })).toEqual({
      schemas: resource.schemas,
      id: "u1",
      userName: "ada@acme.test",
      name: { givenName: "Ada" },
    });
    expect(project({ attributes: "emails.value" })).toMatchObject({ emails: [{ value: "ada@acme.test" }, { value: "ada@home.test" }] });
    expect(project({ attributes: `${ENTERPRISE}:department,${CORE}:active` })).toEqual({
      schemas: resource.schemas,
      id: "u1",
      active: true,
      [ENTERPRISE]: { department: "R&D" },
    });
    expect(project({ attributes: ENTERPRISE })[ENTERPRISE]).toEqual(resource[ENTERPRISE]);
    expect(project({ attributes: "noSuchThing" })).toEqual({ schemas: resource.schemas, id: "u1" });
  });

  it("removes excluded attributes but never id or schemas", () => {
    const result = project({ excludedAttributes: "emails,meta,id,schemas,name.familyName" });
    expect(result).toEqual({
      schemas: resource.schemas,
      id: "u1",
      userName: "ada@acme.test",
      name: { givenName: "Ada" },
      active: true,
      [ENTERPRISE]: resource[ENTERPRISE],
    });
    expect(project({ excludedAttributes: `${ENTERPRISE}:department` })[ENTERPRISE]).toEqual({ employeeNumber: "7" });
    expect(project({ excludedAttributes: ENTERPRISE })).not.toHaveProperty(ENTERPRISE);
  });

  it("lets attributes win over excludedAttributes, and does nothing without either", () => {
    expect(project({ attributes: "userName", excludedAttributes: "userName" })).toHaveProperty("userName");
    expect(project({})).toBe(resource);
  });

  it("tells whether an attribute will be returned", () => {
    expect(isAttributeRequested(parseProjection({ excludedAttributes: "emails" }), userResourceType, "emails")).toBe(false);
    expect(isAttributeRequested(parseProjection({ excludedAttributes: "emails.type" }), userResourceType, "emails")).toBe(true);
    expect(isAttributeRequested(parseProjection({ attributes: "userName" }), userResourceType, "emails")).toBe(false);
    expect(isAttributeRequested(parseProjection({}), userResourceType, "emails")).toBe(true);
  });
});
