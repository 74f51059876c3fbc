import { describe, expect, it } from "vitest";
import { isAttributeRequested, type Projection, parseProjection, projectResource } from "../../src/scim/projection";
import { groupResourceType, userResourceType } from "../../src/scim/schemas/resource-type";

const CORE = "urn:ietf:params:scim:schemas:core:2.0:User";
const ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
const GROUP = "urn:ietf:params:scim:schemas:core:2.0:Group";

const meta = {
  resourceType: "User",
  created: "2024-01-01T00:00:00.000Z",
  location: "https://x/Users/u1",
  version: 'W/"1"',
};
/** A full User response representation: document, id, groups and meta. */
const resource = {
  schemas: [CORE, ENTERPRISE],
  id: "u1",
  userName: "ada@acme.test",
  name: { givenName: "Ada", familyName: "Lovelace" },
  emails: [
    { value: "ada@acme.test", type: "work", primary: true },
    { value: "ada@home.test", type: "home" },
  ],
  active: true,
  externalId: "00u1",
  [ENTERPRISE]: { department: "R&D", employeeNumber: "7", manager: { value: "m1" } },
  groups: [{ value: "g1", display: "Sales", $ref: "https://x/Groups/g1" }],
  meta,
};
const always = { schemas: resource.schemas, id: "u1" };

const project = (query: { attributes?: string; excludedAttributes?: string }) =>
  projectResource(resource, parseProjection(query), userResourceType);

describe("parseProjection", () => {
  it("splits comma-separated names and trims them", () => {
    expect(parseProjection({ attributes: " userName , name.givenName,,emails " })).toEqual({
      attributes: ["userName", "name.givenName", "emails"],
    });
    expect(parseProjection({ excludedAttributes: "members" })).toEqual({ excludedAttributes: ["members"] });
  });

  it("is empty without either parameter or with blank ones", () => {
    expect(parseProjection({})).toEqual({});
    expect(parseProjection({ attributes: " , ", excludedAttributes: "" })).toEqual({});
  });

  it("lets attributes win when a client sends both", () => {
    expect(parseProjection({ attributes: "userName", excludedAttributes: "userName" })).toEqual({
      attributes: ["userName"],
    });
    expect(project({ attributes: "userName", excludedAttributes: "userName" })).toEqual({
      ...always,
      userName: "ada@acme.test",
    });
  });
});

describe("projectResource with attributes", () => {
  it("returns only the named attributes plus id and schemas, case-insensitively", () => {
    expect(project({ attributes: "USERNAME,Active" })).toEqual({ ...always, userName: "ada@acme.test", active: true });
  });

  it("returns one sub-attribute of a complex attribute", () => {
    expect(project({ attributes: "name.givenName" })).toEqual({ ...always, name: { givenName: "Ada" } });
  });

  it("returns one sub-attribute of every element of a multi-valued attribute", () => {
    expect(project({ attributes: "emails.value" })).toEqual({
      ...always,
      emails: [{ value: "ada@acme.test" }, { value: "ada@home.test" }],
    });
    // Elements without it disappear, and so does a list left empty.
    expect(project({ attributes: "emails.primary" })).toEqual({ ...always, emails: [{ primary: true }] });
    expect(project({ attributes: "emails.display" })).toEqual(always);
  });

  it("combines sub-attributes, and a whole attribute covers its sub-attributes", () => {
    expect(project({ attributes: "emails.value,emails.type" }).emails).toEqual([
      { value: "ada@acme.test", type: "work" },
      { value: "ada@home.test", type: "home" },
    ]);
    expect(project({ attributes: "name.givenName,name" }).name).toEqual(resource.name);
    expect(project({ attributes: "name,name.givenName" }).name).toEqual(resource.name);
  });

  it("resolves URN-qualified core and extension names", () => {
    expect(project({ attributes: `${CORE}:userName,${ENTERPRISE}:department` })).toEqual({
      ...always,
      userName: "ada@acme.test",
      [ENTERPRISE]: { department: "R&D" },
    });
    expect(project({ attributes: `${ENTERPRISE.toLowerCase()}:manager.value` })).toEqual({
      ...always,
      [ENTERPRISE]: { manager: { value: "m1" } },
    });
    expect(project({ attributes: `${CORE}:name.familyName` })).toEqual({ ...always, name: { familyName: "Lovelace" } });
  });

  it("returns a whole extension by its URN", () => {
    expect(project({ attributes: ENTERPRISE.toUpperCase() })).toEqual({
      ...always,
      [ENTERPRISE]: resource[ENTERPRISE],
    });
  });

  it("drops an extension left empty but keeps schemas as the resource has them", () => {
    expect(project({ attributes: `userName,${ENTERPRISE}:costCenter` })).toEqual({
      ...always,
      userName: "ada@acme.test",
    });
  });

  it("returns meta, externalId and groups only when named", () => {
    expect(project({ attributes: "userName" })).not.toHaveProperty("meta");
    expect(project({ attributes: "meta,externalId,groups" })).toEqual({
      ...always,
      externalId: "00u1",
      groups: resource.groups,
      meta,
    });
    expect(project({ attributes: "meta.version" })).toEqual({ ...always, meta: { version: 'W/"1"' } });
  });

  it("ignores unknown names and unqualified extension attributes", () => {
    expect(project({ attributes: "noSuchThing,name.noSuchPart,department,urn:x:y:z" })).toEqual(always);
  });

  it("never returns password, even if a representation held it", () => {
    const withPassword = { ...resource, password: "secret" };
    expect(projectResource(withPassword, { attributes: ["password", "userName"] }, userResourceType)).toEqual({
      ...always,
      userName: "ada@acme.test",
    });
    expect(projectResource(withPassword, {}, userResourceType)).not.toHaveProperty("password");
  });

  it("keeps the representation's order with id first", () => {
    expect(Object.keys(project({ attributes: "meta,active,userName" }))).toEqual([
      "schemas",
      "id",
      "userName",
      "active",
      "meta",
    ]);
  });
});

describe("projectResource with excludedAttributes", () => {
  it("returns the default set minus the excluded attributes", () => {
    const { emails, meta: _meta, ...rest } = resource;
    expect(emails).toBeDefined();
    expect(project({ excludedAttributes: "EMAILS, meta" })).toEqual(rest);
  });

  it("never excludes id or schemas", () => {
    expect(project({ excludedAttributes: "id,schemas,ID" })).toEqual(resource);
    expect(project({ excludedAttributes: `${CORE}:id` })).toEqual(resource);
  });

  it("removes a sub-attribute, from each element of a multi-valued attribute", () => {
    expect(project({ excludedAttributes: "name.familyName" }).name).toEqual({ givenName: "Ada" });
    expect(project({ excludedAttributes: "emails.type,emails.primary" }).emails).toEqual([
      { value: "ada@acme.test" },
      { value: "ada@home.test" },
    ]);
    // Nothing left of the complex value: it goes.
    expect(project({ excludedAttributes: "name.givenName,name.familyName" })).not.toHaveProperty("name");
  });

  it("removes extension attributes and whole extensions", () => {
    expect(project({ excludedAttributes: `${ENTERPRISE}:department,${ENTERPRISE}:manager.value` })[ENTERPRISE]).toEqual(
      {
        employeeNumber: "7",
      },
    );
    const withoutExtension = project({ excludedAttributes: ENTERPRISE });
    expect(withoutExtension).not.toHaveProperty(ENTERPRISE);
    expect(withoutExtension.schemas).toEqual([CORE, ENTERPRISE]);
    expect(
      project({ excludedAttributes: `${ENTERPRISE}:department,${ENTERPRISE}:employeeNumber,${ENTERPRISE}:manager` }),
    ).not.toHaveProperty(ENTERPRISE);
  });

  it("ignores unknown names and leaves the resource itself untouched", () => {
    const before = structuredClone(resource);
    expect(project({ excludedAttributes: "noSuchThing,name.nope" })).toEqual(resource);
    project({ excludedAttributes: `name.familyName,emails.type,${ENTERPRISE}:department,meta` });
    expect(resource).toEqual(before);
  });

  it("returns the whole representation without a projection", () => {
    expect(project({})).toEqual(resource);
  });

  it("removes a group's members (Entra's excludedAttributes=members)", () => {
    const group = {
      schemas: [GROUP],
      id: "g1",
      displayName: "Sales",
      members: [{ value: "u1", display: "a@acme.test", $ref: "https://x/Users/u1" }],
      meta: { ...meta, resourceType: "Group" },
    };
    const { members, ...rest } = group;
    expect(members).toHaveLength(1);
    expect(projectResource(group, parseProjection({ excludedAttributes: "members" }), groupResourceType)).toEqual(rest);
    expect(projectResource(group, parseProjection({ attributes: "members.value" }), groupResourceType)).toEqual({
      schemas: [GROUP],
      id: "g1",
      members: [{ value: "u1" }],
    });
  });
});

describe("isAttributeRequested", () => {
  const requested = (projection: Projection, name: string) => isAttributeRequested(projection, groupResourceType, name);

  it("is true for everything returned by default when there is no projection", () => {
    expect(requested({}, "members")).toBe(true);
    expect(requested({}, "meta")).toBe(true);
  });

  it("follows excludedAttributes: a whole exclusion hides it, a sub-attribute's does not", () => {
    expect(requested(parseProjection({ excludedAttributes: "members" }), "members")).toBe(false);
    expect(requested(parseProjection({ excludedAttributes: "MEMBERS" }), "members")).toBe(false);
    expect(requested(parseProjection({ excludedAttributes: "members.display" }), "members")).toBe(true);
    expect(requested(parseProjection({ excludedAttributes: "displayName" }), "members")).toBe(true);
  });

  it("follows attributes: the attribute or one of its sub-attributes must be named", () => {
    expect(requested(parseProjection({ attributes: "displayName" }), "members")).toBe(false);
    expect(requested(parseProjection({ attributes: "members.value" }), "members")).toBe(true);
    expect(requested(parseProjection({ attributes: `${GROUP}:members` }), "members")).toBe(true);
    expect(requested(parseProjection({ attributes: "members" }), "members.value")).toBe(true);
    expect(requested(parseProjection({ attributes: "members.display" }), "members.value")).toBe(false);
  });

  it("is always true for id and never for password or unknown names", () => {
    expect(requested(parseProjection({ excludedAttributes: "id" }), "id")).toBe(true);
    expect(requested(parseProjection({ attributes: "displayName" }), "id")).toBe(true);
    expect(isAttributeRequested({}, userResourceType, "password")).toBe(false);
    expect(isAttributeRequested({}, userResourceType, "noSuchThing")).toBe(false);
  });

  it("answers for user groups and extensions", () => {
    expect(isAttributeRequested(parseProjection({ excludedAttributes: "groups" }), userResourceType, "groups")).toBe(
      false,
    );
    expect(isAttributeRequested(parseProjection({ attributes: "userName" }), userResourceType, "groups")).toBe(false);
    expect(
      isAttributeRequested(parseProjection({ attributes: `${ENTERPRISE}:department` }), userResourceType, ENTERPRISE),
    ).toBe(true);
  });
});
