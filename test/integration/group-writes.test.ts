import { describe, expect, it } from "vitest";
import {
  activity,
  createGroup,
  createTenant,
  GROUP_SCHEMA as GROUP,
  patchOp,
  scim,
  shardOf,
  type Tenant,
  createUsers as users,
} from "../helpers";

/** Provisioned members inserted straight into D1, as many as a test needs, in a few statements. */
async function bulkMembers(tenant: Tenant, count: number): Promise<string[]> {
  const ids = Array.from({ length: count }, () => crypto.randomUUID());
  const statements = [];
  for (let start = 0; start < count; start += 8) {
    const chunk = ids.slice(start, start + 8);
    statements.push(
      shardOf(tenant.orgId)
        .prepare(
          `INSERT INTO members (id, org_id, user_name, user_name_lower, email, email_lower, active, source, provisioned, document, created_at, updated_at) VALUES ${chunk
            .map(() => "(?, ?, ?, ?, ?, ?, 0, 'okta', 1, '{}', '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z')")
            .join(", ")}`,
        )
        .bind(
          ...chunk.flatMap((id) => {
            const name = `bulk-${id}@acme.test`;
            return [id, tenant.orgId, name, name, name, name];
          }),
        ),
    );
  }
  for (let start = 0; start < statements.length; start += 500)
    await shardOf(tenant.orgId).batch(statements.slice(start, start + 500));
  return ids;
}

const read = async (tenant: Tenant, id: string, query = "") =>
  (await (await scim(tenant, `/Groups/${id}${query}`)).json()) as any;
const readUser = async (tenant: Tenant, id: string) => (await (await scim(tenant, `/Users/${id}`)).json()) as any;
const memberIds = (group: any) => (group.members ?? []).map((m: any) => m.value).sort();
const patchGroup = (
  tenant: Tenant,
  id: string,
  operations: unknown[],
  init: { query?: string; ifMatch?: string } = {},
) =>
  scim(tenant, `/Groups/${id}${init.query ?? ""}`, {
    method: "PATCH",
    json: patchOp(...operations),
    headers: init.ifMatch ? { "If-Match": init.ifMatch } : {},
  });
const add = (...ids: string[]) => ({ op: "add", path: "members", value: ids.map((value) => ({ value })) });
const replaceAll = (...ids: string[]) => ({ op: "replace", path: "members", value: ids.map((value) => ({ value })) });
const removeOne = (id: string) => ({ op: "remove", path: `members[value eq "${id}"]` });
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("group PATCH answers", () => {
  it("answers 204 with the new ETag and no body, as Okta and Entra expect", async () => {
    const tenant = await createTenant();
    const [a, b] = await users(tenant, 2);
    const group = await createGroup(tenant, "Sales", [a]);
    const response = await patchGroup(tenant, group.id, [
      { op: "replace", value: { id: group.id, displayName: "Sales" } },
      add(b),
    ]);
    expect(response.status).toBe(204);
    expect(await response.text()).toBe("");
    const after = await read(tenant, group.id);
    expect(memberIds(after)).toEqual([a, b].sort());
    expect(response.headers.get("ETag")).toBe(after.meta.version);
    expect(after.meta.version).not.toBe(group.meta.version);
  });

  it("answers 200 with the group projected when the PATCH asks for attributes", async () => {
    const tenant = await createTenant({ provider: "entra" });
    const [a, b] = await users(tenant, 2);
    const group = await createGroup(tenant, "Ops", [a]);

    const excluded = await patchGroup(tenant, group.id, [add(b)], { query: "?excludedAttributes=members" });
    expect(excluded.status).toBe(200);
    const body = (await excluded.json()) as any;
    expect(body).toMatchObject({ id: group.id, displayName: "Ops", schemas: [GROUP] });
    expect(body).not.toHaveProperty("members");
    expect(excluded.headers.get("ETag")).toBe(body.meta.version);

    const named = await patchGroup(tenant, group.id, [removeOne(a)], { query: "?attributes=displayName" });
    expect(named.status).toBe(200);
    expect(await named.json()).toEqual({ schemas: [GROUP], id: group.id, displayName: "Ops" });

    const withMembers = await patchGroup(
      tenant,
      group.id,
      [{ op: "replace", path: "displayName", value: "Operations" }],
      { query: "?attributes=members.value,displayName" },
    );
    expect(withMembers.status).toBe(200);
    expect(await withMembers.json()).toEqual({
      schemas: [GROUP],
      id: group.id,
      displayName: "Operations",
      members: [{ value: b }],
    });
  });
});

describe("concurrent group writes", () => {
  it("keeps a rename made while membership PATCHes run", async () => {
    const tenant = await createTenant();
    const ids = await users(tenant, 6);
    const group = await createGroup(tenant, "Before");
    const responses = await Promise.all([
      ...ids.map((id) => patchGroup(tenant, group.id, [add(id)])),
      patchGroup(tenant, group.id, [{ op: "replace", path: "displayName", value: "After" }]),
    ]);
    expect(responses.every((r) => r.ok)).toBe(true);
    const after = await read(tenant, group.id);
    expect(after.displayName).toBe("After");
    expect(memberIds(after)).toEqual([...ids].sort());
    const renames = (await activity(tenant.orgId)).filter((e) => e.action === "team.updated");
    expect(renames.map((e) => JSON.parse(e.changes!))).toEqual([{ displayName: { from: "Before", to: "After" } }]);
  });

  it("lets only one of two PATCHes naming the same If-Match succeed", async () => {
    const tenant = await createTenant();
    const ids = await users(tenant, 4);
    const group = await createGroup(tenant, "Guarded");
    const responses = await Promise.all(
      ids.map((id) => patchGroup(tenant, group.id, [add(id)], { ifMatch: group.meta.version })),
    );
    expect(responses.filter((r) => r.ok)).toHaveLength(1);
    expect(responses.filter((r) => r.status === 412)).toHaveLength(3);
    const winner = ids[responses.findIndex((r) => r.ok)];
    expect(memberIds(await read(tenant, group.id))).toEqual([winner]);
    const error = (await responses.find((r) => r.status === 412)!.json()) as any;
    expect(error).toMatchObject({ status: "412" });
  });

  it("deletes with If-Match only at that version, even when a write lands between the check and the delete", async () => {
    for (let round = 0; round < 6; round++) {
      const tenant = await createTenant();
      const [a, b] = await users(tenant, 2);
      const group = await createGroup(tenant, "Doomed", [a, b]);
      const [patched, deleted] = await Promise.all([
        patchGroup(tenant, group.id, [removeOne(a)]),
        scim(tenant, `/Groups/${group.id}`, { method: "DELETE", headers: { "If-Match": group.meta.version } }),
      ]);
      // Either the delete came first (the PATCH finds no group) or the PATCH did (the delete is stale).
      const outcome = [patched.ok ? "ok" : patched.status, deleted.ok ? "ok" : deleted.status];
      expect([
        [404, "ok"],
        ["ok", 412],
      ]).toContainEqual(outcome);
      expect((await scim(tenant, `/Groups/${group.id}`)).status).toBe(deleted.status === 204 ? 404 : 200);
    }
  });

  it("makes concurrent full pushes exact: the group ends as one of the lists, never a mix", async () => {
    const tenant = await createTenant();
    const ids = await users(tenant, 6);
    for (let round = 0; round < 4; round++) {
      const group = await createGroup(tenant, `Pushed ${round}`, ids.slice(0, 2));
      const lists = [ids.slice(0, 3), ids.slice(3, 6)];
      const responses = await Promise.all(lists.map((list) => patchGroup(tenant, group.id, [replaceAll(...list)])));
      expect(responses.every((r) => r.ok)).toBe(true);
      const final = memberIds(await read(tenant, group.id));
      expect(lists.map((list) => [...list].sort())).toContainEqual(final);
    }
  });

  it("answers 404 for a PATCH whose group is deleted while it runs", async () => {
    for (let round = 0; round < 6; round++) {
      const tenant = await createTenant();
      const [a, b] = await users(tenant, 2);
      const group = await createGroup(tenant, "Vanishing", [a]);
      const [withAdditions, withoutAdditions, deleted] = await Promise.all([
        patchGroup(tenant, group.id, [add(b)]),
        patchGroup(tenant, group.id, [removeOne(a)]),
        scim(tenant, `/Groups/${group.id}`, { method: "DELETE" }),
      ]);
      expect(deleted.status).toBe(204);
      for (const response of [withAdditions, withoutAdditions]) {
        expect([200, 204, 404]).toContain(response.status);
        if (response.status === 404) expect(await response.json()).toMatchObject({ status: "404" });
      }
    }
  });
});

describe("group membership and versions", () => {
  it("bumps a team's version and lastModified when one of its members is deleted", async () => {
    const tenant = await createTenant();
    const [a, b] = await users(tenant, 2);
    const group = await createGroup(tenant, "Shrinks", [a, b]);
    await pause(5);
    expect((await scim(tenant, `/Users/${a}`, { method: "DELETE" })).status).toBe(204);
    const after = await read(tenant, group.id);
    expect(memberIds(after)).toEqual([b]);
    expect(after.meta.version).not.toBe(group.meta.version);
    expect(after.meta.lastModified > group.meta.lastModified).toBe(true);
  });

  it("bumps a user's version and lastModified when it joins or leaves a team (its groups change)", async () => {
    const tenant = await createTenant();
    const [a] = await users(tenant, 1);
    const before = await readUser(tenant, a);
    const group = await createGroup(tenant, "Joined");
    await pause(5);
    expect((await patchGroup(tenant, group.id, [add(a)])).ok).toBe(true);
    const joined = await readUser(tenant, a);
    expect(joined.groups.map((g: any) => g.value)).toEqual([group.id]);
    expect(joined.meta.version).not.toBe(before.meta.version);
    expect(joined.meta.lastModified > before.meta.lastModified).toBe(true);
    // A client holding the old ETag of the user is told it is stale.
    const stale = await scim(tenant, `/Users/${a}`, {
      method: "PATCH",
      json: patchOp({ op: "replace", value: { active: false } }),
      headers: { "If-Match": before.meta.version },
    });
    expect(stale.status).toBe(412);

    await pause(5);
    expect((await patchGroup(tenant, group.id, [removeOne(a)])).ok).toBe(true);
    const left = await readUser(tenant, a);
    expect(left.groups).toBeUndefined();
    expect(left.meta.version).not.toBe(joined.meta.version);
    expect(left.meta.lastModified > joined.meta.lastModified).toBe(true);
  });

  it("writes nothing for a PUT or PATCH that changes nothing: same version, no activity", async () => {
    const tenant = await createTenant();
    const [a, b] = await users(tenant, 2);
    const group = await createGroup(tenant, "Steady", [a, b]);
    const teamActions = async () =>
      (await activity(tenant.orgId)).filter((e) => e.target_type === "team").map((e) => e.action);
    await expect.poll(teamActions, { timeout: 4_000 }).toEqual(["team.created", "team.members_added"]);
    const put = await scim(tenant, `/Groups/${group.id}`, {
      method: "PUT",
      json: { schemas: [GROUP], id: group.id, displayName: "Steady", members: [{ value: b }, { value: a }] },
    });
    expect(put.status).toBe(200);
    expect(put.headers.get("ETag")).toBe(group.meta.version);
    const patch = await patchGroup(tenant, group.id, [
      { op: "replace", value: { id: group.id, displayName: "Steady" } },
      add(a),
      removeOne(crypto.randomUUID()),
    ]);
    expect(patch.ok).toBe(true);
    expect(patch.headers.get("ETag")).toBe(group.meta.version);
    const after = await read(tenant, group.id);
    expect(after.meta).toEqual(group.meta);
    expect(await teamActions()).toEqual(["team.created", "team.members_added"]);
  });

  it("applies a remove whose path is fully qualified with the Group schema URN", async () => {
    const tenant = await createTenant();
    const [a, b] = await users(tenant, 2);
    const group = await createGroup(tenant, "Qualified", [a, b]);
    const response = await patchGroup(tenant, group.id, [{ op: "remove", path: `${GROUP}:members[value eq "${a}"]` }]);
    expect(response.ok).toBe(true);
    expect(memberIds(await read(tenant, group.id))).toEqual([b]);
    await patchGroup(tenant, group.id, [{ op: "add", path: `${GROUP}:members`, value: [{ value: a }] }]);
    expect(memberIds(await read(tenant, group.id))).toEqual([a, b].sort());
  });
});

describe("large groups", () => {
  it("creates and replaces groups of more than 100 members", async () => {
    const tenant = await createTenant({ licenses: 1_000 });
    const ids = await bulkMembers(tenant, 250);
    const group = await createGroup(tenant, "Big", ids.slice(0, 150));
    expect(memberIds(await read(tenant, group.id))).toEqual(ids.slice(0, 150).sort());
    const put = await scim(tenant, `/Groups/${group.id}`, {
      method: "PUT",
      json: { schemas: [GROUP], displayName: "Big", members: ids.slice(100).map((value) => ({ value })) },
    });
    expect(put.status).toBe(200);
    expect(memberIds(await put.json())).toEqual(ids.slice(100).sort());
  });

  it("refuses a request naming more than 10,000 members with 413 stating the limit, and changes nothing", async () => {
    const tenant = await createTenant();
    const [a] = await users(tenant, 1);
    const group = await createGroup(tenant, "Capped", [a]);
    const tooMany = Array.from({ length: 10_001 }, () => crypto.randomUUID());
    const patch = await patchGroup(tenant, group.id, [add(...tooMany.slice(0, 6_000)), add(...tooMany.slice(6_000))]);
    expect(patch.status).toBe(413);
    expect(((await patch.json()) as any).detail).toContain("10000");
    const post = await scim(tenant, "/Groups", {
      method: "POST",
      json: { schemas: [GROUP], displayName: "Too big", members: tooMany.map((value) => ({ value })) },
    });
    expect(post.status).toBe(413);
    expect(((await post.json()) as any).detail).toContain("10000");
    expect(memberIds(await read(tenant, group.id))).toEqual([a]);
    const schema = (await (await scim(tenant, `/Schemas/${GROUP}`)).json()) as any;
    expect(schema.attributes.find((x: any) => x.name === "members").description).toContain("10000");
  });

  it("reads a group of more than one page of members (5,000): every member once, projected as asked", async () => {
    const tenant = await createTenant({ licenses: 7_000 });
    const ids = await bulkMembers(tenant, 6_500);
    const group = await createGroup(tenant, "Everyone");
    for (let start = 0; start < ids.length; start += 3_250) {
      expect((await patchGroup(tenant, group.id, [add(...ids.slice(start, start + 3_250))])).ok).toBe(true);
    }
    const response = await scim(tenant, `/Groups/${group.id}`);
    expect(response.status).toBe(200);
    expect(response.headers.get("Content-Type")).toBe("application/scim+json; charset=utf-8");
    const body = (await response.json()) as any;
    expect(body.members).toHaveLength(6_500);
    expect(memberIds(body)).toEqual([...ids].sort());
    expect(body.members[0]).toEqual({
      value: expect.any(String),
      display: `bulk-${body.members[0].value}@acme.test`,
      $ref: expect.stringContaining(`/Users/${body.members[0].value}`),
    });
    expect(body.meta.version).toBe(response.headers.get("ETag"));
    const values = (await read(tenant, group.id, "?attributes=members.value")) as any;
    expect(Object.keys(values)).toEqual(["schemas", "id", "members"]);
    expect(values.members[6_499]).toEqual({ value: expect.any(String) });
  }, 30_000);

  it("lists a group of more than a page of members (5,000) streamed beside small ones, each member once", async () => {
    const tenant = await createTenant({ licenses: 7_000 });
    const ids = await bulkMembers(tenant, 6_500);
    const everyone = await createGroup(tenant, "Everyone");
    const small = await createGroup(tenant, "Small");
    for (let start = 0; start < ids.length; start += 3_250) {
      expect((await patchGroup(tenant, everyone.id, [add(...ids.slice(start, start + 3_250))])).ok).toBe(true);
    }
    expect((await patchGroup(tenant, small.id, [add(...ids.slice(0, 3))])).ok).toBe(true);
    // Okta's group import page. More member rows than one page: the large team streams its members
    // (whichever side of the cut the small one falls, the answer must be whole and exact).
    const response = await scim(tenant, "/Groups?startIndex=1&count=100");
    expect(response.status).toBe(200);
    expect(response.headers.get("Content-Type")).toBe("application/scim+json; charset=utf-8");
    const body = (await response.json()) as any;
    expect(body).toMatchObject({ totalResults: 2, startIndex: 1, itemsPerPage: 2 });
    const byName = Object.fromEntries(body.Resources.map((group: any) => [group.displayName, group]));
    expect(memberIds(byName.Everyone)).toEqual([...ids].sort());
    expect(memberIds(byName.Small)).toEqual(ids.slice(0, 3).sort());
    expect(byName.Everyone.meta.location).toContain(`/Groups/${everyone.id}`);
    const bare = await scim(tenant, "/Groups?excludedAttributes=members");
    expect(((await bare.json()) as any).Resources.every((group: any) => !("members" in group))).toBe(true);
  }, 30_000);

  it("logs a full push that empties a 12,000-member group in entries of at most 5,000 members", async () => {
    const tenant = await createTenant({ licenses: 13_000 });
    const ids = await bulkMembers(tenant, 12_000);
    const group = await createGroup(tenant, "Emptied");
    for (let start = 0; start < ids.length; start += 6_000) {
      expect((await patchGroup(tenant, group.id, [add(...ids.slice(start, start + 6_000))])).ok).toBe(true);
    }
    expect((await patchGroup(tenant, group.id, [replaceAll()])).status).toBe(204);
    expect(memberIds(await read(tenant, group.id))).toEqual([]);
    const removed = async () =>
      (await activity(tenant.orgId))
        .filter((e) => e.action === "team.members_removed")
        .map((e) => JSON.parse(e.changes!).members.map((m: { id: string }) => m.id) as string[]);
    await expect.poll(async () => (await removed()).flat().length, { timeout: 20_000 }).toBe(12_000);
    const entries = await removed();
    expect(entries.map((list) => list.length)).toEqual([5_000, 5_000, 2_000]);
    expect(entries.flat().sort()).toEqual([...ids].sort());
  }, 60_000);
});
