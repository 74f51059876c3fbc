import { describe, expect, it } from "vitest";
import { LICENCE_LIMIT_CHECK } from "../../src/db/constraints";
import {
  activity,
  createTenant,
  createUser,
  ENTERPRISE,
  ORIGIN,
  onEveryShard,
  patchOp,
  SCIM_JSON,
  scim,
  shardOf,
  USER_SCHEMA,
  user,
} from "../helpers";

/** A member as stored, on whichever shard holds it. */
const memberRow = async (id: string) =>
  (await onEveryShard((shard) => shard.prepare("SELECT * FROM members WHERE id = ?").bind(id).first<any>())).find(
    Boolean,
  );

describe("POST /Users", () => {
  it("creates an Okta user and answers 201 with the full resource", async () => {
    const tenant = await createTenant();
    const body = {
      schemas: [USER_SCHEMA],
      userName: "Ada.Lovelace@Acme.test",
      name: { givenName: "Ada", familyName: "Lovelace" },
      emails: [{ primary: true, value: "Ada.Lovelace@Acme.test", type: "work" }],
      displayName: "Ada Lovelace",
      locale: "en-GB",
      externalId: "00u1abcd",
      groups: [],
      password: "Sup3rSecret!",
      active: true,
      customAttribute: "ignored",
    };
    const response = await scim(tenant, "/Users", { method: "POST", json: body });
    expect(response.status).toBe(201);
    expect(response.headers.get("Content-Type")).toBe(SCIM_JSON);
    const created = (await response.json()) as any;
    expect(created).toEqual({
      schemas: [USER_SCHEMA],
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      userName: "Ada.Lovelace@Acme.test",
      name: { givenName: "Ada", familyName: "Lovelace" },
      emails: [{ primary: true, value: "Ada.Lovelace@Acme.test", type: "work" }],
      displayName: "Ada Lovelace",
      locale: "en-GB",
      externalId: "00u1abcd",
      active: true,
      meta: {
        resourceType: "User",
        created: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
        lastModified: expect.any(String),
        location: `${ORIGIN}/scim/v2/${tenant.orgId}/Users/${created.id}`,
        version: 'W/"1"',
      },
    });
    expect(response.headers.get("Location")).toBe(created.meta.location);
    expect(response.headers.get("ETag")).toBe('W/"1"');

    const row = await memberRow(created.id);
    expect(row).toMatchObject({
      org_id: tenant.orgId,
      user_name_lower: "ada.lovelace@acme.test",
      email_lower: "ada.lovelace@acme.test",
      source: "okta",
      provisioned: 1,
      active: 1,
    });
    expect(row.document).not.toContain("Sup3rSecret");
    expect(row.document).not.toContain("customAttribute");

    const [entry] = (await activity(tenant.orgId)).filter((a) => a.action === "member.created");
    expect(entry).toMatchObject({
      actor: "scim:okta",
      target_type: "member",
      target_id: created.id,
      target_name: "Ada.Lovelace@Acme.test",
    });
  });

  it("creates an Entra user: both schemas, non-email userName, string booleans and nulls", async () => {
    const tenant = await createTenant({ provider: "entra" });
    const body = {
      schemas: [USER_SCHEMA, ENTERPRISE],
      externalId: "8b5d0c7e-entra",
      userName: "ada",
      active: "True",
      displayName: "Ada Lovelace",
      title: null,
      preferredLanguage: null,
      name: { formatted: "Ada Lovelace", familyName: "Lovelace", givenName: "Ada" },
      emails: [
        { primary: false, type: "other", value: "ada@home.test" },
        { primary: true, type: "work", value: "Ada@Acme.test" },
      ],
      roles: [],
      addresses: [
        {
          type: "work",
          formatted: "1 Analytical St",
          streetAddress: "1 Analytical St",
          locality: "London",
          country: "GB",
          primary: true,
        },
      ],
      phoneNumbers: [{ type: "mobile", value: "+44 20 0000 0000" }],
      [ENTERPRISE]: {
        employeeNumber: "1815",
        department: "Engines",
        manager: { value: "not-provisioned-yet" },
      },
    };
    const response = await scim(tenant, "/Users", { method: "POST", json: body });
    expect(response.status).toBe(201);
    const created = (await response.json()) as any;
    expect(created.schemas).toEqual([USER_SCHEMA, ENTERPRISE]);
    expect(created.active).toBe(true);
    expect(created).not.toHaveProperty("title");
    expect(created.roles ?? []).toEqual([]);
    expect(created.addresses[0]).toMatchObject({ locality: "London", country: "GB", primary: true });
    expect(created.phoneNumbers).toEqual([{ type: "mobile", value: "+44 20 0000 0000" }]);
    expect(created[ENTERPRISE]).toEqual({
      employeeNumber: "1815",
      department: "Engines",
      manager: { value: "not-provisioned-yet" },
    });

    const row = await memberRow(created.id);
    expect(row).toMatchObject({
      user_name: "ada",
      email: "Ada@Acme.test",
      email_lower: "ada@acme.test",
      source: "entra",
    });
  });

  it("derives the member email from the work email, then the first, when there is no primary", async () => {
    const tenant = await createTenant({ provider: "entra" });
    const work = await createUser(tenant, "bob", {
      emails: [
        { type: "home", value: "bob@home.test" },
        { type: "work", value: "bob@acme.test" },
      ],
    });
    expect((await memberRow(work.id)).email).toBe("bob@acme.test");
    const first = await createUser(tenant, "carol", {
      emails: [
        { type: "home", value: "carol@home.test" },
        { type: "other", value: "carol@other.test" },
      ],
    });
    expect((await memberRow(first.id)).email).toBe("carol@home.test");
  });

  it("refuses a user with no usable email", async () => {
    const tenant = await createTenant({ provider: "entra" });
    const response = await scim(tenant, "/Users", {
      method: "POST",
      json: { schemas: [USER_SCHEMA], userName: "nomail" },
    });
    expect(response.status).toBe(400);
    const error = (await response.json()) as any;
    expect(error).toMatchObject({ status: "400", scimType: "invalidValue" });
    expect(error.detail).toMatch(/email/i);
    expect((await activity(tenant.orgId)).some((a) => a.action === "member.created")).toBe(false);
  });

  it("defaults active to true and honours active:false on create", async () => {
    const tenant = await createTenant({ licenses: 1 });
    const inactive = await createUser(tenant, "off@acme.test", { active: false });
    expect(inactive.active).toBe(false);
    const active = await createUser(tenant, "on@acme.test", { active: undefined });
    expect(active.active).toBe(true);
  });

  it("requires userName", async () => {
    const tenant = await createTenant();
    const response = await scim(tenant, "/Users", {
      method: "POST",
      json: { schemas: [USER_SCHEMA], emails: [{ value: "x@acme.test" }] },
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({
      scimType: "invalidValue",
      detail: expect.stringContaining("userName"),
    });
  });
});

describe("uniqueness", () => {
  it("refuses a userName that exists in another case with 409 uniqueness", async () => {
    const tenant = await createTenant();
    await createUser(tenant, "dup@acme.test");
    const response = await scim(tenant, "/Users", { method: "POST", json: user("DUP@ACME.TEST") });
    expect(response.status).toBe(409);
    expect(await response.json()).toMatchObject({ status: "409", scimType: "uniqueness" });
    const rejected = (await activity(tenant.orgId)).filter((a) => a.action === "member.create_rejected");
    expect(rejected).toHaveLength(1);
    expect(JSON.parse(rejected[0].changes!)).toMatchObject({ reason: "user_name_taken" });
  });

  it("answers a duplicate userName with 409 uniqueness whatever the request's text (a title naming the licence constraint)", async () => {
    const tenant = await createTenant();
    const title = `CHECK constraint failed: ${LICENCE_LIMIT_CHECK}`;
    const first = await createUser(tenant, "dup-title@acme.test", { title });
    const response = await scim(tenant, "/Users", { method: "POST", json: user("dup-title@acme.test", { title }) });
    expect(response.status).toBe(409);
    expect(await response.json()).toMatchObject({ status: "409", scimType: "uniqueness" });
    const other = await createUser(tenant, "other-title@acme.test");
    const put = await scim(tenant, `/Users/${other.id}`, {
      method: "PUT",
      json: user("dup-title@acme.test", { title }),
    });
    expect(put.status).toBe(409);
    expect(await put.json()).toMatchObject({ status: "409", scimType: "uniqueness" });
    const { results } = await shardOf(tenant.orgId)
      .prepare("SELECT id FROM members WHERE org_id = ?")
      .bind(tenant.orgId)
      .all();
    expect(results.map((row) => row.id).sort()).toEqual([first.id, other.id].sort());
  });

  it("refuses an email another member already has", async () => {
    const tenant = await createTenant({ provider: "entra" });
    await createUser(tenant, "first", { emails: [{ value: "same@acme.test", primary: true }] });
    const response = await scim(tenant, "/Users", {
      method: "POST",
      json: user("second", { emails: [{ value: "SAME@acme.test", primary: true }] }),
    });
    expect(response.status).toBe(409);
    expect(await response.json()).toMatchObject({
      scimType: "uniqueness",
      detail: expect.stringContaining("SAME@acme.test"),
    });
  });

  it("lets exactly one of many concurrent creates of one userName succeed", async () => {
    const tenant = await createTenant();
    const responses = await Promise.all(
      Array.from({ length: 8 }, () => scim(tenant, "/Users", { method: "POST", json: user("race@acme.test") })),
    );
    const statuses = responses.map((r) => r.status).sort();
    expect(statuses).toEqual([201, 409, 409, 409, 409, 409, 409, 409]);
    const count = await shardOf(tenant.orgId)
      .prepare("SELECT count(*) AS n FROM members WHERE org_id = ?")
      .bind(tenant.orgId)
      .first<any>();
    expect(count.n).toBe(1);
  });

  it("does not see manual members, and refuses to take over their email", async () => {
    const tenant = await createTenant();
    const manualId = crypto.randomUUID();
    await shardOf(tenant.orgId)
      .prepare(
        `INSERT INTO members (id, org_id, user_name, user_name_lower, email, email_lower, active, source, provisioned, document, created_at, updated_at)
       VALUES (?, ?, 'Manual@Acme.test', 'manual@acme.test', 'Manual@Acme.test', 'manual@acme.test', 1, 'manual', 0, ?, '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z')`,
      )
      .bind(manualId, tenant.orgId, JSON.stringify({ schemas: [USER_SCHEMA], userName: "Manual@Acme.test" }))
      .run();

    expect((await scim(tenant, `/Users/${manualId}`)).status).toBe(404);
    const list = (await (await scim(tenant, "/Users")).json()) as any;
    expect(list.totalResults).toBe(0);
    const filtered = (await (
      await scim(tenant, `/Users?filter=${encodeURIComponent('userName eq "manual@acme.test"')}`)
    ).json()) as any;
    expect(filtered.Resources).toEqual([]);

    const response = await scim(tenant, "/Users", { method: "POST", json: user("manual@acme.test") });
    expect(response.status).toBe(409);
    const error = (await response.json()) as any;
    expect(error.scimType).toBe("uniqueness");
    expect(error.detail).toMatch(/manually/);
    const row = await memberRow(manualId);
    expect(row.source).toBe("manual");
  });
});

describe("licences", () => {
  it("refuses a create past the limit with 403 saying how many are in use, writing nothing", async () => {
    const tenant = await createTenant({ licenses: 2 });
    await createUser(tenant, "one@acme.test");
    await createUser(tenant, "two@acme.test");
    const response = await scim(tenant, "/Users", { method: "POST", json: user("three@acme.test") });
    expect(response.status).toBe(403);
    const error = (await response.json()) as any;
    expect(error).toMatchObject({ schemas: ["urn:ietf:params:scim:api:messages:2.0:Error"], status: "403" });
    expect(error.detail).toContain("2 of 2 licences are in use");
    const count = await shardOf(tenant.orgId)
      .prepare("SELECT count(*) AS n FROM members WHERE org_id = ?")
      .bind(tenant.orgId)
      .first<any>();
    expect(count.n).toBe(2);
    const rejected = (await activity(tenant.orgId)).filter((a) => a.action === "member.create_rejected");
    expect(JSON.parse(rejected[0].changes!)).toMatchObject({ reason: "license_limit_reached" });
  });

  it("frees a licence on deactivation and delete; reactivation needs a free one", async () => {
    const tenant = await createTenant({ licenses: 1 });
    const first = await createUser(tenant, "first@acme.test");
    const deactivate = {
      schemas: ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
      Operations: [{ op: "replace", value: { active: false } }],
    };
    expect((await scim(tenant, `/Users/${first.id}`, { method: "PATCH", json: deactivate })).status).toBe(200);
    const second = await createUser(tenant, "second@acme.test");

    const reactivate = { ...deactivate, Operations: [{ op: "replace", value: { active: true } }] };
    const refused = await scim(tenant, `/Users/${first.id}`, { method: "PATCH", json: reactivate });
    expect(refused.status).toBe(403);
    expect(((await (await scim(tenant, `/Users/${first.id}`)).json()) as any).active).toBe(false);

    expect((await scim(tenant, `/Users/${second.id}`, { method: "DELETE" })).status).toBe(204);
    expect((await scim(tenant, `/Users/${first.id}`, { method: "PATCH", json: reactivate })).status).toBe(200);
    const org = await shardOf(tenant.orgId)
      .prepare("SELECT licenses_used FROM organizations WHERE id = ?")
      .bind(tenant.orgId)
      .first<any>();
    expect(org.licenses_used).toBe(1);
  });

  it("never exceeds the limit under concurrent creates", async () => {
    const tenant = await createTenant({ licenses: 3 });
    const responses = await Promise.all(
      Array.from({ length: 8 }, (_, i) => scim(tenant, "/Users", { method: "POST", json: user(`c${i}@acme.test`) })),
    );
    expect(responses.filter((r) => r.status === 201)).toHaveLength(3);
    expect(responses.filter((r) => r.status === 403)).toHaveLength(5);
  });
});

describe("size limits", () => {
  const addresses = (count: number) =>
    Array.from({ length: count }, (_, i) => ({ type: "work", formatted: `${i} ${"x".repeat(1000)}` }));

  it("refuses a user over 32 KiB as stored with 400 invalidValue from POST, PUT and PATCH, writing nothing", async () => {
    const tenant = await createTenant();
    const tooLarge = await scim(tenant, "/Users", {
      method: "POST",
      json: user("large@acme.test", { addresses: addresses(40) }),
    });
    expect(tooLarge.status).toBe(400);
    expect(await tooLarge.json()).toMatchObject({ scimType: "invalidValue", detail: expect.stringContaining("32768") });
    const count = () =>
      shardOf(tenant.orgId)
        .prepare("SELECT count(*) AS n FROM members WHERE org_id = ?")
        .bind(tenant.orgId)
        .first<number>("n");
    expect(await count()).toBe(0);

    const created = await createUser(tenant, "near-limit@acme.test", { addresses: addresses(28) });
    const put = await scim(tenant, `/Users/${created.id}`, {
      method: "PUT",
      json: user("near-limit@acme.test", { addresses: addresses(40) }),
    });
    expect(put.status).toBe(400);
    expect(await put.json()).toMatchObject({ scimType: "invalidValue" });
    const patch = await scim(tenant, `/Users/${created.id}`, {
      method: "PATCH",
      json: patchOp({ op: "add", path: "addresses", value: addresses(12).map((a) => ({ ...a, type: "home" })) }),
    });
    expect(patch.status).toBe(400);
    expect(await patch.json()).toMatchObject({ scimType: "invalidValue" });
    const stored = await memberRow(created.id);
    expect({ version: stored.version, addresses: JSON.parse(stored.document).addresses.length }).toEqual({
      version: 1,
      addresses: 28,
    });
    expect(await count()).toBe(1);
  });
});

describe("primary values", () => {
  it("refuses more than one primary value in an attribute from POST, PUT and a multi-value add (RFC 7643 §2.4)", async () => {
    const tenant = await createTenant();
    const twoPrimaries = [
      { value: "one@acme.test", type: "work", primary: true },
      { value: "two@acme.test", type: "home", primary: "True" },
    ];
    const posted = await scim(tenant, "/Users", {
      method: "POST",
      json: user("one@acme.test", { emails: twoPrimaries }),
    });
    expect(posted.status).toBe(400);
    expect(await posted.json()).toMatchObject({ scimType: "invalidValue", detail: expect.stringContaining("emails") });
    const created = await createUser(tenant, "one@acme.test");
    const put = await scim(tenant, `/Users/${created.id}`, {
      method: "PUT",
      json: user("one@acme.test", { phoneNumbers: twoPrimaries.map((p, i) => ({ ...p, value: `+1 555 010${i}` })) }),
    });
    expect(put.status).toBe(400);
    expect(await put.json()).toMatchObject({ scimType: "invalidValue" });
    const added = await scim(tenant, `/Users/${created.id}`, {
      method: "PATCH",
      json: patchOp({ op: "add", path: "emails", value: twoPrimaries.map((e) => ({ ...e, value: `x-${e.value}` })) }),
    });
    expect(added.status).toBe(400);
    expect(await added.json()).toMatchObject({ scimType: "invalidValue" });
    const stored = await memberRow(created.id);
    expect(stored.version).toBe(1);
    // One added primary still takes over from the current one.
    const handedOver = await scim(tenant, `/Users/${created.id}`, {
      method: "PATCH",
      json: patchOp({ op: "add", path: "emails", value: [{ value: "new@acme.test", primary: true }] }),
    });
    expect(((await handedOver.json()) as any).emails.map((e: any) => [e.value, e.primary])).toEqual([
      ["one@acme.test", false],
      ["new@acme.test", true],
    ]);
  });
});
