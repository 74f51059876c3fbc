import { describe, expect, it } from "vitest";
import { planGroupPatch } from "../../src/scim/group-membership";
import { describeGroupPatch as describePlan, describeRequest, describeUserPatch } from "../../src/scim/operation";
import { type PatchRequestOperation, parsePatchOperations } from "../../src/scim/patch/operations";
import { parsePatchPath, patchPathShape } from "../../src/scim/patch/path";
import { string } from "../../src/scim/schemas/definition";
import { groupResourceType, type ResourceTypeDefinition, userResourceType } from "../../src/scim/schemas/resource-type";

/** A resource type with these attributes too, for paths the real schemas do not have. */
const withAttributes = (type: ResourceTypeDefinition, ...names: string[]): ResourceTypeDefinition => ({
  ...type,
  schema: { ...type.schema, attributes: [...type.schema.attributes, ...names.map((name) => string(name))] },
});

/** A user PATCH in words, from its operations parsed as the route parses them. */
const describeUser = (operations: PatchRequestOperation[], type = userResourceType) =>
  describeUserPatch(parsePatchOperations(operations, type));
/** A group PATCH in words, from its operations parsed and planned as the route does. */
const describeGroup = (operations: PatchRequestOperation[], type = groupResourceType) =>
  describePlan(planGroupPatch(parsePatchOperations(operations, type)));

describe("a SCIM request in words", () => {
  it("names the operation from the method and path", () => {
    expect(describeRequest("POST", ["Users"])).toEqual({ resourceType: "User", operation: "create user" });
    expect(describeRequest("GET", ["Groups"])).toEqual({ resourceType: "Group", operation: "list groups" });
    expect(describeRequest("PUT", ["Users", "u1"])).toEqual({
      resourceType: "User",
      resourceId: "u1",
      operation: "replace user",
    });
    expect(describeRequest("DELETE", ["Groups", "g1"]).operation).toBe("delete group");
    expect(describeRequest("POST", ["Users", ".search"]).operation).toBe("search users");
    expect(describeRequest("GET", ["ServiceProviderConfig"]).operation).toBe("get service provider config");
    expect(describeRequest("POST", ["Bulk"]).operation).toBe("post Bulk");
  });

  it("says what a user PATCH did", () => {
    expect(describeUser([{ op: "replace", value: { active: false } }])).toBe("deactivate");
    expect(describeUser([{ op: "Replace", path: "active", value: "True" }])).toBe("reactivate");
    expect(
      describeUser([
        { op: "replace", value: { "name.givenName": "A", title: "T" } },
        { op: "add", path: 'emails[type eq "work"].value', value: "x@y" },
      ]),
    ).toBe("replace name.givenName, replace title, add emails[type eq …].value");
    const many = Array.from({ length: 9 }, (_, i) => ({ op: "replace", path: `a${i}`, value: 1 }));
    const manyAttributes = withAttributes(userResourceType, ...many.map((operation) => operation.path));
    expect(describeUser(many, manyAttributes)).toBe("replace a0, replace a1, replace a2, replace a3 and 5 more");
    const long = "x".repeat(10_000);
    expect(
      describeUser([{ op: "replace", path: long, value: 1 }], withAttributes(userResourceType, long)).length,
    ).toBeLessThan(100);
  });

  it("says what a group PATCH did, counting members", () => {
    const plan = describeGroup([
      { op: "replace", value: { id: "g1", displayName: "Sales" } },
      { op: "add", path: "members", value: [{ value: "a" }, { value: "b" }, { value: "c" }] },
      { op: "remove", path: 'members[value eq "d"]' },
    ]);
    expect(plan).toBe("add 3 members, remove 1, rename");
    expect(describeGroup([{ op: "remove", path: 'members[value eq "d"]' }])).toBe("remove 1 member");
    expect(describeGroup([{ op: "replace", path: "members", value: [] }])).toBe("replace members with 0 members");
  });
});

describe("a PATCH path in the request log", () => {
  it("keeps the path's shape and leaves out every filter literal, whatever the filter's form", () => {
    const shapes: [string, string][] = [
      ['emails[value eq "ada@acme.test"].value', "emails[value eq …].value"],
      ['emails[type eq "work" and primary eq true]', "emails[type eq … and primary eq …]"],
      ['emails[type eq "work" or type ne "home"].display', "emails[type eq … or type ne …].display"],
      ['emails[(type eq "a" or type eq "b") and value sw "x"]', "emails[(type eq … or type eq …) and value sw …]"],
      ['emails[not (value ew "@acme.test")]', "emails[not (value ew …)]"],
      ["emails[display pr]", "emails[display pr]"],
      ["emails[primary eq false]", "emails[primary eq …]"],
      ["emails[type eq null]", "emails[type eq …]"],
      ["x509Certificates[value gt 42.5e3]", "x509Certificates[value gt …]"],
      ['emails[value co "a]b\\"c"].value', "emails[value co …].value"],
      ['emails[value eq "ada@acme.test"]', "emails[value eq …]"],
      [
        'urn:ietf:params:scim:schemas:core:2.0:User:emails[value eq "ada@acme.test"]',
        "urn:ietf:params:scim:schemas:core:2.0:User:emails[value eq …]",
      ],
      [
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value",
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value",
      ],
      ["name.givenName", "name.givenName"],
      // What does not parse keeps no client text but attribute names.
      ['emails[value eq "ada@acme.test"', "emails[…"],
      ['emails[value eq "ada@acme.test" junk]', "emails[…]"],
      ['emails[value eq "ada@acme.test"]"ada@acme.test"', "emails[value eq …]…"],
      ['emails[value eq "ada@acme.test"].ada@acme.test', "emails[value eq …].…"],
      ['"ada@acme.test"', "…"],
      ['userName eq "ada@acme.test"', "…"],
      ['"ada@acme.test"[value eq 1]', "…[value eq …]"],
    ];
    for (const [path, shape] of shapes) {
      expect(patchPathShape(path), path).toBe(shape);
      expect(patchPathShape(path), path).not.toMatch(/ada|42|"|true|false|null|work|home|@/);
    }
  });

  it("records user and group PATCHes by their paths' shapes, path-less keys too", () => {
    const literal = "ada@acme.test";
    const described = describeUser([
      { op: "replace", path: `emails[value eq "${literal}"].value`, value: "new@acme.test" },
      { op: "remove", path: `phoneNumbers[value eq "+1 555 0100" or display pr]` },
      { op: "add", value: { [`addresses[formatted co "${literal}"].locality`]: "Paris" } },
    ]);
    expect(described).toBe(
      "replace emails[value eq …].value, remove phoneNumbers[value eq … or display pr], add addresses[formatted co …].locality",
    );
    // The Group schema does not hold externalId (a common attribute), so its qualified form names one made up here.
    const group = describeGroup(
      [
        { op: "replace", path: `urn:ietf:params:scim:schemas:core:2.0:Group:externalId`, value: "x" },
        { op: "add", value: { [`emails[value eq "${literal}"]`]: "x" } },
      ],
      withAttributes(groupResourceType, "externalId"),
    );
    expect(group).toBe("replace urn:ietf:params:scim:schemas:core:2.0:Group:externalId, add emails[value eq …]");
    // A filter this long is refused while parsing; were it taken, its description would hold no literal.
    const tooLong = `emails[value eq "${"x".repeat(10_000)}"]`;
    const emails = { ...parsePatchPath("emails", userResourceType), shape: patchPathShape(tooLong) };
    expect(describeUserPatch([{ op: "replace", path: emails, value: 1 }])).toBe("replace emails[…]");
  });
});
