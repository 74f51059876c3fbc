import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import {
  ADMIN_TOKEN,
  call,
  createTenant,
  createUser,
  ENTERPRISE,
  ERROR_SCHEMA,
  ORIGIN,
  SCIM_JSON,
  scim,
  shardOf,
  USER_SCHEMA,
  user,
} from "../helpers";

async function expectScimError(response: Response, status: number, scimType?: string) {
  expect(response.status).toBe(status);
  expect(response.headers.get("Content-Type")).toBe(SCIM_JSON);
  const body = (await response.json()) as any;
  expect(body).toMatchObject({ schemas: [ERROR_SCHEMA], status: String(status), detail: expect.any(String) });
  if (scimType) expect(body.scimType).toBe(scimType);
  return body;
}

describe("SCIM protocol", () => {
  it("answers 401 with a SCIM body for a missing, malformed or wrong token", async () => {
    const tenant = await createTenant();
    for (const headers of [{}, { Authorization: "Basic abc" }, { Authorization: "Bearer wrong" }] as Record<
      string,
      string
    >[]) {
      const response = await call(`/scim/v2/${tenant.orgId}/Users`, { headers });
      await expectScimError(response, 401);
      expect(response.headers.get("WWW-Authenticate")).toMatch(/^Bearer/);
    }
    const lower = await call(`/scim/v2/${tenant.orgId}/Users`, {
      headers: { Authorization: `bearer ${tenant.token}` },
    });
    expect(lower.status).toBe(200);
  });

  it("checks the token before it reads the body", async () => {
    const tenant = await createTenant();
    const created = await createUser(tenant, "first@acme.test");
    for (const [method, path] of [
      ["POST", "/Users"],
      ["PUT", `/Users/${created.id}`],
      ["PATCH", `/Users/${created.id}`],
      ["POST", "/Groups"],
      ["GET", `/Users?filter=${encodeURIComponent("nonsense eq")}`],
      ["GET", "/Groups?count=lots"],
    ]) {
      const body = method === "GET" ? undefined : "{not json";
      const response = await call(`/scim/v2/${tenant.orgId}${path}`, {
        method,
        token: "wrong",
        body,
        headers: { "Content-Type": "application/scim+json" },
      });
      await expectScimError(response, 401);
    }
  });

  it("answers a hostile filter at once: 401 to a wrong token, 400 invalidFilter to the tenant", async () => {
    const tenant = await createTenant();
    // The old tokenizer backtracked exponentially on an unclosed quote followed by newlines.
    const filter = encodeURIComponent(`userName eq "${"\n".repeat(4000)}`);
    for (const [token, status] of [
      ["wrong", 401],
      [tenant.token, 400],
    ] as const) {
      for (const resource of ["Users", "Groups"]) {
        const started = performance.now();
        const response = await call(`/scim/v2/${tenant.orgId}/${resource}?filter=${filter}`, { token });
        const body = await expectScimError(response, status, status === 400 ? "invalidFilter" : undefined);
        expect(performance.now() - started).toBeLessThan(1000); // a guard against blow-up, not a speed target
        if (status === 400) expect(body.detail).toContain("control character (U+000A)");
      }
    }
  });

  it("answers malformed JSON with 400 invalidSyntax", async () => {
    const tenant = await createTenant();
    const response = await scim(tenant, "/Users", {
      method: "POST",
      body: '{"userName":',
      headers: { "Content-Type": "application/scim+json" },
    });
    await expectScimError(response, 400, "invalidSyntax");
    const notObject = await scim(tenant, "/Users", { method: "POST", json: ["a"] });
    await expectScimError(notObject, 400, "invalidSyntax");
  });

  it("refuses bodies over 1 MiB with 413", async () => {
    const tenant = await createTenant();
    const big = JSON.stringify(user("big@acme.test", { title: "x".repeat(1024 * 1024) }));
    const response = await scim(tenant, "/Users", {
      method: "POST",
      body: big,
      headers: { "Content-Type": "application/scim+json" },
    });
    await expectScimError(response, 413);
  });

  it("answers unknown routes with a SCIM 404 and wrong methods with 405", async () => {
    const tenant = await createTenant();
    await expectScimError(await scim(tenant, "/Widgets"), 404);
    const collection = await scim(tenant, "/Users", { method: "DELETE" });
    await expectScimError(collection, 405);
    expect(collection.headers.get("Allow")).toBe("GET, POST");
    const created = await createUser(tenant, "method@acme.test");
    await expectScimError(await scim(tenant, `/Users/${created.id}`, { method: "POST", json: {} }), 405);
    await expectScimError(await scim(tenant, "/ServiceProviderConfig", { method: "PUT", json: {} }), 405);
    await expectScimError(await scim(tenant, "/Bulk", { method: "GET" }), 405);
  });

  it("enforces input limits, naming the attribute, and writes nothing", async () => {
    const tenant = await createTenant();
    const long = (n: number) => "a".repeat(n);
    const cases: [Record<string, unknown>, string][] = [
      [user(`${long(250)}@a.co`), "userName"],
      [user("ok@acme.test", { emails: [{ value: `${long(250)}@a.co` }] }), "emails"],
      [user("ok@acme.test", { title: long(1025) }), "title"],
      [
        user("ok@acme.test", { phoneNumbers: Array.from({ length: 101 }, (_, i) => ({ value: String(i) })) }),
        "phoneNumbers",
      ],
      [user("ok@acme.test", { name: { givenName: { nested: "no" } } }), "givenName"],
      [user("ok@acme.test", { title: ["a"] }), "title"],
      [user("ok@acme.test", { active: "maybe" }), "active"],
    ];
    for (const [json, attribute] of cases) {
      const response = await scim(tenant, "/Users", { method: "POST", json });
      const body = await expectScimError(response, 400, "invalidValue");
      expect(body.detail, attribute).toContain(attribute);
    }
    const list = (await (await scim(tenant, "/Users")).json()) as any;
    expect(list.totalResults).toBe(0);
    const fine = await scim(tenant, "/Users", { method: "POST", json: user("ok@acme.test", { title: long(1024) }) });
    expect(fine.status).toBe(201);
  });

  it("isolates tenants: lists and filters never cross organizations", async () => {
    const a = await createTenant();
    const b = await createTenant();
    await createUser(a, "same@acme.test");
    const created = await scim(b, "/Users", { method: "POST", json: user("same@acme.test") });
    expect(created.status).toBe(201); // uniqueness is per organization
    const listA = (await (await scim(a, "/Users")).json()) as any;
    const listB = (await (await scim(b, "/Users")).json()) as any;
    expect(listA.totalResults).toBe(1);
    expect(listB.totalResults).toBe(1);
    expect(listA.Resources[0].id).not.toBe(listB.Resources[0].id);
  });
});

describe("discovery", () => {
  it("describes exactly what the server supports", async () => {
    const tenant = await createTenant();
    const config = (await (await scim(tenant, "/ServiceProviderConfig")).json()) as any;
    expect(config).toMatchObject({
      schemas: ["urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"],
      patch: { supported: true },
      bulk: { supported: true, maxOperations: 100 },
      filter: { supported: true, maxResults: 1000 },
      pagination: { cursor: true, index: true, defaultPaginationMethod: "index", maxPageSize: 1000 },
      changePassword: { supported: false },
      sort: { supported: true },
      etag: { supported: true },
      authenticationSchemes: [expect.objectContaining({ type: "oauthbearertoken" })],
    });

    const types = (await (await scim(tenant, "/ResourceTypes")).json()) as any;
    const userType = types.Resources.find((t: any) => t.id === "User");
    expect(userType).toMatchObject({
      endpoint: "/Users",
      schema: USER_SCHEMA,
      schemaExtensions: [{ schema: ENTERPRISE, required: false }],
    });
    const one = (await (await scim(tenant, "/ResourceTypes/User")).json()) as any;
    expect(one.meta.location).toBe(`${ORIGIN}/scim/v2/${tenant.orgId}/ResourceTypes/User`);

    const schemas = (await (await scim(tenant, "/Schemas")).json()) as any;
    expect(schemas.Resources.map((s: any) => s.id)).toEqual(expect.arrayContaining([USER_SCHEMA, ENTERPRISE]));
    const userSchema = (await (await scim(tenant, `/Schemas/${USER_SCHEMA}`)).json()) as any;
    const userName = userSchema.attributes.find((a: any) => a.name === "userName");
    expect(userName).toMatchObject({ type: "string", required: true, caseExact: false, uniqueness: "server" });
    await expectScimError(await scim(tenant, "/Schemas/urn:nope"), 404);
  });
});

describe("request log", () => {
  afterEach(() => vi.restoreAllMocks());

  it("writes one structured line per request, without the token or the query", async () => {
    const tenant = await createTenant();
    const lines: string[] = [];
    vi.spyOn(console, "log").mockImplementation((line: unknown) => void lines.push(String(line)));
    await scim(tenant, `/Users?filter=${encodeURIComponent('userName eq "secret-lookup@acme.test"')}`);
    await scim(tenant, "/Users", {
      method: "POST",
      json: { ...user("logged@acme.test"), password: "hunter2-password" },
    });
    const requests = lines.map((l) => JSON.parse(l)).filter((l) => l.event === "request");
    expect(requests).toEqual([
      {
        event: "request",
        method: "GET",
        path: `/scim/v2/${tenant.orgId}/Users`,
        status: 200,
        orgId: tenant.orgId,
        durationMs: expect.any(Number),
      },
      {
        event: "request",
        method: "POST",
        path: `/scim/v2/${tenant.orgId}/Users`,
        status: 201,
        orgId: tenant.orgId,
        durationMs: expect.any(Number),
      },
    ]);
    const everything = lines.join("\n");
    expect(everything).not.toContain(tenant.token);
    expect(everything).not.toContain("hunter2-password");
    expect(everything).not.toContain("secret-lookup");
    const activityLine = lines.map((l) => JSON.parse(l)).find((l) => l.event === "activity");
    expect(activityLine).toMatchObject({ action: "member.created", orgId: tenant.orgId, actor: "scim:okta" });
  });

  it("logs an unexpected D1 failure with D1's message and the SQL, never the bound parameters", async () => {
    const tenant = await createTenant();
    await createUser(tenant, "taken-secret@acme.test");
    // The lookup that explains a uniqueness conflict fails: drizzle's error then lists its parameters.
    const shard = shardOf(tenant.orgId);
    const prepare = shard.prepare.bind(shard);
    const fault = () => Promise.reject(new Error("D1_ERROR: disk I/O error (injected by the test): SQLITE_IOERR"));
    vi.spyOn(shard, "prepare").mockImplementation((query: string) => {
      const statement = prepare(query);
      if (!/^select .* from "members" where .*"email_lower" = \?/.test(query)) return statement;
      const failing = { all: fault, raw: fault, first: fault, run: fault };
      return Object.assign(Object.create(statement), { bind: () => failing }) as D1PreparedStatement;
    });
    const errors: string[] = [];
    vi.spyOn(console, "error").mockImplementation((line: unknown) => void errors.push(String(line)));
    const response = await scim(tenant, "/Users", {
      method: "POST",
      json: user("taken-secret@acme.test", { title: "Confidential title" }),
    });
    await expectScimError(response, 500);
    const logged = errors.map((line) => JSON.parse(line)).find((line) => line.event === "error");
    expect(logged).toEqual({
      event: "error",
      path: `/scim/v2/${tenant.orgId}/Users`,
      error: expect.stringContaining("disk I/O error (injected by the test)"),
      query: expect.stringMatching(/^select .* from "members" where/),
    });
    expect(errors.join("\n")).not.toMatch(/taken-secret|Confidential/);
  });
});

describe("overload", () => {
  afterEach(() => vi.restoreAllMocks());

  it("answers 429 with an integer Retry-After when D1 is overloaded, and 503 when it is briefly unavailable", async () => {
    const tenant = await createTenant();
    vi.spyOn(console, "error").mockImplementation(() => {});
    const batch = vi
      .spyOn(shardOf(tenant.orgId), "batch")
      .mockRejectedValueOnce(new Error("D1_ERROR: D1 DB is overloaded. Too many requests queued."));
    const overloaded = await scim(tenant, "/Users");
    const body = await expectScimError(overloaded, 429);
    expect(body.detail).toMatch(/Retry-After/);
    expect(overloaded.headers.get("Retry-After")).toBe("1");

    batch.mockRejectedValueOnce(new Error("D1_ERROR: Network connection lost."));
    const unavailable = await scim(tenant, "/Users");
    await expectScimError(unavailable, 503);
    expect(unavailable.headers.get("Retry-After")).toBe("1");

    expect((await scim(tenant, "/Users")).status).toBe(200);

    vi.spyOn(shardOf(tenant.orgId), "prepare").mockImplementationOnce(() => {
      throw new Error("D1_ERROR: D1 DB is overloaded. Requests queued for too long.");
    });
    const adminBusy = await call(`/admin/v1/organizations/${tenant.orgId}`, { token: env.ADMIN_TOKEN });
    expect(adminBusy.status).toBe(429);
    expect(adminBusy.headers.get("Retry-After")).toBe("1");
    expect(await adminBusy.json()).toEqual({ error: { code: "busy", message: expect.any(String) } });
  });
});

describe("the request's storage", () => {
  afterEach(() => vi.restoreAllMocks());

  it("answers a console page busy (429 with Retry-After, in words) when D1 is overloaded, as the APIs do", async () => {
    const signIn = await call("/console/sign-in", {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded", Origin: ORIGIN },
      body: new URLSearchParams({ token: ADMIN_TOKEN }).toString(),
      redirect: "manual",
    });
    const cookie = /__Host-console_session=([^;]+)/.exec(signIn.headers.get("Set-Cookie") ?? "")![1];
    vi.spyOn(console, "error").mockImplementation(() => {});
    // The console's first query: the session, on the control plane.
    vi.spyOn(env.DB_CONTROL, "prepare").mockImplementationOnce(() => {
      throw new Error("D1_ERROR: D1 DB is overloaded. Requests queued for too long.");
    });
    const busy = await call("/console/orgs", { headers: { Cookie: `__Host-console_session=${cookie}` } });
    expect(busy.status).toBe(429);
    expect(busy.headers.get("Retry-After")).toBe("1");
    const html = await busy.text();
    expect(html).toContain("The service is busy");
    expect(html).not.toContain("D1_ERROR");
  });
});
