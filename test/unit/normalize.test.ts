import { describe, expect, it } from "vitest";
import { ScimError } from "../../src/scim/errors";
import { MAX_MEMBERS_PER_REQUEST } from "../../src/scim/members-per-request";
import { memberEmail, NORMALIZE_LIMITS, normalizeResource, toBoolean } from "../../src/scim/normalize";
import { groupResourceType, userResourceType } from "../../src/scim/schemas/resource-type";

const CORE = "urn:ietf:params:scim:schemas:core:2.0:User";
const ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
const GROUP = "urn:ietf:params:scim:schemas:core:2.0:Group";

const normalize = (input: unknown) => normalizeResource(input, userResourceType);
/** A valid user body with the given attributes added. */
const user = (extra: object) => ({ schemas: [CORE], userName: "ada@acme.test", ...extra });

/** Asserts a 400 ScimError of the given type whose detail mentions every given fragment. */
function expectScimError(run: () => unknown, scimType: string, ...fragments: string[]) {
  let thrown: unknown;
  try {
    run();
  } catch (error) {
    thrown = error;
  }
  expect(thrown).toBeInstanceOf(ScimError);
  const error = thrown as ScimError;
  expect(error.status).toBe(400);
  expect(error.scimType).toBe(scimType);
  for (const fragment of fragments) expect(error.detail).toContain(fragment);
}

describe("normalizeResource: client bodies", () => {
  it("keeps Okta's create body and drops id, meta, groups, password and unknown attributes", () => {
    const document = normalize({
      schemas: [CORE],
      id: "client-chosen-id",
      meta: { created: "Mon Jan 01 2024", resourceType: "User" },
      userName: "ada@acme.test",
      name: { givenName: "Ada", familyName: "Lovelace" },
      emails: [{ primary: true, value: "ada@acme.test", type: "work" }],
      displayName: "Ada Lovelace",
      locale: "en-US",
      externalId: "00u1abcd",
      password: "Sup3rSecret!",
      groups: [],
      active: true,
      customAttribute: "x",
    });
    expect(document).toEqual({
      schemas: [CORE],
      userName: "ada@acme.test",
      name: { givenName: "Ada", familyName: "Lovelace" },
      emails: [{ primary: true, value: "ada@acme.test", type: "work" }],
      displayName: "Ada Lovelace",
      locale: "en-US",
      externalId: "00u1abcd",
      active: true,
    });
    expect(JSON.stringify(document)).not.toContain("Sup3rSecret");
  });

  it("keeps Okta's PUT of a user it read back: id, meta with odd dates and groups are ignored", () => {
    const document = normalize({
      schemas: [CORE],
      id: "u1",
      userName: "ada@acme.test",
      active: false,
      groups: [{ value: "g1", display: "Sales" }],
      meta: { created: "Tue Feb 06 2024 10:00:00 GMT+0000", lastModified: "yesterday", version: 'W/"3"' },
    });
    expect(document).toEqual({ schemas: [CORE], userName: "ada@acme.test", active: false });
  });

  it("coerces Entra's create body: both schemas, string booleans, nulls, extension", () => {
    const document = normalize({
      schemas: [CORE, ENTERPRISE],
      externalId: "8b5d0c7e-entra",
      userName: "ada",
      active: "True",
      displayName: "Ada Lovelace",
      title: null,
      preferredLanguage: null,
      name: { formatted: "Ada Lovelace", familyName: "Lovelace", givenName: "Ada", middleName: null },
      emails: [
        { primary: false, type: "other", value: "ada@home.test" },
        { primary: "true", type: "work", value: "Ada@Acme.test" },
      ],
      roles: [],
      phoneNumbers: null,
      [ENTERPRISE]: { employeeNumber: "1815", department: "Engines", costCenter: null, manager: null },
    });
    expect(document).toEqual({
      schemas: [CORE, ENTERPRISE],
      externalId: "8b5d0c7e-entra",
      userName: "ada",
      active: true,
      displayName: "Ada Lovelace",
      name: { formatted: "Ada Lovelace", familyName: "Lovelace", givenName: "Ada" },
      emails: [
        { primary: false, type: "other", value: "ada@home.test" },
        { primary: true, type: "work", value: "Ada@Acme.test" },
      ],
      [ENTERPRISE]: { employeeNumber: "1815", department: "Engines" },
    });
  });

  it("matches attribute names, extension URNs and fully qualified core names case-insensitively", () => {
    const document = normalize({
      SCHEMAS: [CORE.toLowerCase()],
      USERNAME: "ada@acme.test",
      Name: { GivenName: "Ada" },
      EMAILS: [{ VALUE: "ada@acme.test", Primary: true }],
      externalid: "x1",
      [`${CORE.toUpperCase()}:displayName`]: "Ada",
      [ENTERPRISE.toLowerCase()]: { DEPARTMENT: "R&D" },
    });
    expect(document).toEqual({
      schemas: [CORE, ENTERPRISE],
      userName: "ada@acme.test",
      name: { givenName: "Ada" },
      emails: [{ value: "ada@acme.test", primary: true }],
      externalId: "x1",
      displayName: "Ada",
      [ENTERPRISE]: { department: "R&D" },
    });
  });

  it("recomputes schemas from what is present instead of trusting the client's list", () => {
    // A URN listed without data (Entra lists the enterprise extension even when it sends none of it).
    expect(normalize(user({ schemas: [ENTERPRISE, CORE, "urn:unknown"] })).schemas).toEqual([CORE]);
    // An extension whose attributes are all null or unknown leaves no trace.
    expect(normalize(user({ schemas: [CORE, ENTERPRISE], [ENTERPRISE]: { department: null, shoeSize: 44 } }))).toEqual({
      schemas: [CORE],
      userName: "ada@acme.test",
    });
    expect(normalize(user({ [ENTERPRISE]: null })).schemas).toEqual([CORE]);
  });

  it("requires schemas to be a list naming the core schema", () => {
    for (const schemas of [undefined, null, "nonsense", CORE, [], [ENTERPRISE], ["urn:unknown"], [CORE, 7], [GROUP]]) {
      expectScimError(() => normalize({ ...user({}), schemas }), "invalidValue", "schemas", CORE);
    }
    expectScimError(
      () => normalizeResource({ schemas: [CORE], displayName: "Sales" }, groupResourceType),
      "invalidValue",
      GROUP,
    );
    expect(normalize(user({ schemas: [CORE.toUpperCase()] })).schemas).toEqual([CORE]);
  });

  it("refuses data under a schema URN the resource type does not declare, naming it", () => {
    const custom = "urn:ietf:params:scim:schemas:extension:custom:2.0:User";
    for (const value of [{ costCenter: "x" }, "y", ["z"], 0]) {
      expectScimError(() => normalize(user({ schemas: [CORE, custom], [custom]: value })), "invalidValue", custom);
    }
    expectScimError(() => normalize(user({ "urn:okta:custom:attr": "y" })), "invalidValue", "urn:okta:custom:attr");
    // Null or empty, it carries nothing to lose.
    expect(normalize(user({ schemas: [CORE, custom], [custom]: null, "urn:x": {} }))).toEqual(user({}));
  });

  it("reads an extension attribute qualified by its URN at the top level", () => {
    expect(normalize(user({ [`${ENTERPRISE}:department`]: "R&D", [ENTERPRISE]: { costCenter: "C1" } }))).toEqual({
      ...user({}),
      schemas: [CORE, ENTERPRISE],
      [ENTERPRISE]: { department: "R&D", costCenter: "C1" },
    });
  });

  it("ignores unknown attributes and read-only sub-attributes", () => {
    expect(
      normalize(
        user({
          customAttribute: "x",
          name: { givenName: "Ada", nickname: "unknown sub-attribute" },
          [ENTERPRISE]: { manager: { value: "m1", displayName: "read-only", $ref: "https://elsewhere/Users/m1" } },
        }),
      ),
    ).toEqual({
      schemas: [CORE, ENTERPRISE],
      userName: "ada@acme.test",
      name: { givenName: "Ada" },
      [ENTERPRISE]: { manager: { value: "m1" } },
    });
  });

  it("turns Entra's bare-string manager into an object, and keeps the object form", () => {
    expect(normalize(user({ [ENTERPRISE]: { manager: "mgr-1" } }))[ENTERPRISE]).toEqual({
      manager: { value: "mgr-1" },
    });
    expect(normalize(user({ [ENTERPRISE]: { manager: { value: "mgr-2" } } }))[ENTERPRISE]).toEqual({
      manager: { value: "mgr-2" },
    });
    // Entra's `"$ref": null` beside the value.
    expect(normalize(user({ [ENTERPRISE]: { manager: { $ref: null, value: "mgr-3" } } }))[ENTERPRISE]).toEqual({
      manager: { value: "mgr-3" },
    });
  });

  it("gives the same document when normalising a document again", () => {
    const once = normalize({
      schemas: [CORE],
      userName: "ada",
      active: "False",
      name: { formatted: "Ada" },
      emails: [{ value: "ada@acme.test" }],
      [ENTERPRISE]: { manager: "m1", employeeNumber: "7" },
    });
    expect(normalizeResource(once, userResourceType)).toEqual(once);
  });
});

describe("normalizeResource: types and coercions", () => {
  it("refuses a body that is not a JSON object with invalidSyntax", () => {
    for (const body of ["text", 42, null, [], [{ userName: "a@b.c" }], true, undefined]) {
      expectScimError(() => normalize(body), "invalidSyntax", "JSON object");
    }
  });

  it("coerces booleans: true/false, or the strings in any case", () => {
    expect(normalize(user({ active: false })).active).toBe(false);
    expect(normalize(user({ active: "True" })).active).toBe(true);
    expect(normalize(user({ active: "FALSE" })).active).toBe(false);
    expect(normalize(user({ active: "false" })).active).toBe(false);
    expect(normalize(user({ emails: [{ value: "a@b.c", primary: "TRUE" }] })).emails).toEqual([
      { value: "a@b.c", primary: true },
    ]);
  });

  it("refuses anything else for a boolean, naming the path", () => {
    for (const active of [1, 0, "yes", "", " true", "null", {}, [true]])
      expectScimError(() => normalize(user({ active })), "invalidValue", "active");
    expectScimError(
      () => normalize(user({ emails: [{ value: "a@b.c", primary: "1" }] })),
      "invalidValue",
      "emails.primary",
    );
    expect(() => toBoolean("maybe", "x.y")).toThrow(/x\.y must be true or false/);
  });

  it("refuses numbers, objects, arrays and booleans where the schema says string", () => {
    expectScimError(() => normalize(user({ nickName: 7 })), "invalidValue", "nickName", "must be a string", "a number");
    expectScimError(() => normalize({ ...user({}), userName: 42 }), "invalidValue", "userName", "a number");
    expectScimError(
      () => normalize(user({ [ENTERPRISE]: { employeeNumber: 1815 } })),
      "invalidValue",
      `${ENTERPRISE}:employeeNumber`,
    );
    expectScimError(() => normalize(user({ name: { givenName: 0.5 } })), "invalidValue", "name.givenName");
    expectScimError(() => normalize(user({ emails: [{ value: 7 }] })), "invalidValue", "emails.value");
    expectScimError(
      () => normalize(user({ displayName: { text: "Ada" } })),
      "invalidValue",
      "displayName",
      "an object",
    );
    expectScimError(() => normalize(user({ displayName: ["Ada"] })), "invalidValue", "displayName", "an array");
    expectScimError(() => normalize(user({ displayName: true })), "invalidValue", "displayName", "a boolean");
    expectScimError(() => normalize(user({ profileUrl: ["https://x"] })), "invalidValue", "profileUrl");
  });

  it("refuses nesting beyond what the schema defines, naming the sub-attribute path", () => {
    expectScimError(() => normalize(user({ name: { givenName: ["Ada"] } })), "invalidValue", "name.givenName");
    expectScimError(() => normalize(user({ name: { givenName: { first: "Ada" } } })), "invalidValue", "name.givenName");
    expectScimError(
      () => normalize(user({ emails: [{ value: { address: "a@b.c" } }] })),
      "invalidValue",
      "emails.value",
    );
    expectScimError(() => normalize(user({ emails: [[{ value: "a@b.c" }]] })), "invalidValue", "emails", "an array");
    expectScimError(
      () => normalize(user({ [ENTERPRISE]: { department: { name: "R&D" } } })),
      "invalidValue",
      `${ENTERPRISE}:department`,
    );
    expectScimError(
      () => normalize(user({ [ENTERPRISE]: { manager: { value: ["m1"] } } })),
      "invalidValue",
      `${ENTERPRISE}:manager.value`,
    );
  });

  it("refuses a complex attribute that is not an object", () => {
    expectScimError(() => normalize(user({ name: "Ada Lovelace" })), "invalidValue", "name", "a string");
    expectScimError(() => normalize(user({ name: [{ givenName: "Ada" }] })), "invalidValue", "name", "an array");
    // Only a single-valued complex attribute with a `value` takes a bare string.
    expectScimError(() => normalize(user({ emails: ["ada@acme.test"] })), "invalidValue", "emails", "a string");
    expectScimError(() => normalize(user({ [ENTERPRISE]: "R&D" })), "invalidValue", ENTERPRISE);
    expectScimError(() => normalize(user({ [ENTERPRISE]: [{ department: "R&D" }] })), "invalidValue", ENTERPRISE);
  });

  it("requires a multi-valued attribute to be an array without null elements; drops empty elements", () => {
    for (const emails of [{ value: "a@b.c", type: "work" }, "a@b.c", 1, true]) {
      expectScimError(() => normalize(user({ emails })), "invalidValue", "emails", "must be an array");
    }
    expectScimError(() => normalize(user({ emails: [null, { value: "a@b.c" }] })), "invalidValue", "emails", "null");
    expect(
      normalize(user({ emails: [{ value: "a@b.c" }, {}, { value: null, type: null }, { unknown: 1 }] })).emails,
    ).toEqual([{ value: "a@b.c" }]);
  });

  it("checks integer, decimal, dateTime and reference attributes by their type", () => {
    const type = {
      ...userResourceType,
      schema: {
        ...userResourceType.schema,
        attributes: [
          ...userResourceType.schema.attributes,
          { ...userResourceType.schema.attributes[0], name: "shoeSize", type: "integer", required: false },
          { ...userResourceType.schema.attributes[0], name: "height", type: "decimal", required: false },
          { ...userResourceType.schema.attributes[0], name: "hiredAt", type: "dateTime", required: false },
        ] as typeof userResourceType.schema.attributes,
      },
    };
    const valid = {
      shoeSize: 44,
      height: 1.75,
      hiredAt: "2026-01-31T09:30:00.5+01:00",
      profileUrl: "https://x.test/a",
    };
    expect(normalizeResource(user(valid), type)).toMatchObject(valid);
    const invalid: [string, unknown][] = [
      ["shoeSize", 44.5],
      ["shoeSize", "44"],
      ["height", "1.75"],
      ["height", true],
      ["hiredAt", "2026-01-31"],
      ["hiredAt", "yesterday"],
      ["hiredAt", "2026-13-31T09:30:00Z"],
      ["hiredAt", 1769851800],
      ["profileUrl", "not a uri"],
      ["profileUrl", 7],
    ];
    for (const [name, value] of invalid) {
      expectScimError(() => normalizeResource(user({ [name]: value }), type), "invalidValue", name);
    }
  });

  it("drops empty complex values and lists that end up empty", () => {
    const document = normalize(
      user({ name: {}, addresses: [{}], roles: [], phoneNumbers: null, [ENTERPRISE]: { manager: {} } }),
    );
    expect(document).toEqual({ schemas: [CORE], userName: "ada@acme.test" });
  });

  it("keeps empty strings as given outside required attributes", () => {
    expect(normalize(user({ title: "" })).title).toBe("");
  });
});

describe("normalizeResource: limits and required attributes", () => {
  const { emailLength, stringLength, multiValuedCount } = NORMALIZE_LIMITS;

  it("documents the limits", () => {
    expect(NORMALIZE_LIMITS).toEqual({ emailLength: 254, stringLength: 1024, multiValuedCount: 100 });
  });

  it("holds userName and emails[].value to 254 characters", () => {
    const longest = `${"a".repeat(emailLength - 7)}@b.test`;
    expect(longest).toHaveLength(254);
    expect(normalize({ ...user({}), userName: longest, emails: [{ value: longest }] })).toMatchObject({
      userName: longest,
    });
    expectScimError(
      () => normalize({ ...user({}), userName: `a${longest}` }),
      "invalidValue",
      "userName",
      "255",
      "254",
    );
    expectScimError(
      () => normalize(user({ emails: [{ value: `a${longest}` }] })),
      "invalidValue",
      "emails.value",
      "254",
    );
  });

  it("holds every other string to 1,024 characters, extensions and sub-attributes included", () => {
    const longest = "n".repeat(stringLength);
    expect(normalize(user({ nickName: longest })).nickName).toBe(longest);
    // emails[].type is not an email address: the general limit applies.
    expect(normalize(user({ emails: [{ value: "a@b.c", type: "t".repeat(300) }] })).emails).toHaveLength(1);
    expectScimError(() => normalize(user({ nickName: `${longest}n` })), "invalidValue", "nickName", "1024");
    expectScimError(() => normalize(user({ name: { givenName: `${longest}n` } })), "invalidValue", "name.givenName");
    expectScimError(() => normalize(user({ externalId: `${longest}n` })), "invalidValue", "externalId");
    expectScimError(
      () => normalize(user({ [ENTERPRISE]: { department: `${longest}n` } })),
      "invalidValue",
      `${ENTERPRISE}:department`,
    );
  });

  it("allows at most 100 elements in a multi-valued attribute", () => {
    const roles = (count: number) => Array.from({ length: count }, (_, i) => ({ value: `r${i}` }));
    expect(normalize(user({ roles: roles(multiValuedCount) })).roles).toHaveLength(100);
    expectScimError(
      () => normalize(user({ roles: roles(multiValuedCount + 1) })),
      "invalidValue",
      "roles",
      "101",
      "100",
    );
  });

  it("holds a group's members to the per-request member cap, not to the 100-value cap", () => {
    const members = (count: number) => Array.from({ length: count }, (_, i) => ({ value: `m${i}` }));
    const big = normalizeResource(
      { schemas: [GROUP], displayName: "Big", members: members(MAX_MEMBERS_PER_REQUEST) },
      groupResourceType,
    );
    expect(big.members).toHaveLength(MAX_MEMBERS_PER_REQUEST);
    expect(() =>
      normalizeResource(
        { schemas: [GROUP], displayName: "Big", members: members(MAX_MEMBERS_PER_REQUEST + 1) },
        groupResourceType,
      ),
    ).toThrow(
      expect.objectContaining({ status: 413, detail: expect.stringContaining(`at most ${MAX_MEMBERS_PER_REQUEST}`) }),
    );
  });

  it("requires a non-empty userName", () => {
    expectScimError(
      () => normalize({ schemas: [CORE], emails: [{ value: "a@b.c" }] }),
      "invalidValue",
      "userName is required",
    );
    for (const userName of ["", "   ", null])
      expectScimError(() => normalize({ schemas: [CORE], userName }), "invalidValue", "userName is required");
    // Read-only and unknown keys do not stand in for it.
    expectScimError(() => normalize({ schemas: [CORE], id: "u1", user_name: "a@b.c" }), "invalidValue", "userName");
  });
});

describe("normalizeResource: groups", () => {
  it("keeps displayName, externalId and each member's value, by the Group schema", () => {
    const document = normalizeResource(
      {
        schemas: [GROUP],
        id: "g1",
        displayName: "Sales",
        externalId: "okta-g1",
        members: [
          { value: "u1", display: "a@acme.test" }, // Okta
          { $ref: null, value: "u2" }, // Entra
          { value: "u3", $ref: "https://x/Users/u3", type: "User" },
        ],
      },
      groupResourceType,
    );
    // `display` is read-only in the Group schema and `$ref` is rendered by the server from `value`.
    expect(document).toEqual({
      schemas: [GROUP],
      displayName: "Sales",
      externalId: "okta-g1",
      members: [{ value: "u1" }, { value: "u2" }, { value: "u3", type: "User" }],
    });
  });

  it("does not know user attributes on a group and requires displayName", () => {
    expect(normalizeResource({ schemas: [GROUP], displayName: "Sales", userName: "x" }, groupResourceType)).toEqual({
      schemas: [GROUP],
      displayName: "Sales",
    });
    expectScimError(
      () =>
        normalizeResource(
          { schemas: [GROUP, ENTERPRISE], displayName: "Sales", [ENTERPRISE]: { department: "d" } },
          groupResourceType,
        ),
      "invalidValue",
      ENTERPRISE,
      "declares no extension",
    );
    expectScimError(
      () => normalizeResource({ schemas: [GROUP], members: [] }, groupResourceType),
      "invalidValue",
      "displayName is required",
    );
    expectScimError(
      () => normalizeResource({ schemas: [GROUP], displayName: "" }, groupResourceType),
      "invalidValue",
      "displayName is required",
    );
  });

  it("keeps an empty push out of the document", () => {
    expect(normalizeResource({ schemas: [GROUP], displayName: "Sales", members: [] }, groupResourceType)).toEqual({
      schemas: [GROUP],
      displayName: "Sales",
    });
  });
});

describe("memberEmail", () => {
  it("uses userName when it is an email address (Okta), as given and lower-cased", () => {
    expect(memberEmail({ userName: "Ada@Acme.test", emails: [{ value: "other@x.test", primary: true }] })).toEqual({
      email: "Ada@Acme.test",
      emailLower: "ada@acme.test",
    });
  });

  it("otherwise takes the primary email, else the work email, else the first (Entra)", () => {
    const emails = [
      { value: "First@x.test", type: "home" },
      { value: "work@x.test", type: "Work" },
      { value: "primary@x.test", primary: true },
    ];
    expect(memberEmail({ userName: "ada", emails })).toEqual({ email: "primary@x.test", emailLower: "primary@x.test" });
    expect(memberEmail({ userName: "ada", emails: emails.slice(0, 2) }).email).toBe("work@x.test");
    expect(memberEmail({ userName: "ada", emails: emails.slice(0, 1) })).toEqual({
      email: "First@x.test",
      emailLower: "first@x.test",
    });
  });

  it("does not take a userName that only looks like an email", () => {
    const fallback = { emails: [{ value: "ada@acme.test" }] };
    for (const userName of ["a@b@c", "@acme.test", "ada@", "ada lovelace@acme.test", "ada"]) {
      expect(memberEmail({ userName, ...fallback }).email).toBe("ada@acme.test");
    }
  });

  it("skips email values that are not addresses", () => {
    const emails = [
      { value: "not-an-email", primary: true },
      { value: "work@x.test", type: "work" },
    ];
    expect(memberEmail({ userName: "ada", emails }).email).toBe("work@x.test");
  });

  it("refuses a user without any usable email address", () => {
    for (const document of [{ userName: "ada" }, { userName: "ada", emails: [{ value: "not-an-email" }] }, {}]) {
      expectScimError(() => memberEmail(document), "invalidValue", "needs an email address");
    }
  });

  it("works on what normalizeResource produces from Entra's body", () => {
    const document = normalize({
      schemas: [CORE],
      userName: "ada",
      emails: [{ type: "work", value: "Ada@Acme.test", primary: "True" }],
    });
    expect(memberEmail(document)).toEqual({ email: "Ada@Acme.test", emailLower: "ada@acme.test" });
  });
});
