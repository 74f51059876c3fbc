import { describe, expect, it } from "vitest";
import { ScimError } from "../../src/scim/errors";
import { memberEmail, normalizeResource } from "../../src/scim/normalize";
import { groupResourceType, userResourceType } from "../../src/scim/schemas/resource-type";

const CORE = "urn:ietf:params:scim:schemas:core:2.0:User";
const ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
const normalize = (input: unknown) => normalizeResource(input, userResourceType);

function expectError(run: () => unknown, scimType: string, detail?: string) {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(ScimError);
    expect((error as ScimError).scimType).toBe(scimType);
    if (detail) expect((error as ScimError).detail).toContain(detail);
    return;
  }
  throw new Error("expected a ScimError");
}

describe("normalizeResource", () => {
  it("keeps Okta's create body, drops password, groups, id, meta and unknown attributes", () => {
    const document = normalize({
      schemas: [CORE],
      id: "client-id",
      meta: { created: "Mon" },
      userName: "ada@acme.test",
      name: { givenName: "Ada", familyName: "Lovelace" },
      emails: [{ primary: true, value: "ada@acme.test", type: "work" }],
      displayName: "Ada",
      locale: "en-US",
      externalId: "00u1",
      password: "secret",
      groups: [],
      active: true,
      customAttribute: "x",
    });
    expect(document).toEqual({
      schemas: [CORE],
      userName: "ada@acme.test",
      name: { givenName: "Ada", familyName: "Lovelace" },
      emails: [{ primary: true, value: "ada@acme.test", type: "work" }],
      displayName: "Ada",
      locale: "en-US",
      externalId: "00u1",
      active: true,
    });
  });

  it("coerces Entra's body: canonical names, string booleans, nulls, extension and bare-string manager", () => {
    const document = normalize({
      schemas: [CORE, ENTERPRISE],
      UserName: "ada",
      active: "True",
      title: null,
      name: { Formatted: "Ada Lovelace", givenName: null },
      emails: [{ Primary: "true", value: "ada@acme.test", type: "work" }, null],
      roles: [],
      "urn:ietf:params:scim:schemas:extension:enterprise:2.0:user": { Department: "R&D", manager: "mgr-1", employeeNumber: 7 },
      "urn:unknown:extension": { x: 1 },
    });
    expect(document).toEqual({
      schemas: [CORE, ENTERPRISE],
      userName: "ada",
      active: true,
      name: { formatted: "Ada Lovelace" },
      emails: [{ primary: true, value: "ada@acme.test", type: "work" }],
      roles: [],
      [ENTERPRISE]: { department: "R&D", manager: { value: "mgr-1" }, employeeNumber: "7" },
    });
  });

  it("enforces types, nesting and limits, naming the attribute", () => {
    const user = (extra: object) => ({ userName: "a@acme.test", ...extra });
    expectError(() => normalize("text"), "invalidSyntax");
    expectError(() => normalize({ emails: [{ value: "a@b.c" }] }), "invalidValue", "userName");
    expectError(() => normalize(user({ userName: "" })), "invalidValue", "userName");
    expectError(() => normalize(user({ userName: `${"a".repeat(250)}@b.co` })), "invalidValue", "userName");
    expectError(() => normalize(user({ emails: [{ value: `${"a".repeat(250)}@b.co` }] })), "invalidValue", "emails.value");
    expectError(() => normalize(user({ nickName: "n".repeat(1025) })), "invalidValue", "nickName");
    expectError(() => normalize(user({ roles: Array.from({ length: 101 }, (_, i) => ({ value: `r${i}` })) })), "invalidValue", "roles");
    expectError(() => normalize(user({ name: { givenName: ["x"] } })), "invalidValue", "name.givenName");
    expectError(() => normalize(user({ name: "Ada" })), "invalidValue", "name");
    expectError(() => normalize(user({ active: 1 })), "invalidValue", "active");
    expectError(() => normalize(user({ [ENTERPRISE]: { department: { x: 1 } } })), "invalidValue", `${ENTERPRISE}:department`);
    expect(normalize(user({ nickName: "n".repeat(1024) })).nickName).toHaveLength(1024);
  });

  it("normalises groups by their own schema", () => {
    const group = normalizeResource(
      { displayName: "Sales", members: [{ value: "u1", display: "a@acme.test", $ref: "https://x/Users/u1" }] },
      groupResourceType,
    );
    expect(group).toEqual({
      schemas: ["urn:ietf:params:scim:schemas:core:2.0:Group"],
      displayName: "Sales",
      // display is read-only (the server derives it); $ref is kept as the schema allows.
      members: [{ value: "u1", $ref: "https://x/Users/u1" }],
    });
  });
});

describe("memberEmail", () => {
  it("uses userName when it is an email, else primary, work, then first email", () => {
    expect(memberEmail({ userName: "Ada@Acme.test", emails: [{ value: "other@x.test", primary: true }] })).toEqual({
      email: "Ada@Acme.test",
      emailLower: "ada@acme.test",
    });
    const emails = [
      { value: "first@x.test", type: "home" },
      { value: "work@x.test", type: "work" },
      { value: "primary@x.test", primary: true },
    ];
    expect(memberEmail({ userName: "ada", emails }).email).toBe("primary@x.test");
    expect(memberEmail({ userName: "ada", emails: emails.slice(0, 2) }).email).toBe("work@x.test");
    expect(memberEmail({ userName: "ada", emails: emails.slice(0, 1) }).email).toBe("first@x.test");
    expectError(() => memberEmail({ userName: "ada", emails: [{ value: "not-an-email" }] }), "invalidValue", "email");
  });
});
