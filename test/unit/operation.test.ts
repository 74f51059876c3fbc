import { describe, expect, it } from "vitest";
import { planGroupPatch } from "../../src/scim/group-membership";
import { describeGroupPatch, describeRequest, describeUserPatch } from "../../src/scim/operation";

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
    expect(describeUserPatch([{ op: "replace", value: { active: false } }])).toBe("deactivate");
    expect(describeUserPatch([{ op: "Replace", path: "active", value: "True" }])).toBe("reactivate");
    expect(
      describeUserPatch([
        { op: "replace", value: { "name.givenName": "A", title: "T" } },
        { op: "add", path: 'emails[type eq "work"].value', value: "x@y" },
      ]),
    ).toBe('replace name.givenName, replace title, add emails[type eq "work"].value');
    const many = Array.from({ length: 9 }, (_, i) => ({ op: "replace", path: `a${i}`, value: 1 }));
    expect(describeUserPatch(many)).toBe("replace a0, replace a1, replace a2, replace a3 and 5 more");
    expect(describeUserPatch([{ op: "replace", path: "x".repeat(10_000), value: 1 }]).length).toBeLessThan(100);
  });

  it("says what a group PATCH did, counting members", () => {
    const plan = planGroupPatch([
      { op: "replace", value: { id: "g1", displayName: "Sales" } },
      { op: "add", path: "members", value: [{ value: "a" }, { value: "b" }, { value: "c" }] },
      { op: "remove", path: 'members[value eq "d"]' },
    ]);
    expect(describeGroupPatch(plan)).toBe("add 3 members, remove 1, rename");
    expect(describeGroupPatch(planGroupPatch([{ op: "remove", path: 'members[value eq "d"]' }]))).toBe(
      "remove 1 member",
    );
    expect(describeGroupPatch(planGroupPatch([{ op: "replace", path: "members", value: [] }]))).toBe(
      "replace members with 0 members",
    );
  });
});
