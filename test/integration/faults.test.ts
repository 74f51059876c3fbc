import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import {
  activity,
  admin,
  allShards,
  createTenant,
  createUser,
  patchOp,
  SCIM_JSON,
  scim,
  shardOf,
  type Tenant,
  tenantRows,
  user,
} from "../helpers";

/**
 * Faults injected into the real D1, between the statements of one multi-statement write: a
 * temporary trigger makes one statement in the middle of the write's batch fail, after earlier
 * statements of the same batch have run. Nothing of the write may remain.
 */
const GROUP = "urn:ietf:params:scim:schemas:core:2.0:Group";

/** A trigger failing the statements it matches, with D1's own error path; dropped after each test. */
async function injectFault(name: string, event: string, when: string) {
  for (const shard of allShards()) {
    await shard.exec(
      `CREATE TRIGGER ${name} ${event} FOR EACH ROW WHEN ${when} BEGIN SELECT RAISE(ABORT, 'injected fault'); END`,
    );
  }
  injected.push(name);
}
const injected: string[] = [];
afterEach(async () => {
  for (const name of injected.splice(0)) {
    for (const shard of allShards()) await shard.exec(`DROP TRIGGER IF EXISTS ${name}`);
  }
  vi.restoreAllMocks();
});

const quote = (text: string) => `'${text.replaceAll("'", "''")}'`;
/** The activity entry the write stages in its own batch: the batch's last statements. */
const failOutboxOf = (tenant: { orgId: string }) =>
  injectFault(
    "fail_outbox",
    "BEFORE INSERT ON activity_outbox",
    `json_extract(NEW.entry, '$.orgId') = ${quote(tenant.orgId)}`,
  );

async function expectServerError(response: Response, api: "scim" | "admin") {
  expect(response.status).toBeGreaterThanOrEqual(500);
  if (api === "scim") {
    expect(response.headers.get("Content-Type")).toBe(SCIM_JSON);
    expect(await response.json()).toMatchObject({ status: String(response.status) });
  } else {
    expect(await response.json()).toEqual({ error: { code: expect.any(String), message: expect.any(String) } });
  }
}

/** Runs a write with a fault injected; afterwards the tenant's rows are exactly as before, and without the fault the write succeeds. */
async function expectNoPartialWrite(
  tenant: Tenant,
  inject: () => Promise<void>,
  write: () => Promise<Response>,
  api: "scim" | "admin" = "scim",
) {
  await activity(tenant.orgId);
  const before = await tenantRows(tenant.orgId);
  vi.spyOn(console, "error").mockImplementation(() => {});
  await inject();
  await expectServerError(await write(), api);
  expect(await tenantRows(tenant.orgId)).toEqual(before);
  for (const name of injected.splice(0)) {
    for (const shard of allShards()) await shard.exec(`DROP TRIGGER ${name}`);
  }
  const retried = await write();
  expect(retried.status).toBeLessThan(300);
  return retried;
}

describe("a D1 failure in the middle of a write leaves nothing of it", () => {
  it("creating a user: the member, its email rows and the licence are rolled back when its activity entry fails", async () => {
    const tenant = await createTenant();
    await expectNoPartialWrite(
      tenant,
      () => failOutboxOf(tenant),
      () => scim(tenant, "/Users", { method: "POST", json: user("rolled@acme.test") }),
    );
  });

  it("a user PATCH: the document and its emails stay when rewriting the email rows fails", async () => {
    const tenant = await createTenant();
    const created = await createUser(tenant, "patch@acme.test", { title: "Before" });
    await expectNoPartialWrite(
      tenant,
      () => injectFault("fail_emails", "BEFORE INSERT ON member_emails", "NEW.value_lower = 'second@acme.test'"),
      () =>
        scim(tenant, `/Users/${created.id}`, {
          method: "PATCH",
          json: patchOp(
            { op: "replace", path: "title", value: "After" },
            { op: "add", path: "emails", value: [{ value: "second@acme.test", type: "home" }] },
            { op: "replace", path: "active", value: false },
          ),
        }),
    );
  });

  it("deleting a user: the member and its memberships stay when the entry fails", async () => {
    const tenant = await createTenant();
    const created = await createUser(tenant, "delete@acme.test");
    await scim(tenant, "/Groups", {
      method: "POST",
      json: { schemas: [GROUP], displayName: "Keeps", members: [{ value: created.id }] },
    });
    await expectNoPartialWrite(
      tenant,
      () => failOutboxOf(tenant),
      () => scim(tenant, `/Users/${created.id}`, { method: "DELETE" }),
    );
  });

  it("creating a group with members: no team and no membership when the third member's row fails", async () => {
    const tenant = await createTenant();
    const users = await Promise.all([1, 2, 3].map((i) => createUser(tenant, `g${i}@acme.test`)));
    await expectNoPartialWrite(
      tenant,
      () => injectFault("fail_member_row", "BEFORE INSERT ON team_members", `NEW.member_id = ${quote(users[2].id)}`),
      () =>
        scim(tenant, "/Groups", {
          method: "POST",
          json: { schemas: [GROUP], displayName: "Trio", members: users.map((u) => ({ value: u.id })) },
        }),
    );
  });

  it("a group PATCH renaming, adding and removing: all or nothing", async () => {
    const tenant = await createTenant();
    const users = await Promise.all([1, 2, 3, 4].map((i) => createUser(tenant, `p${i}@acme.test`)));
    const group = (await (
      await scim(tenant, "/Groups", {
        method: "POST",
        json: { schemas: [GROUP], displayName: "Before", members: [{ value: users[0].id }, { value: users[1].id }] },
      })
    ).json()) as { id: string };
    await expectNoPartialWrite(
      tenant,
      () => injectFault("fail_member_row", "BEFORE INSERT ON team_members", `NEW.member_id = ${quote(users[3].id)}`),
      () =>
        scim(tenant, `/Groups/${group.id}`, {
          method: "PATCH",
          json: patchOp(
            { op: "replace", path: "displayName", value: "After" },
            { op: "remove", path: `members[value eq "${users[0].id}"]` },
            { op: "add", path: "members", value: [{ value: users[2].id }, { value: users[3].id }] },
          ),
        }),
    );
  });

  it("a full push (PUT) of a group's members: all or nothing", async () => {
    const tenant = await createTenant();
    const users = await Promise.all([1, 2, 3].map((i) => createUser(tenant, `f${i}@acme.test`)));
    const group = (await (
      await scim(tenant, "/Groups", {
        method: "POST",
        json: { schemas: [GROUP], displayName: "Push", members: [{ value: users[0].id }] },
      })
    ).json()) as { id: string };
    await expectNoPartialWrite(
      tenant,
      () => failOutboxOf(tenant),
      () =>
        scim(tenant, `/Groups/${group.id}`, {
          method: "PUT",
          json: { schemas: [GROUP], displayName: "Pushed", members: [{ value: users[1].id }, { value: users[2].id }] },
        }),
    );
  });

  it("rotating the token: the old token stays the valid one when the write fails; the retry's token works", async () => {
    const tenant = await createTenant();
    const retried = await expectNoPartialWrite(
      tenant,
      () => failOutboxOf(tenant),
      () => admin(`/organizations/${tenant.orgId}/scim/token`, { method: "POST" }),
      "admin",
    );
    const { token } = (await retried.json()) as { token: string };
    expect((await scim(tenant, "/Users", { token })).status).toBe(200);
  });

  it("an admin edit of the organization and a manual member invite: all or nothing", async () => {
    const tenant = await createTenant();
    await expectNoPartialWrite(
      tenant,
      () => failOutboxOf(tenant),
      () => admin(`/organizations/${tenant.orgId}`, { method: "PATCH", json: { name: "Renamed", licenses: 7 } }),
      "admin",
    );
    await expectNoPartialWrite(
      tenant,
      () => failOutboxOf(tenant),
      () => admin(`/organizations/${tenant.orgId}/members`, { method: "POST", json: { email: "invited@acme.test" } }),
      "admin",
    );
  });
});

describe("every accepted change reaches the activity log", () => {
  it("with the queue refusing every send, after the direct delivery", async () => {
    const tenant = await createTenant();
    await activity(tenant.orgId);
    vi.spyOn(console, "error").mockImplementation(() => {});
    vi.spyOn(env.ACTIVITY_QUEUE, "send").mockRejectedValue(new Error("queue unavailable"));
    vi.spyOn(env.ACTIVITY_QUEUE, "sendBatch").mockRejectedValue(new Error("queue unavailable"));
    const changes: [string, Promise<Response>][] = [];
    const u = await createUser(tenant, "logged@acme.test");
    const v = await createUser(tenant, "second@acme.test");
    const group = (await (
      await scim(tenant, "/Groups", { method: "POST", json: { schemas: [GROUP], displayName: "Logged" } })
    ).json()) as { id: string };
    changes.push(
      [
        "member.updated",
        scim(tenant, `/Users/${u.id}`, {
          method: "PATCH",
          json: patchOp({ op: "replace", path: "title", value: "T" }),
        }),
      ],
      [
        "team.members_added",
        scim(tenant, `/Groups/${group.id}`, {
          method: "PATCH",
          json: patchOp({ op: "add", path: "members", value: [{ value: u.id }] }),
        }),
      ],
      [
        "team.updated",
        scim(tenant, `/Groups/${group.id}`, {
          method: "PATCH",
          json: patchOp({ op: "replace", path: "displayName", value: "Renamed" }),
        }),
      ],
      [
        "member.deactivated",
        scim(tenant, `/Users/${v.id}`, { method: "PATCH", json: patchOp({ op: "replace", value: { active: false } }) }),
      ],
      ["organization.updated", admin(`/organizations/${tenant.orgId}`, { method: "PATCH", json: { licenses: 60 } })],
    );
    for (const [action, response] of changes) expect((await response).status, action).toBeLessThan(300);
    expect((await scim(tenant, `/Users/${v.id}`, { method: "DELETE" })).status).toBe(204);
    expect((await scim(tenant, `/Groups/${group.id}`, { method: "DELETE" })).status).toBe(204);
    const actions = (await activity(tenant.orgId)).map((e) => e.action);
    expect(actions).toEqual(
      expect.arrayContaining([
        "member.created",
        "team.created",
        ...changes.map(([action]) => action),
        "member.deleted",
        "team.deleted",
      ]),
    );
    const pending = await shardOf(tenant.orgId)
      .prepare("SELECT count(*) AS n FROM activity_outbox WHERE json_extract(entry, '$.orgId') = ?")
      .bind(tenant.orgId)
      .first<{ n: number }>();
    expect(pending!.n).toBe(0);
  });
});
