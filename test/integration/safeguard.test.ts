import { createExecutionContext, createScheduledController, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { CountedD1Database } from "../../src/db/counted-d1";
import { homeShard, shardBinding } from "../../src/db/shards";
import worker from "../../src/index";
import {
  activity,
  admin,
  createTenant,
  createUsers,
  ERROR_SCHEMA,
  ORIGIN,
  patchOp,
  SCIM_JSON,
  scim,
  shardOf,
  type Tenant,
  tenantRows,
  user,
} from "../helpers";

/** Okta's deactivation: a path-less replace of `active`. */
const deactivate = (tenant: Tenant, id: string) =>
  scim(tenant, `/Users/${id}`, {
    method: "PATCH",
    json: patchOp({ op: "replace", value: { active: false } }),
    headers: { "User-Agent": "Okta SCIM Client 1.0.0" },
  });

const safeguard = async (tenant: Tenant) =>
  (await (await admin(`/organizations/${tenant.orgId}/safeguard`)).json()) as Record<string, any>;

const tune = (tenant: Tenant, settings: Record<string, unknown>) =>
  admin(`/organizations/${tenant.orgId}/safeguard`, { method: "PATCH", json: settings });

const held = async (tenant: Tenant, query = "") =>
  (await (await admin(`/organizations/${tenant.orgId}/safeguard/held${query}`)).json()) as {
    held: Record<string, any>[];
    nextCursor: string | null;
  };

const licensesUsed = async (tenant: Tenant) =>
  ((await (await admin(`/organizations/${tenant.orgId}`)).json()) as { licensesUsed: number }).licensesUsed;

const activeOf = async (tenant: Tenant, id: string) =>
  ((await (await scim(tenant, `/Users/${id}`)).json()) as { active: boolean }).active;

/** Deactivates the members one after another; the statuses answered. */
async function deactivateEach(tenant: Tenant, ids: string[]) {
  const statuses = [];
  for (const id of ids) statuses.push((await deactivate(tenant, id)).status);
  return statuses;
}

/** A tenant with `members` active members and the safeguard tripped by deactivating `asked` of them; the ids. */
async function tripped(members: number, asked: number) {
  const tenant = await createTenant({ licenses: 1000 });
  const ids = await createUsers(tenant, members);
  await deactivateEach(tenant, ids.slice(0, asked));
  return { tenant, ids };
}

// Each test provisions 30 to 60 members one request at a time before it deactivates: minutes on a loaded 2-core machine.
describe("the deprovisioning safeguard", { timeout: 120_000 }, () => {
  it("is on by default: 20 % of the members active at the window's start, never fewer than 10, in 60 minutes", async () => {
    const tenant = await createTenant({ licenses: 1000 });
    expect(await safeguard(tenant)).toMatchObject({
      enabled: true,
      thresholdPercent: 20,
      minimumMembers: 10,
      windowMinutes: 60,
      state: "armed",
      trippedAt: null,
      heldCount: 0,
    });
    // 60 active members: 20 % is 12.
    const ids = await createUsers(tenant, 60);
    const statuses = await deactivateEach(tenant, ids.slice(0, 14));
    expect(statuses).toEqual([...Array(12).fill(200), 429, 429]);
    expect(await licensesUsed(tenant)).toBe(48);
    expect(await activeOf(tenant, ids[12])).toBe(true);
    expect(await safeguard(tenant)).toMatchObject({
      state: "tripped",
      heldCount: 2,
      window: { limit: 12, applied: 12 },
    });
    expect((await safeguard(tenant)).trippedAt).toMatch(/^\d{4}-\d\d-\d\dT/);
  });

  it("never allows fewer than the minimum: 10 of 30 members, though 20 % is 6", async () => {
    const { tenant, ids } = await tripped(30, 11);
    expect(await licensesUsed(tenant)).toBe(20);
    expect(await activeOf(tenant, ids[9])).toBe(false);
    expect(await activeOf(tenant, ids[10])).toBe(true);
    expect((await safeguard(tenant)).heldCount).toBe(1);
  });

  it("applies exactly the threshold when 30 deactivations arrive at once: the database decides", async () => {
    const tenant = await createTenant({ licenses: 1000 });
    const ids = await createUsers(tenant, 40);
    const responses = await Promise.all(ids.slice(0, 30).map((id) => deactivate(tenant, id)));
    const statuses = responses.map((response) => response.status).sort();
    expect(statuses.filter((status) => status === 200)).toHaveLength(10);
    expect(statuses.filter((status) => status === 429)).toHaveLength(20);
    expect(await licensesUsed(tenant)).toBe(30);
    const inactive = await shardOf(tenant.orgId)
      .prepare("SELECT count(*) AS n FROM members WHERE org_id = ? AND active = 0")
      .bind(tenant.orgId)
      .first<{ n: number }>();
    expect(inactive!.n).toBe(10);
    expect(await safeguard(tenant)).toMatchObject({ state: "tripped", heldCount: 20, window: { applied: 10 } });
  });

  it("tells the identity provider the truth: 429 with Retry-After, the safeguard, the counts, and who must act", async () => {
    const { tenant, ids } = await tripped(30, 10);
    const response = await deactivate(tenant, ids[10]);
    expect(response.status).toBe(429);
    expect(response.headers.get("Retry-After")).toBe("300");
    expect(response.headers.get("Content-Type")).toBe("application/scim+json; charset=utf-8");
    const body = (await response.json()) as Record<string, string>;
    expect(body.schemas).toEqual([ERROR_SCHEMA]);
    expect(body.status).toBe("429");
    expect(body.scimType).toBeUndefined();
    expect(body.detail).toContain("deprovisioning safeguard");
    expect(body.detail).toContain("Okta asked to deactivate or delete 11 members within 60 minutes");
    expect(body.detail).toContain("10 were applied and 1 are held");
    expect(body.detail).toContain("u10@acme.test");
    expect(body.detail).toContain("administrator of the organization must review them in the console");
  });

  it("holds a deactivation or deletion whichever way it comes: PUT active false, DELETE, and inside /Bulk", async () => {
    const { tenant, ids } = await tripped(30, 10);
    const put = await scim(tenant, `/Users/${ids[10]}`, {
      method: "PUT",
      json: user("u10@acme.test", { active: false }),
    });
    expect(put.status).toBe(429);
    const del = await scim(tenant, `/Users/${ids[11]}`, { method: "DELETE" });
    expect(del.status).toBe(429);
    const bulk = await scim(tenant, "/Bulk", {
      method: "POST",
      json: {
        schemas: ["urn:ietf:params:scim:api:messages:2.0:BulkRequest"],
        Operations: [
          {
            method: "PATCH",
            path: `/Users/${ids[12]}`,
            data: patchOp({ op: "Replace", path: "active", value: "False" }),
          },
          { method: "DELETE", path: `/Users/${ids[13]}` },
          // A profile update is never held.
          { method: "PATCH", path: `/Users/${ids[14]}`, data: patchOp({ op: "replace", path: "title", value: "CTO" }) },
        ],
      },
    });
    expect(bulk.status).toBe(200);
    const operations = ((await bulk.json()) as { Operations: { status: string }[] }).Operations;
    expect(operations.map((operation) => operation.status)).toEqual(["429", "429", "200"]);
    expect(bulk.headers.get("Retry-After")).toBe("300");
    for (const id of ids.slice(10, 14)) expect(await activeOf(tenant, id)).toBe(true);
    const { held: requests } = await held(tenant);
    expect(requests.map((request) => [request.userName, request.operation])).toEqual([
      ["u10@acme.test", "deactivate"],
      ["u11@acme.test", "delete"],
      ["u12@acme.test", "deactivate"],
      ["u13@acme.test", "delete"],
    ]);
    expect(requests[0]).toMatchObject({
      memberId: ids[10],
      email: "u10@acme.test",
      name: "Given Family",
      status: "held",
      client: "Okta",
    });
    expect(requests[0].requestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(requests[0].requestedAt).toMatch(/^\d{4}-/);
  });

  it("never holds creates, profile updates or reactivations, and a retry of a held request is held once", async () => {
    const { tenant, ids } = await tripped(30, 11);
    expect((await scim(tenant, "/Users", { method: "POST", json: user("new@acme.test") })).status).toBe(201);
    const update = await scim(tenant, `/Users/${ids[20]}`, {
      method: "PATCH",
      json: patchOp({ op: "replace", value: { "name.givenName": "Renamed" } }),
    });
    expect(update.status).toBe(200);
    const reactivate = await scim(tenant, `/Users/${ids[0]}`, {
      method: "PATCH",
      json: patchOp({ op: "replace", value: { active: true } }),
    });
    expect(reactivate.status).toBe(200);
    expect(await activeOf(tenant, ids[0])).toBe(true);
    // Okta retries the held request: still held, still one hold, one activity entry.
    expect((await deactivate(tenant, ids[10])).status).toBe(429);
    expect((await deactivate(tenant, ids[10])).status).toBe(429);
    expect((await safeguard(tenant)).heldCount).toBe(1);
    const entries = await activity(tenant.orgId);
    expect(entries.filter((entry) => entry.action === "member.deactivation_held")).toHaveLength(1);
    expect(entries.filter((entry) => entry.action === "safeguard.tripped")).toHaveLength(1);
  });

  it("release applies every held request as the identity provider's (licences, activity) and lets the window through", async () => {
    const { tenant, ids } = await tripped(30, 13);
    expect(await licensesUsed(tenant)).toBe(20);
    const response = await admin(`/organizations/${tenant.orgId}/safeguard/release`, { method: "POST" });
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({
      released: 3,
      applied: 3,
      pending: 0,
      safeguard: { state: "armed", heldCount: 0, window: { released: true } },
    });
    expect(await licensesUsed(tenant)).toBe(17);
    for (const id of ids.slice(10, 13)) expect(await activeOf(tenant, id)).toBe(false);
    // Okta's retry of a released request succeeds; further deactivations pass for the rest of the window.
    expect((await deactivate(tenant, ids[10])).status).toBe(200);
    expect(await deactivateEach(tenant, ids.slice(13, 20))).toEqual(Array(7).fill(200));
    const entries = await activity(tenant.orgId);
    const released = entries.find((entry) => entry.action === "safeguard.released")!;
    expect(released.actor).toBe("admin");
    expect(
      JSON.parse(released.changes!)
        .members.map((m: { userName: string }) => m.userName)
        .sort(),
    ).toEqual(["u10@acme.test", "u11@acme.test", "u12@acme.test"]);
    const deactivated = entries.filter((entry) => entry.action === "member.deactivated").map((e) => e.target_id);
    expect(deactivated).toEqual(expect.arrayContaining(ids.slice(10, 13)));
    expect(entries.filter((entry) => entry.target_id === ids[11]).map((entry) => [entry.action, entry.actor])).toEqual([
      ["member.created", "scim:okta"],
      ["member.deactivation_held", "scim:okta"],
      ["member.deactivated", "scim:okta"],
    ]);
  });

  it("release applies a held deletion, and with nothing held it is refused and changes nothing", async () => {
    const { tenant, ids } = await tripped(30, 10);
    expect((await scim(tenant, `/Users/${ids[10]}`, { method: "DELETE" })).status).toBe(429);
    await admin(`/organizations/${tenant.orgId}/safeguard/release`, { method: "POST" });
    expect((await scim(tenant, `/Users/${ids[10]}`)).status).toBe(404);
    const before = await tenantRows(tenant.orgId);
    const again = await admin(`/organizations/${tenant.orgId}/safeguard/release`, { method: "POST" });
    expect(again.status).toBe(409);
    expect(((await again.json()) as { error: { code: string } }).error.code).toBe("safeguard_not_tripped");
    expect(await tenantRows(tenant.orgId)).toEqual(before);
  });

  it("reject keeps the members active and refuses the identity provider's retries until an admin lets one through", async () => {
    const { tenant, ids } = await tripped(30, 12);
    const response = await admin(`/organizations/${tenant.orgId}/safeguard/reject`, { method: "POST" });
    expect(await response.json()).toMatchObject({ rejected: 2, safeguard: { state: "armed", heldCount: 0 } });
    expect(await activeOf(tenant, ids[10])).toBe(true);
    expect(await licensesUsed(tenant)).toBe(20);
    const retry = await deactivate(tenant, ids[10]);
    expect(retry.status).toBe(403);
    expect(((await retry.json()) as { detail: string }).detail).toContain("An administrator kept u10@acme.test active");
    expect((await held(tenant, "?status=rejected")).held.map((h) => h.memberId)).toEqual([ids[10], ids[11]]);
    const exempt = await admin(`/organizations/${tenant.orgId}/safeguard/held/${ids[10]}/exempt`, { method: "POST" });
    expect(exempt.status).toBe(200);
    expect((await deactivate(tenant, ids[10])).status).toBe(200);
    expect((await deactivate(tenant, ids[11])).status).toBe(403);
    const entries = await activity(tenant.orgId);
    expect(entries.find((entry) => entry.action === "safeguard.rejected")).toMatchObject({ actor: "admin" });
    expect(entries.find((entry) => entry.action === "member.safeguard_exempted")).toMatchObject({
      actor: "admin",
      target_id: ids[10],
    });
  });

  it("a reactivation of a held member removes its hold; the last one gone arms the safeguard again", async () => {
    const { tenant, ids } = await tripped(30, 12);
    const reactivate = (id: string) =>
      scim(tenant, `/Users/${id}`, { method: "PATCH", json: patchOp({ op: "replace", value: { active: true } }) });
    expect((await reactivate(ids[10])).status).toBe(200);
    expect(await safeguard(tenant)).toMatchObject({ state: "tripped", heldCount: 1 });
    expect((await reactivate(ids[11])).status).toBe(200);
    expect(await safeguard(tenant)).toMatchObject({ state: "armed", heldCount: 0 });
    const entries = await activity(tenant.orgId);
    expect(entries.filter((entry) => entry.action === "member.hold_cleared").map((e) => e.target_id)).toEqual([
      ids[10],
      ids[11],
    ]);
  });

  it("counts within a rolling window: once it has ended, a new one opens from the members active then", async () => {
    const tenant = await createTenant({ licenses: 1000 });
    const ids = await createUsers(tenant, 30);
    expect(await deactivateEach(tenant, ids.slice(0, 10))).toEqual(Array(10).fill(200));
    // The window opened 61 minutes ago.
    await shardOf(tenant.orgId)
      .prepare(
        "UPDATE safeguards SET window_started_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '-61 minutes') WHERE org_id = ?",
      )
      .bind(tenant.orgId)
      .run();
    expect(await deactivateEach(tenant, ids.slice(10, 21))).toEqual([...Array(10).fill(200), 429]);
    expect(await safeguard(tenant)).toMatchObject({ state: "tripped", window: { limit: 10, applied: 10 } });
    // A tripped safeguard holds on past its window's end: nothing trickles through unreviewed.
    await shardOf(tenant.orgId)
      .prepare(
        "UPDATE safeguards SET window_started_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '-61 minutes') WHERE org_id = ?",
      )
      .bind(tenant.orgId)
      .run();
    expect(await deactivateEach(tenant, [ids[20], ids[21]])).toEqual([429, 429]);
  });

  it("turned off, it applies every deactivation; tuned, it holds at the new threshold", async () => {
    const tenant = await createTenant({ licenses: 1000 });
    const ids = await createUsers(tenant, 30);
    const off = await tune(tenant, { enabled: false });
    expect(await off.json()).toMatchObject({ enabled: false, state: "armed" });
    expect(await deactivateEach(tenant, ids.slice(0, 15))).toEqual(Array(15).fill(200));
    expect(await licensesUsed(tenant)).toBe(15);
    await tune(tenant, { enabled: true, minimumMembers: 2, thresholdPercent: 10, windowMinutes: 30 });
    // Nothing was counted while it was off: a window opens now, from the 15 active members: max(2, 10 % of 15) = 2.
    expect(await deactivateEach(tenant, ids.slice(15, 18))).toEqual([200, 200, 429]);
    const entries = await activity(tenant.orgId);
    expect(entries.filter((entry) => entry.action === "safeguard.updated").map((e) => JSON.parse(e.changes!))).toEqual([
      { enabled: { from: true, to: false } },
      {
        enabled: { from: false, to: true },
        minimumMembers: { from: 10, to: 2 },
        thresholdPercent: { from: 20, to: 10 },
        windowMinutes: { from: 60, to: 30 },
      },
    ]);
  });

  it("refuses bad settings with the admin JSON error and changes nothing", async () => {
    const tenant = await createTenant();
    const before = await tenantRows(tenant.orgId);
    for (const body of [
      { thresholdPercent: 0 },
      { thresholdPercent: 101 },
      { minimumMembers: 0 },
      { windowMinutes: 10_081 },
      { windowMinutes: 1.5 },
      { enabled: "no" },
      { state: "armed" },
      {},
    ]) {
      const response = await tune(tenant, body);
      expect(response.status, JSON.stringify(body)).toBe(400);
      expect(((await response.json()) as { error: { code: string } }).error.code).toBe("invalid_request");
    }
    expect(await tenantRows(tenant.orgId)).toEqual(before);
    expect((await admin(`/organizations/${tenant.orgId}/safeguard/held?status=gone`)).status).toBe(400);
  });

  it("lists held requests in keyset pages", async () => {
    const { tenant } = await tripped(30, 15);
    const first = await held(tenant, "?limit=3");
    expect(first.held.map((h) => h.userName)).toEqual(["u10@acme.test", "u11@acme.test", "u12@acme.test"]);
    const second = await held(tenant, `?limit=3&cursor=${encodeURIComponent(first.nextCursor!)}`);
    expect(second.held.map((h) => h.userName)).toEqual(["u13@acme.test", "u14@acme.test"]);
    expect(second.nextCursor).toBeNull();
  });
});

describe("the safeguard inside /Bulk", { timeout: 180_000 }, () => {
  it("holds within the query budget: every operation that ran answered 200 or 429, the rest were not run", async () => {
    const tenant = await createTenant({ licenses: 1000 });
    const ids = await createUsers(tenant, 100);
    const binding = shardBinding(homeShard(tenant.orgId));
    const measured = new CountedD1Database(shardOf(tenant.orgId), Number.POSITIVE_INFINITY);
    const ctx = createExecutionContext();
    const response = await worker.fetch(
      new Request(`${ORIGIN}/scim/v2/${tenant.orgId}/Bulk`, {
        method: "POST",
        headers: { Authorization: `Bearer ${tenant.token}`, "Content-Type": SCIM_JSON },
        body: JSON.stringify({
          schemas: ["urn:ietf:params:scim:api:messages:2.0:BulkRequest"],
          Operations: ids.map((id) => ({
            method: "PATCH",
            path: `/Users/${id}`,
            data: patchOp({ op: "Replace", path: "active", value: "False" }),
          })),
        }),
      }),
      { ...env, [binding]: measured },
      ctx,
    );
    await waitOnExecutionContext(ctx);
    const statuses = ((await response.json()) as { Operations: { status: string }[] }).Operations.map((o) => o.status);
    const ran = statuses.filter((status) => status !== "503");
    // 20 % of 100 members are applied; every later one that ran is held.
    expect(ran.slice(0, 20)).toEqual(Array(20).fill("200"));
    expect(ran.length).toBeGreaterThan(60);
    expect(ran.slice(20)).toEqual(Array(ran.length - 20).fill("429"));
    expect(statuses.slice(ran.length)).toEqual(Array(100 - ran.length).fill("503"));
    expect(measured.statements).toBeLessThanOrEqual(1_000);
    expect((await safeguard(tenant)).heldCount).toBe(ran.length - 20);
  });
});

describe("a release larger than one request", { timeout: 180_000 }, () => {
  it("applies what fits in the release's own request and the rest in the next scheduled run", async () => {
    const tenant = await createTenant({ licenses: 1000 });
    const ids = await createUsers(tenant, 150);
    await tune(tenant, { thresholdPercent: 1, minimumMembers: 1 });
    const statuses = await deactivateEach(tenant, ids);
    expect(statuses.filter((status) => status === 429)).toHaveLength(149);
    const outcome = (await (
      await admin(`/organizations/${tenant.orgId}/safeguard/release`, { method: "POST" })
    ).json()) as Record<string, number>;
    expect(outcome.released).toBe(149);
    expect(outcome.applied).toBeGreaterThan(50);
    expect(outcome.pending).toBe(149 - outcome.applied);
    expect(outcome.pending).toBeGreaterThan(0);
    expect(await licensesUsed(tenant)).toBe(150 - 1 - outcome.applied);
    await worker.scheduled(createScheduledController({ scheduledTime: new Date(), cron: "*/5 * * * *" }), env);
    expect(await licensesUsed(tenant)).toBe(0);
    expect((await held(tenant, "?status=released")).held).toEqual([]);
  });
});
