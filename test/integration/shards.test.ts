import { createExecutionContext, createMessageBatch, createScheduledController, getQueueResult } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import { invocationStorage } from "../../src/db/client";
import type { ActivityEntry } from "../../src/db/pipeline-messages";
import { listOrganizations } from "../../src/domain/organizations";
import worker from "../../src/index";
import {
  activity,
  admin,
  call,
  createGroup,
  createOrganization,
  createTenant,
  createUser,
  patchOp,
  scim,
  shardOf,
  signIn,
  type Tenant,
  tenantRows,
} from "../helpers";

afterEach(() => vi.restoreAllMocks());

/** What a database was sent: its round trips (a batch or one statement each), and the SQL of each. */
function watch(d1: D1Database) {
  const trips: string[][] = [];
  const prepare = d1.prepare.bind(d1);
  const batch = d1.batch.bind(d1);
  const sqlOf = new WeakMap<D1PreparedStatement, string>();
  const counted = (statement: D1PreparedStatement, query: string): D1PreparedStatement => {
    const run =
      <K extends "first" | "all" | "run" | "raw">(method: K) =>
      (...args: unknown[]) => {
        trips.push([query]);
        return (statement[method] as (...a: unknown[]) => unknown)(...args);
      };
    const wrapped = Object.assign(Object.create(statement), {
      bind: (...values: unknown[]) => counted(statement.bind(...values), query),
      first: run("first"),
      all: run("all"),
      run: run("run"),
      raw: run("raw"),
    }) as D1PreparedStatement;
    sqlOf.set(wrapped, query);
    return wrapped;
  };
  vi.spyOn(d1, "prepare").mockImplementation((query: string) => counted(prepare(query), query));
  vi.spyOn(d1, "batch").mockImplementation((statements: D1PreparedStatement[]) => {
    trips.push(statements.map((s) => sqlOf.get(s) ?? "?"));
    return batch(statements.map((s) => Object.getPrototypeOf(s) as D1PreparedStatement));
  });
  return trips;
}

/** The round trips a request made to each database. */
async function roundTrips(request: () => Promise<Response>) {
  const trips = { shard0: watch(env.DB_SHARD_0), shard1: watch(env.DB_SHARD_1!), control: watch(env.DB_CONTROL) };
  const response = await request();
  const body = await response.text();
  vi.restoreAllMocks();
  return { response, body, ...trips };
}

const members = async (shard: D1Database) =>
  (await shard.prepare("SELECT coalesce(sum(member_count), 0) AS n FROM organizations").first<{ n: number }>())!.n;

describe("organizations over two shards", () => {
  it("places a new organization on the shard with the fewest members, or on the one the operator names", async () => {
    for (let round = 0; round < 2; round++) {
      const totals = [await members(env.DB_SHARD_0), await members(env.DB_SHARD_1!)];
      const lighter = totals[0] <= totals[1] ? 0 : 1;
      const placed = await createTenant();
      expect(((await (await admin(`/organizations/${placed.orgId}`)).json()) as { shard: number }).shard).toBe(lighter);
      expect(placed.orgId).toMatch(new RegExp(`^s${lighter}-`));
      // Its members go to that shard, until it holds more than the other.
      const needed = Math.abs(totals[0] - totals[1]) + 1;
      await shardOf(placed.orgId)
        .prepare(
          `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?2)
           INSERT INTO members (id, org_id, user_name, user_name_lower, email, email_lower, active, source, provisioned, document, created_at, updated_at)
           SELECT lower(hex(randomblob(16))), ?1, 'm' || i || '@weight.test', 'm' || i || '@weight.test', 'm' || i || '@weight.test',
                  'm' || i || '@weight.test', 0, 'manual', 0, '{}', '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z' FROM n`,
        )
        .bind(placed.orgId, needed)
        .run();
    }
    const [named0, named1] = [await createOrganization(5, "Named", 0), await createOrganization(5, "Named", 1)];
    expect([named0.shard, named1.shard]).toEqual([0, 1]);
    expect(named1.id).toMatch(/^s1-/);
    expect(
      await shardOf(named1.id).prepare("SELECT name FROM organizations WHERE id = ?").bind(named1.id).first("name"),
    ).toBe("Named");
    const bad = await admin("/organizations", { method: "POST", json: { name: "Nowhere", licenses: 5, shard: 2 } });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as any).error.message).toContain("shard: there are 2 shards");
  });

  it("lists the organizations of every shard in one keyset order, page by page", async () => {
    const name = `Listed ${crypto.randomUUID().slice(0, 8)}`;
    const created = [];
    for (const shard of [1, 0, 1, 0, 0]) created.push(await createOrganization(5, name, shard));
    const shards = invocationStorage(env).shards;
    const seen: { id: string; shard: number; key: string }[] = [];
    let cursor: string | undefined;
    do {
      const page = await listOrganizations(shards, name, { cursor, limit: 2 });
      expect(page.items.length).toBeLessThanOrEqual(2);
      seen.push(...page.items.map(({ id, shard, createdAt }) => ({ id, shard, key: `${createdAt} ${id}` })));
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    const keys = seen.map((o) => o.key);
    expect(keys).toEqual([...keys].sort());
    expect(seen.map(({ id, shard }) => ({ id, shard })).sort((a, b) => a.id.localeCompare(b.id))).toEqual(
      created.map(({ id, shard }) => ({ id, shard })).sort((a, b) => a.id.localeCompare(b.id)),
    );

    const html = await (
      await call(`/console/orgs?q=${encodeURIComponent(name)}`, {
        headers: { Cookie: `__Host-console_session=${await signIn()}` },
      })
    ).text();
    for (const organization of created) expect(html).toContain(organization.id);
  });
});

describe("routing a request to its organization's shard", () => {
  it("checks a SCIM tenant with its first reads in one round trip to its shard, never the control plane", async () => {
    for (const shard of [0, 1]) {
      const tenant = await createTenant({ shard });
      const member = await createUser(tenant, `trips${shard}@acme.test`);
      const read = await roundTrips(() => scim(tenant, `/Users/${member.id}`));
      expect(read.response.status).toBe(200);
      const [own, other] = shard === 0 ? [read.shard0, read.shard1] : [read.shard1, read.shard0];
      expect(own).toHaveLength(1);
      expect(own[0].some((sql) => /from "organizations"/.test(sql))).toBe(true);
      expect(own[0].some((sql) => /from "members"/.test(sql))).toBe(true);
      expect(other).toEqual([]);
      expect(read.control).toEqual([]);

      // A write: the tenant check goes with its first reads; nothing before it, nothing elsewhere.
      const write = await roundTrips(() =>
        scim(tenant, `/Users/${member.id}`, {
          method: "PATCH",
          json: patchOp({ op: "replace", path: "title", value: "Lead" }),
        }),
      );
      expect(write.response.status).toBe(200);
      const ownWrite = shard === 0 ? write.shard0 : write.shard1;
      expect(ownWrite[0].some((sql) => /from "organizations"/.test(sql))).toBe(true);
      expect(shard === 0 ? write.shard1 : write.shard0).toEqual([]);
      expect(write.control).toEqual([]);
    }
  });

  it("sends admin requests to the organization's shard and console pages there after one session read", async () => {
    const organization = await createOrganization(5, "Routed", 1);
    const read = await roundTrips(() => admin(`/organizations/${organization.id}`));
    expect(JSON.parse(read.body)).toMatchObject({ id: organization.id, shard: 1, name: "Routed" });
    expect(read.shard1).toHaveLength(1);
    expect([read.shard0, read.control]).toEqual([[], []]);

    const cookie = await signIn();
    const page = await roundTrips(() =>
      call(`/console/orgs/${organization.id}/settings`, { headers: { Cookie: `__Host-console_session=${cookie}` } }),
    );
    expect(page.response.status).toBe(200);
    expect(page.control).toHaveLength(1);
    expect(page.control[0][0]).toMatch(/from "console_sessions"/);
    expect(page.shard1.length).toBeGreaterThan(0);
    expect(page.shard0).toEqual([]);
  });

  it("refuses a token rotated on one shard at once, and leaves the other shard's tenants alone", async () => {
    const [zero, one] = [await createTenant({ shard: 0 }), await createTenant({ shard: 1 })];
    expect((await scim(one, "/Users")).status).toBe(200);
    const rotated = (await (await admin(`/organizations/${one.orgId}/scim/token`, { method: "POST" })).json()) as any;
    expect((await scim(one, "/Users")).status).toBe(401);
    expect((await scim({ ...one, token: rotated.token }, "/Users")).status).toBe(200);
    expect((await scim(zero, "/Users")).status).toBe(200);
    // One shard's token opens nothing on the other, even under the other's organization id.
    expect((await scim({ ...zero, token: rotated.token }, "/Users")).status).toBe(401);
  });

  it("answers 404 for an id of shard 0 presented under shard 1's organization, and changes nothing", async () => {
    const [zero, one] = [await createTenant({ shard: 0 }), await createTenant({ shard: 1 })];
    const member = await createUser(zero, "held@zero.test");
    const group = await createGroup(zero, "Zero's", [member.id]);
    await activity(zero.orgId);
    const before = await tenantRows(zero.orgId);
    const elsewhere = (path: string, init: RequestInit & { json?: unknown } = {}) => scim(one, path, init);
    expect((await elsewhere(`/Users/${member.id}`)).status).toBe(404);
    expect((await elsewhere(`/Groups/${group.id}`)).status).toBe(404);
    const patch = patchOp({ op: "replace", path: "active", value: false });
    expect((await elsewhere(`/Users/${member.id}`, { method: "PATCH", json: patch })).status).toBe(404);
    expect((await elsewhere(`/Groups/${group.id}`, { method: "DELETE" })).status).toBe(404);
    expect((await elsewhere(`/Users/${member.id}`, { method: "DELETE" })).status).toBe(404);
    expect((await admin(`/organizations/${one.orgId}/members/${member.id}`)).status).toBe(404);
    // An organization id naming shard 1 that shard 1 does not hold, or a shard that does not exist.
    for (const orgId of [`s1-${zero.orgId.slice(3)}`, `s7-${zero.orgId.slice(3)}`]) {
      expect((await scim({ ...zero, orgId } as Tenant, "/Users")).status).toBe(401);
      expect((await admin(`/organizations/${orgId}`)).status).toBe(404);
    }
    expect(await tenantRows(zero.orgId)).toEqual(before);
  });
});

describe("queue and crons on every shard", () => {
  const entry = (orgId: string): ActivityEntry => ({
    id: crypto.randomUUID(),
    orgId,
    at: new Date(Date.now() - 10 * 60_000).toISOString(),
    actor: "admin",
    action: "organization.updated",
    targetType: "organization",
    targetId: orgId,
    targetName: "Acme",
  });
  const logged = async (e: ActivityEntry) =>
    await shardOf(e.orgId).prepare("SELECT count(*) AS n FROM activity_log WHERE id = ?").bind(e.id).first("n");

  it("writes a batch's entries each to its organization's shard, retrying only the shard that failed", async () => {
    const [zero, one] = [await createTenant({ shard: 0 }), await createTenant({ shard: 1 })];
    const entries = [entry(zero.orgId), entry(one.orgId)];
    const batch = createMessageBatch(
      "scim-activity",
      entries.map((e, i) => ({
        id: `m${i}`,
        timestamp: new Date(),
        attempts: 1,
        body: { kind: "activity", entry: e },
      })),
    );
    const failing = {
      prepare: (sql: string) => env.DB_SHARD_1!.prepare(sql),
      batch: async () => {
        throw new Error("D1 unavailable");
      },
    } as unknown as D1Database;
    vi.spyOn(console, "error").mockImplementation(() => {});
    const ctx = createExecutionContext();
    await worker.queue(batch, { ...env, DB_SHARD_1: failing });
    const result = await getQueueResult(batch, ctx);
    expect(result.explicitAcks).toEqual(["m0"]);
    expect(result.retryMessages.map((m) => m.msgId)).toEqual(["m1"]);
    expect([await logged(entries[0]), await logged(entries[1])]).toEqual([1, 0]);
    // Neither shard holds the other's entry.
    expect(
      await env
        .DB_SHARD_1!.prepare("SELECT count(*) AS n FROM activity_log WHERE id = ?")
        .bind(entries[0].id)
        .first("n"),
    ).toBe(0);
  });

  it("sends pending entries again from every shard's outbox", async () => {
    const [zero, one] = [await createTenant({ shard: 0 }), await createTenant({ shard: 1 })];
    await Promise.all([activity(zero.orgId), activity(one.orgId)]);
    const entries = [entry(zero.orgId), entry(one.orgId)];
    for (const e of entries) {
      await shardOf(e.orgId)
        .prepare("INSERT INTO activity_outbox (id, at, entry) VALUES (?, ?, ?)")
        .bind(e.id, e.at, JSON.stringify(e))
        .run();
    }
    await worker.scheduled(createScheduledController({ scheduledTime: new Date(), cron: "*/5 * * * *" }), env);
    await Promise.all([activity(zero.orgId), activity(one.orgId)]);
    expect([await logged(entries[0]), await logged(entries[1])]).toEqual([1, 1]);
  });
});
