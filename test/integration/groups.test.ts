import { describe, expect, it } from "vitest";
import {
  activity,
  createGroup,
  createTenant,
  GROUP_SCHEMA as GROUP,
  ORIGIN,
  onEveryShard,
  patchOp,
  scim,
  shardOf,
  type Tenant,
  createUsers as users,
} from "../helpers";

const read = async (tenant: Tenant, id: string, query = "") =>
  (await (await scim(tenant, `/Groups/${id}${query}`)).json()) as any;
const memberIds = (group: any) => (group.members ?? []).map((m: any) => m.value).sort();
const patchGroup = (tenant: Tenant, id: string, ...operations: unknown[]) =>
  scim(tenant, `/Groups/${id}`, { method: "PATCH", json: patchOp(...operations) });
/** A count over every shard: the rows it counts are found by ids that name no organization. */
const rowCount = async (sql: string, ...binds: unknown[]) =>
  (
    await onEveryShard(
      async (shard) =>
        (await shard
          .prepare(sql)
          .bind(...binds)
          .first<{ n: number }>())!.n,
    )
  ).reduce((a, b) => a + b, 0);

describe("Okta group push", () => {
  it("looks up, creates and renders a group with its members", async () => {
    const tenant = await createTenant();
    const [a, b] = await users(tenant, 2);
    const lookup = (await (
      await scim(tenant, `/Groups?filter=${encodeURIComponent('displayName eq "Sales"')}`)
    ).json()) as any;
    expect(lookup).toMatchObject({ totalResults: 0, Resources: [] });

    const response = await scim(tenant, "/Groups", {
      method: "POST",
      json: { schemas: [GROUP], displayName: "Sales", members: [{ value: a, display: "u0@acme.test" }, { value: b }] },
    });
    expect(response.status).toBe(201);
    const group = (await response.json()) as any;
    expect(group).toEqual({
      schemas: [GROUP],
      id: expect.any(String),
      displayName: "Sales",
      members: expect.arrayContaining([
        { value: a, display: "u0@acme.test", $ref: `${ORIGIN}/scim/v2/${tenant.orgId}/Users/${a}` },
        { value: b, display: "u1@acme.test", $ref: `${ORIGIN}/scim/v2/${tenant.orgId}/Users/${b}` },
      ]),
      meta: {
        resourceType: "Group",
        created: expect.any(String),
        lastModified: expect.any(String),
        location: `${ORIGIN}/scim/v2/${tenant.orgId}/Groups/${group.id}`,
        version: 'W/"1"',
      },
    });
    expect(response.headers.get("Location")).toBe(group.meta.location);
    const found = (await (
      await scim(tenant, `/Groups?filter=${encodeURIComponent('displayName eq "sales"')}`)
    ).json()) as any;
    expect(found.Resources.map((g: any) => g.id)).toEqual([group.id]);

    const user = (await (await scim(tenant, `/Users/${a}`)).json()) as any;
    expect(user.groups).toEqual([{ value: group.id, display: "Sales", $ref: group.meta.location }]);
  });

  it("applies Okta's membership PATCH shapes, ignoring the id in a rename", async () => {
    const tenant = await createTenant();
    const [a, b, c] = await users(tenant, 3);
    const group = await createGroup(tenant, "Eng", [a]);

    const response = await patchGroup(
      tenant,
      group.id,
      { op: "replace", value: { id: group.id, displayName: "Engineering" } },
      {
        op: "add",
        path: "members",
        value: [
          { value: b, display: "u1@acme.test" },
          { value: c, display: "u2@acme.test" },
        ],
      },
    );
    expect(response.status).toBe(204);
    const patched = await read(tenant, group.id);
    expect(response.headers.get("ETag")).toBe(patched.meta.version);
    expect(patched.displayName).toBe("Engineering");
    expect(memberIds(patched)).toEqual([a, b, c].sort());

    await patchGroup(tenant, group.id, { op: "remove", path: `members[value eq "${b}"]` });
    expect(memberIds(await read(tenant, group.id))).toEqual([a, c].sort());

    // Adding someone already there is idempotent.
    await patchGroup(tenant, group.id, { op: "add", path: "members", value: [{ value: a }] });
    expect(memberIds(await read(tenant, group.id))).toEqual([a, c].sort());

    await patchGroup(tenant, group.id, { op: "replace", path: "members", value: [{ value: b }] });
    expect(memberIds(await read(tenant, group.id))).toEqual([b]);
    await patchGroup(tenant, group.id, { op: "replace", path: "members", value: [] });
    expect(await read(tenant, group.id)).toMatchObject({ members: [] });

    const entries = await activity(tenant.orgId);
    const teamActions = entries.filter((e) => e.target_type === "team").map((e) => e.action);
    expect(teamActions).toEqual([
      "team.created",
      "team.members_added",
      "team.updated",
      "team.members_added",
      "team.members_removed",
      "team.members_added",
      "team.members_removed",
      "team.members_removed",
    ]);
    const removal = entries.filter((e) => e.action === "team.members_removed")[0];
    expect(JSON.parse(removal.changes!)).toEqual({ members: [{ id: b, userName: "u1@acme.test" }] });
  });

  it("adds 256 members in one PATCH", async () => {
    const tenant = await createTenant({ licenses: 300 });
    const ids = Array.from({ length: 256 }, () => crypto.randomUUID());
    const rows = ids.map((id, i) =>
      shardOf(tenant.orgId)
        .prepare(
          `INSERT INTO members (id, org_id, user_name, user_name_lower, email, email_lower, active, source, provisioned, document, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, 1, 'okta', 1, '{}', '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z')`,
        )
        .bind(id, tenant.orgId, `bulk${i}@acme.test`, `bulk${i}@acme.test`, `bulk${i}@acme.test`, `bulk${i}@acme.test`),
    );
    await shardOf(tenant.orgId).batch(rows);
    const group = await createGroup(tenant, "Everyone");
    const response = await patchGroup(tenant, group.id, {
      op: "add",
      path: "members",
      value: ids.map((value) => ({ value })),
    });
    expect(response.status).toBe(204);
    expect(await rowCount("SELECT count(*) AS n FROM team_members WHERE team_id = ?", group.id)).toBe(256);
    const [added] = (await activity(tenant.orgId)).filter((e) => e.action === "team.members_added");
    expect(JSON.parse(added.changes!).members).toHaveLength(256);

    const removeMany = await patchGroup(tenant, group.id, {
      op: "remove",
      path: "members",
      value: ids.slice(0, 200).map((value) => ({ value })),
    });
    expect(removeMany.status).toBe(204);
    expect(await rowCount("SELECT count(*) AS n FROM team_members WHERE team_id = ?", group.id)).toBe(56);
  });

  it("deletes a group and its memberships, not its members", async () => {
    const tenant = await createTenant();
    const [a] = await users(tenant, 1);
    const group = await createGroup(tenant, "Temp", [a]);
    expect((await scim(tenant, `/Groups/${group.id}`, { method: "DELETE" })).status).toBe(204);
    expect((await scim(tenant, `/Groups/${group.id}`)).status).toBe(404);
    expect((await scim(tenant, `/Groups/${group.id}`, { method: "DELETE" })).status).toBe(404);
    expect(await rowCount("SELECT count(*) AS n FROM team_members WHERE team_id = ?", group.id)).toBe(0);
    expect((await scim(tenant, `/Users/${a}`)).status).toBe(200);
    expect((await activity(tenant.orgId)).map((e) => e.action)).toContain("team.deleted");
  });
});

describe("Entra group shapes", () => {
  it("omits members when excluded, for one group and for filtered lists", async () => {
    const tenant = await createTenant({ provider: "entra" });
    const [a] = await users(tenant, 1);
    const group = await createGroup(tenant, "Finance", [a], { externalId: "entra-fin" });
    const one = await read(tenant, group.id, "?excludedAttributes=members");
    expect(one).not.toHaveProperty("members");
    expect(one).toMatchObject({ id: group.id, displayName: "Finance", externalId: "entra-fin" });
    const list = (await (
      await scim(tenant, `/Groups?excludedAttributes=members&filter=${encodeURIComponent('displayName eq "FINANCE"')}`)
    ).json()) as any;
    expect(list.Resources).toHaveLength(1);
    expect(list.Resources[0]).not.toHaveProperty("members");
    const byExternal = (await (
      await scim(tenant, `/Groups?filter=${encodeURIComponent('externalId eq "entra-fin"')}`)
    ).json()) as any;
    expect(byExternal.totalResults).toBe(1);
    const byMember = (await (
      await scim(tenant, `/Groups?filter=${encodeURIComponent(`members[value eq "${a}"]`)}`)
    ).json()) as any;
    expect(byMember.Resources.map((g: any) => g.id)).toEqual([group.id]);
    const usersInGroup = (await (
      await scim(tenant, `/Users?filter=${encodeURIComponent(`groups[value eq "${group.id}"]`)}`)
    ).json()) as any;
    expect(usersInGroup.Resources.map((u: any) => u.id)).toEqual([a]);
  });

  it("adds and removes only the listed members, and treats Add of externalId as replace", async () => {
    const tenant = await createTenant({ provider: "entra" });
    const [a, b, c] = await users(tenant, 3);
    const group = await createGroup(tenant, "Ops", [a, b, c]);
    const removed = await patchGroup(tenant, group.id, {
      op: "Remove",
      path: "members",
      value: [{ $ref: null, value: b }],
    });
    expect(removed.status).toBe(204);
    expect(memberIds(await read(tenant, group.id))).toEqual([a, c].sort());
    await patchGroup(tenant, group.id, { op: "Add", path: "members", value: [{ $ref: null, value: b }] });
    expect(memberIds(await read(tenant, group.id))).toEqual([a, b, c].sort());
    await patchGroup(tenant, group.id, { op: "Add", path: "externalId", value: "x1" });
    await patchGroup(tenant, group.id, { op: "Add", path: "externalId", value: "x2" });
    expect((await read(tenant, group.id)).externalId).toBe("x2");
  });

  it("refuses a duplicate displayName, in any case, with 409 uniqueness", async () => {
    const tenant = await createTenant({ provider: "entra" });
    await createGroup(tenant, "Design");
    const duplicate = await scim(tenant, "/Groups", {
      method: "POST",
      json: { schemas: [GROUP], displayName: "DESIGN" },
    });
    expect(duplicate.status).toBe(409);
    expect(await duplicate.json()).toMatchObject({ scimType: "uniqueness" });
    const other = await createGroup(tenant, "Other");
    const rename = await patchGroup(tenant, other.id, { op: "replace", path: "displayName", value: "design" });
    expect(rename.status).toBe(409);
    expect((await read(tenant, other.id)).displayName).toBe("Other");
  });
});

describe("membership rules", () => {
  async function manualMember(tenant: Tenant, email: string) {
    const id = crypto.randomUUID();
    await shardOf(tenant.orgId)
      .prepare(
        `INSERT INTO members (id, org_id, user_name, user_name_lower, email, email_lower, active, source, provisioned, document, created_at, updated_at)
       VALUES (?, ?, ?, ?, ?, ?, 1, 'manual', 0, '{}', '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z')`,
      )
      .bind(id, tenant.orgId, email, email, email, email)
      .run();
    return id;
  }

  it("refuses a manual member in a provisioned group, naming it, and applies nothing", async () => {
    const tenant = await createTenant();
    const [a] = await users(tenant, 1);
    const manual = await manualMember(tenant, "manual@acme.test");
    const group = await createGroup(tenant, "Provisioned", [a]);
    const response = await patchGroup(
      tenant,
      group.id,
      { op: "replace", value: { displayName: "Renamed" } },
      { op: "add", path: "members", value: [{ value: manual }] },
    );
    expect(response.status).toBe(400);
    const error = (await response.json()) as any;
    expect(error).toMatchObject({ status: "400", scimType: "invalidValue" });
    expect(error.detail).toContain(manual);
    expect(error.detail).toContain("manual@acme.test");
    const after = await read(tenant, group.id);
    expect(after.displayName).toBe("Provisioned");
    expect(memberIds(after)).toEqual([a]);
    const create = await scim(tenant, "/Groups", {
      method: "POST",
      json: { schemas: [GROUP], displayName: "New", members: [{ value: manual }] },
    });
    expect(create.status).toBe(400);
  });

  it("refuses member ids that are not in the organization, naming them", async () => {
    const tenant = await createTenant();
    const other = await createTenant();
    const [foreign] = await users(other, 1, "f");
    const [a] = await users(tenant, 1);
    const group = await createGroup(tenant, "Strict");
    const missing = crypto.randomUUID();
    const response = await patchGroup(tenant, group.id, {
      op: "add",
      path: "members",
      value: [{ value: a }, { value: missing }, { value: foreign }],
    });
    expect(response.status).toBe(400);
    const error = (await response.json()) as any;
    expect(error.scimType).toBe("invalidValue");
    expect(error.detail).toContain(missing);
    expect(error.detail).toContain(foreign);
    expect(memberIds(await read(tenant, group.id))).toEqual([]);
  });

  it("lets a provisioned member be in a manual team, but SCIM sees neither the manual team nor its name", async () => {
    const tenant = await createTenant();
    const [a] = await users(tenant, 1);
    const teamId = crypto.randomUUID();
    await shardOf(tenant.orgId).batch([
      shardOf(tenant.orgId)
        .prepare(
          `INSERT INTO teams (id, org_id, display_name, display_name_lower, source, provisioned, created_at, updated_at)
         VALUES (?, ?, 'Handmade', 'handmade', 'manual', 0, '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z')`,
        )
        .bind(teamId, tenant.orgId),
      shardOf(tenant.orgId)
        .prepare("INSERT INTO team_members (team_id, member_id, org_id) VALUES (?, ?, ?)")
        .bind(teamId, a, tenant.orgId),
    ]);
    expect((await scim(tenant, `/Groups/${teamId}`)).status).toBe(404);
    expect(((await (await scim(tenant, "/Groups")).json()) as any).totalResults).toBe(0);
    expect(((await (await scim(tenant, `/Users/${a}`)).json()) as any).groups).toBeUndefined();
    const clash = await scim(tenant, "/Groups", {
      method: "POST",
      json: { schemas: [GROUP], displayName: "handmade" },
    });
    expect(clash.status).toBe(409);
    expect(((await clash.json()) as any).detail).toMatch(/manually/);
  });

  it("deleting a user removes its memberships", async () => {
    const tenant = await createTenant();
    const [a, b] = await users(tenant, 2);
    const group = await createGroup(tenant, "Shrinking", [a, b]);
    await scim(tenant, `/Users/${a}`, { method: "DELETE" });
    expect(memberIds(await read(tenant, group.id))).toEqual([b]);
  });

  it("loses no membership change when PATCHes race", async () => {
    const tenant = await createTenant();
    const ids = await users(tenant, 8);
    const group = await createGroup(tenant, "Racy", ids.slice(0, 4));
    const responses = await Promise.all([
      ...ids.slice(4).map((id) => patchGroup(tenant, group.id, { op: "add", path: "members", value: [{ value: id }] })),
      ...ids.slice(0, 2).map((id) => patchGroup(tenant, group.id, { op: "remove", path: `members[value eq "${id}"]` })),
    ]);
    expect(responses.map((r) => r.status)).toEqual(responses.map(() => 204));
    expect(memberIds(await read(tenant, group.id))).toEqual(ids.slice(2).sort());
  });
});

describe("Groups protocol", () => {
  it("replaces a group with PUT and validates bodies", async () => {
    const tenant = await createTenant();
    const [a, b] = await users(tenant, 2);
    const group = await createGroup(tenant, "Put", [a]);
    const put = await scim(tenant, `/Groups/${group.id}`, {
      method: "PUT",
      json: { schemas: [GROUP], id: group.id, displayName: "Put 2", members: [{ value: b }] },
    });
    expect(put.status).toBe(200);
    const body = (await put.json()) as any;
    expect(body.displayName).toBe("Put 2");
    expect(memberIds(body)).toEqual([b]);
    expect(body.meta.version).not.toBe(group.meta.version);
    expect(put.headers.get("ETag")).toBe(body.meta.version);

    const noName = await scim(tenant, "/Groups", { method: "POST", json: { schemas: [GROUP] } });
    expect(noName.status).toBe(400);
    expect(await noName.json()).toMatchObject({ scimType: "invalidValue" });
    const badMembers = await patchGroup(tenant, group.id, {
      op: "add",
      path: "members",
      value: [{ display: "no value" }],
    });
    expect(badMembers.status).toBe(400);
    const badFilter = await patchGroup(tenant, group.id, { op: "remove", path: 'members[display eq "x"]' });
    expect(badFilter.status).toBe(400);
    expect(await badFilter.json()).toMatchObject({ scimType: "invalidPath" });
    expect((await scim(tenant, "/Groups", { method: "DELETE" })).status).toBe(405);
  });

  it("reads a group back with the attributes PATCH and PUT see, an empty externalId included", async () => {
    const tenant = await createTenant();
    const created = await scim(tenant, "/Groups", {
      method: "POST",
      json: { schemas: [GROUP], displayName: "Empty", externalId: "" },
    });
    expect(created.status).toBe(201);
    const group = (await created.json()) as any;
    expect(group.externalId).toBe("");
    expect((await read(tenant, group.id)).externalId).toBe("");
    // A membership PATCH leaves it as it is: nothing written, the version unchanged.
    expect((await patchGroup(tenant, group.id, { op: "replace", path: "members", value: [] })).status).toBe(204);
    expect(await read(tenant, group.id)).toMatchObject({ externalId: "", meta: { version: group.meta.version } });
  });

  it("is described by discovery", async () => {
    const tenant = await createTenant();
    const types = (await (await scim(tenant, "/ResourceTypes")).json()) as any;
    expect(types.Resources.find((t: any) => t.id === "Group")).toMatchObject({ endpoint: "/Groups", schema: GROUP });
    const schema = (await (await scim(tenant, `/Schemas/${GROUP}`)).json()) as any;
    expect(schema.attributes.map((a: any) => a.name)).toEqual(["displayName", "members"]);
  });
});
