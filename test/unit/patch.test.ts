import { describe, expect, it } from "vitest";
import { applyPatch, type PatchOperation } from "../../src/scim/patch/apply-patch";
import { parsePatchPath } from "../../src/scim/patch/path";
import { ScimError } from "../../src/scim/errors";
import { groupResourceType, userResourceType } from "../../src/scim/schemas/resource-type";

const ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
const CORE = "urn:ietf:params:scim:schemas:core:2.0:User";

const base = () => ({
  schemas: [CORE],
  userName: "ada@acme.test",
  active: true,
  name: { givenName: "Ada", familyName: "Lovelace" },
  emails: [
    { value: "ada@acme.test", type: "work", primary: true },
    { value: "ada@home.test", type: "home" },
  ],
});

const patch = (document: Record<string, unknown>, ...operations: PatchOperation[]) =>
  applyPatch(document, operations, userResourceType);

function expectError(run: () => unknown, scimType: string) {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(ScimError);
    expect((error as ScimError).status).toBe(400);
    expect((error as ScimError).scimType).toBe(scimType);
    return;
  }
  throw new Error("expected a ScimError");
}

describe("applyPatch", () => {
  it("deactivates with Okta's path-less replace", () => {
    expect(patch(base(), { op: "replace", value: { active: false } }).active).toBe(false);
  });

  it("accepts capitalised op names and string booleans in both forms", () => {
    expect(patch(base(), { op: "Replace", path: "active", value: "False" }).active).toBe(false);
    expect(patch({ ...base(), active: false }, { op: "REPLACE", path: "active", value: "True" }).active).toBe(true);
    expect(patch(base(), { op: "replace", value: { active: "false" } }).active).toBe(false);
    expectError(() => patch(base(), { op: "replace", path: "active", value: "nope" }), "invalidValue");
  });

  it("replaces through a value path, and creates the element when none matches", () => {
    const replaced = patch(base(), { op: "Replace", path: 'emails[type eq "work"].value', value: "new@acme.test" });
    expect(replaced.emails).toEqual([
      { value: "new@acme.test", type: "work", primary: true },
      { value: "ada@home.test", type: "home" },
    ]);
    const created = patch(
      { ...base(), emails: [{ value: "ada@home.test", type: "home" }] },
      { op: "Add", path: 'emails[type eq "work"].value', value: "work@acme.test" },
    );
    expect(created.emails).toEqual([{ value: "ada@home.test", type: "home" }, { type: "work", value: "work@acme.test" }]);
    expectError(() => patch(base(), { op: "replace", path: 'emails[type co "x"].value', value: "v" }), "noTarget");
  });

  it("matches value filters case-insensitively and with booleans", () => {
    const result = patch(base(), { op: "replace", path: 'emails[TYPE eq "WORK" and primary eq true].display', value: "Work" });
    expect((result.emails as any[])[0].display).toBe("Work");
  });

  it("takes path-less values keyed by paths, including extension paths, ignoring read-only keys", () => {
    const result = patch(base(), {
      op: "replace",
      value: {
        "name.givenName": "Grace",
        [`${ENTERPRISE}:employeeNumber`]: "7",
        id: "ignored",
        meta: { created: "x" },
        unknownAttribute: 1,
        password: "secret",
      },
    });
    expect(result).toMatchObject({ name: { givenName: "Grace", familyName: "Lovelace" }, [ENTERPRISE]: { employeeNumber: "7" } });
    expect(result.schemas).toEqual([CORE, ENTERPRISE]);
    expect(result).not.toHaveProperty("id");
    expect(result).not.toHaveProperty("password");
    expect(result).not.toHaveProperty("unknownAttribute");
  });

  it("ignores Okta's id inside a group rename", () => {
    const group = { schemas: ["urn:ietf:params:scim:schemas:core:2.0:Group"], displayName: "Old" };
    const result = applyPatch(group, [{ op: "replace", value: { id: "group-id", displayName: "Sales" } }], groupResourceType);
    expect(result).toEqual({ ...group, displayName: "Sales" });
  });

  it("stores Entra's manager from a bare string or an object, and removes it", () => {
    const path = `${ENTERPRISE}:manager`;
    const bare = patch(base(), { op: "Add", path, value: "mgr-1" });
    expect(bare[ENTERPRISE]).toEqual({ manager: { value: "mgr-1" } });
    const object = patch(bare, { op: "Replace", path, value: { value: "mgr-2" } });
    expect((object[ENTERPRISE] as any).manager).toEqual({ value: "mgr-2" });
    const removed = patch(object, { op: "Remove", path });
    expect((removed[ENTERPRISE] as any).manager).toBeUndefined();
    const whole = patch(base(), { op: "add", path: ENTERPRISE, value: { department: "R&D" } });
    expect(whole[ENTERPRISE]).toEqual({ department: "R&D" });
  });

  it("adds to multi-valued attributes without duplicating, and add on a single value replaces it", () => {
    const added = patch(base(), { op: "add", path: "emails", value: [{ value: "ADA@acme.test", type: "work" }, { value: "x@acme.test", type: "other" }] });
    expect((added.emails as any[]).map((e) => e.value)).toEqual(["ada@acme.test", "ada@home.test", "x@acme.test"]);
    const single = patch({ ...base(), externalId: "a" } as any, { op: "Add", path: "externalId", value: "b" });
    expect(single.externalId).toBe("b");
    const replaced = patch(base(), { op: "replace", path: "emails", value: [{ value: "only@acme.test" }] });
    expect(replaced.emails).toEqual([{ value: "only@acme.test" }]);
  });

  it("removes only the listed values of a multi-valued attribute, never all of them", () => {
    const group = {
      schemas: ["urn:ietf:params:scim:schemas:core:2.0:Group"],
      displayName: "G",
      members: [{ value: "a" }, { value: "b" }, { value: "c" }],
    };
    const result = applyPatch(group, [{ op: "Remove", path: "members", value: [{ $ref: null, value: "b" }] }], groupResourceType);
    expect(result.members).toEqual([{ value: "a" }, { value: "c" }]);
    const filtered = applyPatch(group, [{ op: "remove", path: 'members[value eq "c"]' }], groupResourceType);
    expect(filtered.members).toEqual([{ value: "a" }, { value: "b" }]);
  });

  it("removes attributes, sub-attributes and matched elements; absent targets are no-ops", () => {
    expect(patch(base(), { op: "remove", path: "name.givenName" }).name).toEqual({ familyName: "Lovelace" });
    expect(patch(base(), { op: "remove", path: 'emails[type eq "home"]' }).emails).toEqual([base().emails[0]]);
    expect(patch(base(), { op: "remove", path: "title" })).toEqual(base());
    expect(patch(base(), { op: "replace", path: "name", value: null })).not.toHaveProperty("name");
    expectError(() => patch(base(), { op: "remove" }), "noTarget");
  });

  it("merges sub-attributes on add/replace of a complex attribute", () => {
    const result = patch(base(), { op: "replace", path: "name", value: { GivenName: "Grace" } });
    expect(result.name).toEqual({ givenName: "Grace", familyName: "Lovelace" });
  });

  it("refuses unknown paths, read-only paths and unknown ops", () => {
    expectError(() => patch(base(), { op: "replace", path: "noSuch", value: 1 }), "invalidPath");
    expectError(() => patch(base(), { op: "replace", path: "emails[type eq", value: 1 }), "invalidPath");
    expectError(() => patch(base(), { op: "replace", path: "id", value: "x" }), "mutability");
    expectError(() => patch(base(), { op: "replace", path: "groups", value: [] }), "mutability");
    expectError(() => patch(base(), { op: "move", path: "title", value: "x" }), "invalidSyntax");
    expectError(() => patch(base(), { op: "replace", value: "not an object" }), "invalidValue");
  });

  it("discards a password given as a path", () => {
    expect(patch(base(), { op: "replace", path: "password", value: "hunter2" })).toEqual(base());
  });

  it("never mutates its input, and throws on the first bad operation", () => {
    const input = base();
    const snapshot = structuredClone(input);
    patch(input, { op: "replace", path: "name.givenName", value: "X" }, { op: "add", path: "emails", value: { value: "y@acme.test" } });
    expect(input).toEqual(snapshot);
    expectError(() => patch(input, { op: "replace", path: "title", value: "T" }, { op: "replace", path: "bad", value: 1 }), "invalidPath");
    expect(input).toEqual(snapshot);
  });
});

describe("parsePatchPath", () => {
  it("resolves names case-insensitively to their definitions", () => {
    expect(parsePatchPath("NAME.givenname", userResourceType)).toMatchObject({ attribute: { name: "name" }, subAttribute: { name: "givenName" } });
    expect(parsePatchPath(`${ENTERPRISE}:manager.value`, userResourceType)).toMatchObject({
      extension: ENTERPRISE,
      attribute: { name: "manager" },
      subAttribute: { name: "value" },
    });
    const filtered = parsePatchPath('addresses[type eq "work"].streetAddress', userResourceType);
    expect(filtered).toMatchObject({ attribute: { name: "addresses" }, subAttribute: { name: "streetAddress" }, valueFilter: { op: "eq" } });
  });
});
