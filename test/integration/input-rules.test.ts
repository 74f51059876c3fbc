import { describe, expect, it } from "vitest";
import {
  admin,
  bytes,
  call,
  createOrganization,
  createTenant,
  createUser,
  ENTERPRISE,
  ERROR_SCHEMA,
  GROUP_SCHEMA,
  PATCH_OP,
  patchOp,
  SCIM_JSON,
  scim,
  type Tenant,
  tenantRows,
  USER_SCHEMA,
  user,
} from "../helpers";

/** A SCIM request with a raw body and exactly the given headers (no Content-Type unless given). */
const raw = (tenant: Tenant, path: string, method: string, body: Uint8Array, headers: Record<string, string> = {}) =>
  call(`/scim/v2/${tenant.orgId}${path}`, { method, token: tenant.token, body, headers });

async function expectScimError(response: Response, status: number, scimType?: string) {
  expect(response.status).toBe(status);
  expect(response.headers.get("Content-Type")).toBe(SCIM_JSON);
  const body = (await response.json()) as any;
  expect(body).toMatchObject({ schemas: [ERROR_SCHEMA], status: String(status), detail: expect.any(String) });
  expect(body.scimType).toBe(scimType);
  return body;
}

async function expectAdminError(response: Response, status: number, code: string) {
  expect(response.status).toBe(status);
  expect(response.headers.get("Content-Type")).toMatch(/^application\/json/);
  const body = (await response.json()) as any;
  expect(body).toEqual({ error: { code, message: expect.any(String) } });
  return body.error.message as string;
}

describe("content types", () => {
  it("reads JSON declared as scim+json or json in any case and with any charset, or not declared", async () => {
    const tenant = await createTenant();
    const types = [
      "application/scim+json; charset=utf-8",
      "application/json",
      "Application/SCIM+JSON;Charset=UTF-8",
      'APPLICATION/JSON; charset="utf-8"',
      undefined,
    ];
    for (const [i, type] of types.entries()) {
      const body = bytes(JSON.stringify(user(`type${i}@acme.test`)));
      const response = await raw(tenant, "/Users", "POST", body, type ? { "Content-Type": type } : {});
      expect(response.status, String(type)).toBe(201);
    }
    const org = await admin("/organizations", { method: "POST", body: bytes('{"name":"Bare","licenses":1}') });
    expect(org.status).toBe(201);
  });

  it("answers any other content type with 415 and a SCIM error, on every SCIM write", async () => {
    const tenant = await createTenant();
    const existing = await createUser(tenant, "kept@acme.test");
    const before = await tenantRows(tenant.orgId);
    const types = [
      "text/plain",
      "text/plain; charset=utf-8",
      "application/xml",
      "application/x-www-form-urlencoded",
      "multipart/form-data; boundary=x",
      "application/json-patch+json",
      "application/jsonx",
    ];
    for (const type of types) {
      for (const [method, path, json] of [
        ["POST", "/Users", user("new@acme.test")],
        ["PUT", `/Users/${existing.id}`, user("kept@acme.test", { title: "changed" })],
        ["PATCH", `/Users/${existing.id}`, patchOp({ op: "replace", path: "title", value: "changed" })],
        ["POST", "/Groups", { schemas: [GROUP_SCHEMA], displayName: "G" }],
      ] as const) {
        const response = await raw(tenant, path, method, bytes(JSON.stringify(json)), { "Content-Type": type });
        await expectScimError(response, 415);
      }
    }
    expect(await tenantRows(tenant.orgId)).toEqual(before);
  });

  it("answers any other content type with 415 and the admin JSON error", async () => {
    const { id } = await createOrganization(5);
    const before = await tenantRows(id);
    const response = await admin(`/organizations/${id}`, {
      method: "PATCH",
      body: bytes('{"name":"Renamed"}'),
      headers: { "Content-Type": "text/plain" },
    });
    await expectAdminError(response, 415, "unsupported_media_type");
    const created = await admin("/organizations", {
      method: "POST",
      body: "name=Acme&licenses=5",
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
    });
    await expectAdminError(created, 415, "unsupported_media_type");
    expect(await tenantRows(id)).toEqual(before);
  });
});

describe("UTF-8", () => {
  const invalid: [string, number[]][] = [
    ["a stray continuation byte", [0x80]],
    ["an overlong slash", [0xc0, 0xaf]],
    ["an overlong NUL", [0xe0, 0x80, 0x80]],
    ["a UTF-16 surrogate", [0xed, 0xa0, 0x80]],
    ["a truncated sequence", [0xe2, 0x82]],
    ["a byte that never occurs", [0xff]],
    ["a code point above U+10FFFF", [0xf4, 0x90, 0x80, 0x80]],
  ];
  /** `{"...": "Ada<bad bytes>"}` : valid JSON around the invalid bytes. */
  function withBytes(json: object, marker: string, bad: number[]) {
    const text = JSON.stringify(json);
    const at = text.indexOf(marker) + marker.length;
    const head = bytes(text.slice(0, at));
    const tail = bytes(text.slice(at));
    return new Uint8Array([...head, ...bad, ...tail]);
  }

  it("refuses a SCIM body that is not valid UTF-8 with 400 invalidSyntax, storing nothing", async () => {
    const tenant = await createTenant();
    const existing = await createUser(tenant, "kept@acme.test");
    const before = await tenantRows(tenant.orgId);
    for (const [name, bad] of invalid) {
      const post = withBytes(user("ada@acme.test", { displayName: "Ada" }), '"Ada', bad);
      await expectScimError(await raw(tenant, "/Users", "POST", post), 400, "invalidSyntax");
      const patch = withBytes(patchOp({ op: "replace", path: "title", value: "T" }), '"T', bad);
      const response = await raw(tenant, `/Users/${existing.id}`, "PATCH", patch, { "Content-Type": SCIM_JSON });
      const body = await expectScimError(response, 400, "invalidSyntax");
      expect(body.detail, name).toContain("UTF-8");
    }
    expect(await tenantRows(tenant.orgId)).toEqual(before);
  });

  it("refuses an admin body that is not valid UTF-8 with 400 invalid_json", async () => {
    const { id } = await createOrganization(5, "Before");
    const before = await tenantRows(id);
    for (const [, bad] of invalid) {
      const response = await admin(`/organizations/${id}`, {
        method: "PATCH",
        body: withBytes({ name: "After" }, '"After', bad),
        headers: { "Content-Type": "application/json" },
      });
      expect(await expectAdminError(response, 400, "invalid_json")).toContain("UTF-8");
    }
    expect(await tenantRows(id)).toEqual(before);
  });

  it("keeps valid multi-byte text exactly", async () => {
    const tenant = await createTenant();
    const created = await createUser(tenant, "zoe@acme.test", { displayName: "Zoë 𝒵 名前" });
    expect(created.displayName).toBe("Zoë 𝒵 名前");
  });
});

describe("nesting", () => {
  const deep = (levels: number) => `${"[".repeat(levels)}${"]".repeat(levels)}`;

  it("refuses a PATCH value nested 100,000 levels deep with 400 invalidSyntax, not a crash", async () => {
    const tenant = await createTenant();
    const existing = await createUser(tenant, "deep@acme.test");
    const before = await tenantRows(tenant.orgId);
    const body = `{"schemas":["${PATCH_OP}"],"Operations":[{"op":"add","path":"title","value":${deep(100_000)}}]}`;
    const response = await raw(tenant, `/Users/${existing.id}`, "PATCH", bytes(body), { "Content-Type": SCIM_JSON });
    expect((await expectScimError(response, 400, "invalidSyntax")).detail).toContain("deeper than 10");
    const objects = `{"schemas":["${PATCH_OP}"],"Operations":[{"op":"add","value":${'{"a":'.repeat(50_000)}1${"}".repeat(50_000)}}]}`;
    await expectScimError(await raw(tenant, `/Users/${existing.id}`, "PATCH", bytes(objects)), 400, "invalidSyntax");
    const post = `{"schemas":["${USER_SCHEMA}"],"userName":"x@acme.test","title":${deep(100_000)}}`;
    await expectScimError(await raw(tenant, "/Users", "POST", bytes(post)), 400, "invalidSyntax");
    expect(await tenantRows(tenant.orgId)).toEqual(before);
    // The admin API takes 64 KB bodies: 20,000 levels fit.
    const admined = await admin("/organizations", {
      method: "POST",
      body: bytes(`{"name":${deep(20_000)},"licenses":1}`),
    });
    await expectAdminError(admined, 400, "invalid_json");
  });

  it("accepts the deepest body the schemas allow, and brackets inside strings do not count", async () => {
    const tenant = await createTenant();
    const existing = await createUser(tenant, "nested@acme.test");
    const response = await scim(tenant, `/Users/${existing.id}`, {
      method: "PATCH",
      json: patchOp({
        op: "add",
        value: { [ENTERPRISE]: { manager: { value: "m1" } }, title: "[[[[[[[[[[[[{{{{{{{{" },
      }),
    });
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({
      title: "[[[[[[[[[[[[{{{{{{{{",
      [ENTERPRISE]: { manager: { value: "m1" } },
    });
  });
});

describe("schema types in every write path", () => {
  it("refuses a number where the schema says string in POST, PUT and PATCH, naming the attribute", async () => {
    const tenant = await createTenant();
    const existing = await createUser(tenant, "typed@acme.test");
    const group = (await (
      await scim(tenant, "/Groups", { method: "POST", json: { schemas: [GROUP_SCHEMA], displayName: "Typed" } })
    ).json()) as any;
    const before = await tenantRows(tenant.orgId);
    const bodies: [Record<string, unknown>, string][] = [
      [{ ...user("x@acme.test"), userName: 42 }, "userName"],
      [user("x@acme.test", { emails: [{ value: 42, primary: true }] }), "emails.value"],
      [user("x@acme.test", { name: { givenName: 7 } }), "name.givenName"],
      [user("x@acme.test", { [ENTERPRISE]: { employeeNumber: 7 } }), `${ENTERPRISE}:employeeNumber`],
      [user("x@acme.test", { active: 1 }), "active"],
    ];
    for (const [body, attribute] of bodies) {
      const created = await expectScimError(
        await scim(tenant, "/Users", { method: "POST", json: body }),
        400,
        "invalidValue",
      );
      expect(created.detail).toContain(attribute);
      const replaced = await scim(tenant, `/Users/${existing.id}`, {
        method: "PUT",
        json: { ...body, userName: attribute === "userName" ? 42 : "typed@acme.test" },
      });
      expect((await expectScimError(replaced, 400, "invalidValue")).detail).toContain(attribute);
    }
    // A path with a value filter is named by its shape: the detail is stored, its literal is not.
    for (const [path, value, named] of [
      ["userName", 42, "userName"],
      ['emails[type eq "work"].value', 42, "emails[type eq …].value"],
      ["name.givenName", 7, "name.givenName"],
      [`${ENTERPRISE}:employeeNumber`, 7, `${ENTERPRISE}:employeeNumber`],
    ] as const) {
      const patched = await scim(tenant, `/Users/${existing.id}`, {
        method: "PATCH",
        json: patchOp({ op: "replace", path, value }),
      });
      expect((await expectScimError(patched, 400, "invalidValue")).detail).toContain(named);
    }
    const groupBodies = [
      [`/Groups`, "POST", { schemas: [GROUP_SCHEMA], displayName: 5 }, "displayName"],
      [`/Groups/${group.id}`, "PUT", { schemas: [GROUP_SCHEMA], displayName: 5 }, "displayName"],
      [`/Groups/${group.id}`, "PATCH", patchOp({ op: "replace", path: "displayName", value: 5 }), "displayName"],
      [`/Groups/${group.id}`, "PATCH", patchOp({ op: "replace", value: { displayName: 5 } }), "displayName"],
      [`/Groups`, "POST", { schemas: [GROUP_SCHEMA], displayName: "G", members: [{ value: 5 }] }, "members.value"],
    ] as const;
    for (const [path, method, json, attribute] of groupBodies) {
      const response = await scim(tenant, path, { method, json });
      expect((await expectScimError(response, 400, "invalidValue")).detail).toContain(attribute);
    }
    expect(await tenantRows(tenant.orgId)).toEqual(before);
  });

  it("requires the core schema URN and refuses data under an undeclared one; keeps Entra's body working", async () => {
    const tenant = await createTenant({ provider: "entra" });
    for (const schemas of [["urn:example:unknown"], [], "nonsense", undefined]) {
      const response = await scim(tenant, "/Users", { method: "POST", json: { ...user("s@acme.test"), schemas } });
      expect((await expectScimError(response, 400, "invalidValue")).detail).toContain(USER_SCHEMA);
    }
    const custom = "urn:example:custom:2.0:User";
    const withData = await scim(tenant, "/Users", {
      method: "POST",
      json: { ...user("s@acme.test"), schemas: [USER_SCHEMA, custom], [custom]: { badge: "7" } },
    });
    expect((await expectScimError(withData, 400, "invalidValue")).detail).toContain(custom);
    expect(await (await scim(tenant, "/Users")).json()).toMatchObject({ totalResults: 0 });
    const entra = await scim(tenant, "/Users", {
      method: "POST",
      json: {
        schemas: [USER_SCHEMA, ENTERPRISE],
        externalId: "e1",
        userName: "ada",
        active: "True",
        name: { formatted: "Ada Lovelace" },
        emails: [{ primary: true, type: "work", value: "ada@acme.test" }],
        roles: [],
        title: null,
        [ENTERPRISE]: { department: null },
      },
    });
    expect(entra.status).toBe(201);
    expect(await entra.json()).toMatchObject({ schemas: [USER_SCHEMA], active: true, userName: "ada" });
  });

  it("treats null as unassigned: a PUT or PATCH with null removes the value, never storing the string", async () => {
    const tenant = await createTenant();
    const existing = await createUser(tenant, "nulls@acme.test", { title: "Engineer", nickName: "Ada" });
    const put = await scim(tenant, `/Users/${existing.id}`, {
      method: "PUT",
      json: user("nulls@acme.test", { title: null, nickName: "Ada" }),
    });
    expect(await put.json()).not.toHaveProperty("title");
    const patched = await scim(tenant, `/Users/${existing.id}`, {
      method: "PATCH",
      json: patchOp({ op: "Replace", path: "nickName", value: null }),
    });
    expect(await patched.json()).not.toHaveProperty("nickName");
    const rows = await tenantRows(tenant.orgId);
    expect(rows.members.join()).not.toMatch(/\\"(title|nickName)\\":/);
    expect(rows.members.join()).not.toContain('null\\"');
  });
});

describe("filters and paging", () => {
  it("answers an empty or blank filter with 400 invalidFilter on Users and Groups", async () => {
    const tenant = await createTenant();
    await createUser(tenant, "listed@acme.test");
    for (const endpoint of ["/Users", "/Groups"]) {
      for (const query of ["filter=", "filter=%20%20", "filter", "filter=+"]) {
        await expectScimError(await scim(tenant, `${endpoint}?${query}`), 400, "invalidFilter");
      }
    }
    expect(await (await scim(tenant, "/Users")).json()).toMatchObject({ totalResults: 1 });
  });

  it("refuses paging values that are not integers and clamps count to the maximum", async () => {
    const tenant = await createTenant();
    await createUser(tenant, "paged@acme.test");
    for (const query of ["count=ten", "count=1.5", "startIndex=1e3", "startIndex=0x10", "count=--1", "count=1,2"]) {
      for (const endpoint of ["/Users", "/Groups"]) {
        const body = await expectScimError(await scim(tenant, `${endpoint}?${query}`), 400, "invalidValue");
        expect(body.detail).toMatch(/startIndex|count/);
      }
    }
    const clamped = (await (await scim(tenant, "/Users?count=1000000&startIndex=-5")).json()) as any;
    expect(clamped).toMatchObject({ startIndex: 1, itemsPerPage: 1, totalResults: 1 });
  });
});

describe("admin names", () => {
  it("trims names and refuses empty, over-long and control-character names, for organizations and teams", async () => {
    const created = await admin("/organizations", { method: "POST", json: { name: "  Acme  ", licenses: 5 } });
    const organization = (await created.json()) as any;
    expect(organization.name).toBe("Acme");
    const team = (await (
      await admin(`/organizations/${organization.id}/teams`, { method: "POST", json: { name: "\tSales " } })
    ).json()) as any;
    expect(team.name).toBe("Sales");
    const before = await tenantRows(organization.id);
    const bad = ["", "   ", "x".repeat(257), "Ac\u0000me", "Ac\nme", "Ac\u001bme", "Ac\u007fme", "Ac\u0085me", 7, null];
    for (const name of bad) {
      const requests = [
        admin("/organizations", { method: "POST", json: { name, licenses: 5 } }),
        admin(`/organizations/${organization.id}`, { method: "PATCH", json: { name } }),
        admin(`/organizations/${organization.id}/teams`, { method: "POST", json: { name } }),
        admin(`/organizations/${organization.id}/teams/${team.id}`, { method: "PATCH", json: { name } }),
      ];
      for (const response of await Promise.all(requests)) {
        expect(await expectAdminError(response, 400, "invalid_request"), JSON.stringify(name)).toMatch(/^name: /);
      }
    }
    expect(await tenantRows(organization.id)).toEqual(before);
    const longest = await admin(`/organizations/${organization.id}`, {
      method: "PATCH",
      json: { name: `${"x".repeat(256)}  ` },
    });
    expect(((await longest.json()) as any).name).toHaveLength(256);
  });

  it("holds a SCIM group's displayName to the team name rule: control characters and over-long names are 400 invalidValue", async () => {
    const tenant = await createTenant();
    const group = { schemas: [GROUP_SCHEMA], displayName: "Sales" };
    const created = (await (await scim(tenant, "/Groups", { method: "POST", json: group })).json()) as any;
    const path = `/Groups/${created.id}`;
    const before = await tenantRows(tenant.orgId);
    const refused: [string, RegExp][] = [
      ["\t=1+1", /control characters \(U\+0009 at character 1\)/],
      ["\n=3+3", /control characters \(U\+000A at character 1\)/],
      ["Sa\r\nles", /control characters \(U\+000D at character 3\)/],
      ["Sales\u001b[31m", /control characters \(U\+001B/],
      ["Sales\u0085", /control characters \(U\+0085/],
      ["x".repeat(257), /at most 256 characters/],
    ];
    for (const [displayName, detail] of refused) {
      const label = JSON.stringify(displayName);
      const requests = [
        scim(tenant, "/Groups", { method: "POST", json: { ...group, displayName } }),
        scim(tenant, path, { method: "PUT", json: { ...group, displayName } }),
        scim(tenant, path, {
          method: "PATCH",
          json: patchOp({ op: "replace", path: "displayName", value: displayName }),
        }),
        scim(tenant, path, { method: "PATCH", json: patchOp({ op: "replace", value: { displayName } }) }),
        scim(tenant, "/Bulk", {
          method: "POST",
          json: {
            schemas: ["urn:ietf:params:scim:api:messages:2.0:BulkRequest"],
            Operations: [{ method: "POST", bulkId: "g", path: "/Groups", data: { ...group, displayName } }],
          },
        }),
      ];
      const [post, put, patch, pathless, bulk] = await Promise.all(requests);
      for (const response of [post, put, patch, pathless]) {
        const body = await expectScimError(response, 400, "invalidValue");
        expect(body.detail, label).toMatch(/^A team name /);
        expect(body.detail, label).toMatch(detail);
      }
      const [operation] = ((await bulk.json()) as any).Operations;
      expect(operation.status, label).toBe("400");
      expect(operation.response.scimType, label).toBe("invalidValue");
      // The admin API refuses the same names for teams, by the same rule (once it has trimmed what an admin typed).
      const named = admin(`/organizations/${tenant.orgId}/teams`, {
        method: "POST",
        json: { name: `Team ${displayName}` },
      });
      expect(await expectAdminError(await named, 400, "invalid_request"), label).toMatch(
        /^name: must (not contain control characters|be at most 256 characters)/,
      );
    }
    expect(await tenantRows(tenant.orgId)).toEqual(before);
    const longest = await scim(tenant, path, { method: "PUT", json: { ...group, displayName: "x".repeat(256) } });
    expect(((await longest.json()) as any).displayName).toHaveLength(256);
  });

  it("refuses control characters in a member's first and last name", async () => {
    const { id } = await createOrganization(5);
    const response = await admin(`/organizations/${id}/members`, {
      method: "POST",
      json: { email: "ada@acme.test", firstName: "Ada\u0000" },
    });
    expect(await expectAdminError(response, 400, "invalid_request")).toMatch(/^firstName: /);
  });
});

describe("security headers", () => {
  it("sends nosniff and HSTS on every response, and no-store on every SCIM and admin response", async () => {
    const tenant = await createTenant();
    const responses: [string, Response][] = [
      ["health", await call("/health")],
      ["unknown path", await call("/nowhere")],
      ["SCIM list", await scim(tenant, "/Users")],
      ["SCIM 401", await scim(tenant, "/Users", { token: "wrong" })],
      ["SCIM 404", await scim(tenant, "/Users/none")],
      ["SCIM 400", await scim(tenant, "/Users?filter=")],
      ["SCIM 415", await raw(tenant, "/Users", "POST", bytes("{}"), { "Content-Type": "text/plain" })],
      ["SCIM unknown endpoint", await scim(tenant, "/Widgets")],
      ["SCIM discovery", await scim(tenant, "/ServiceProviderConfig")],
      ["admin 200", await admin(`/organizations/${tenant.orgId}`)],
      ["admin 401", await call(`/admin/v1/organizations/${tenant.orgId}`)],
      ["admin 404", await admin("/organizations/none")],
      ["admin token reveal", await admin(`/organizations/${tenant.orgId}/scim/token`, { method: "POST" })],
    ];
    for (const [name, response] of responses) {
      expect(response.headers.get("X-Content-Type-Options"), name).toBe("nosniff");
      expect(response.headers.get("Strict-Transport-Security"), name).toMatch(/^max-age=\d{7,}/);
      if (name !== "health" && name !== "unknown path")
        expect(response.headers.get("Cache-Control"), name).toBe("no-store");
    }
  });
});
