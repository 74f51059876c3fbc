import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import { VERSION_MOVED_CHECK } from "../../src/db/constraints";
import { CountedD1Database } from "../../src/db/counted-d1";
import { homeShard, shardBinding } from "../../src/db/shards";
import worker from "../../src/index";
import {
  call,
  createGroup,
  createTenant,
  GROUP_SCHEMA,
  ORIGIN,
  onEveryShard,
  patchOp,
  SCIM_JSON,
  scim,
  shardOf,
  type Tenant,
  user,
} from "../helpers";

const BULK = "urn:ietf:params:scim:api:messages:2.0:BulkRequest";
/** D1 ends a Worker invocation at this many queries (each statement of a batch is one). */
const D1_LIMIT = 1_000;

afterEach(() => vi.restoreAllMocks());

/**
 * A /Bulk request served by the worker on a D1 handle that counts every statement of the
 * invocation (the request's own, its operations', and what they leave to waitUntil), which must
 * stay within D1's limit.
 */
async function measuredBulk(tenant: Tenant, operations: unknown[]) {
  const measured = new CountedD1Database(shardOf(tenant.orgId), Number.POSITIVE_INFINITY);
  const ctx = createExecutionContext();
  const response = await worker.fetch(
    new Request(`${ORIGIN}/scim/v2/${tenant.orgId}/Bulk`, {
      method: "POST",
      headers: { Authorization: `Bearer ${tenant.token}`, "Content-Type": SCIM_JSON },
      body: JSON.stringify({ schemas: [BULK], Operations: operations }),
    }),
    { ...env, [shardBinding(homeShard(tenant.orgId))]: measured },
    ctx,
  );
  const body = (await response.json()) as any;
  expect(response.status, JSON.stringify(body).slice(0, 500)).toBe(200);
  await waitOnExecutionContext(ctx);
  expect(measured.statements, "statements of the invocation").toBeLessThanOrEqual(D1_LIMIT);
  return { response, results: body.Operations as any[], measured };
}

/** Users created through /Bulk, 50 a request; their ids in order. */
async function createUsersInBulk(tenant: Tenant, count: number, prefix: string) {
  const ids: string[] = [];
  for (let from = 0; from < count; from += 50) {
    const operations = Array.from({ length: Math.min(50, count - from) }, (_, i) => ({
      method: "POST",
      path: "/Users",
      bulkId: `${prefix}${from + i}`,
      data: user(`${prefix}${from + i}@acme.test`),
    }));
    const { results } = await measuredBulk(tenant, operations);
    for (const result of results) {
      expect(result.status).toBe("201");
      ids.push(result.location.split("/").at(-1));
    }
  }
  return ids;
}

/**
 * The results of a request the budget cut short: the operations that ran come first, with the
 * statuses allowed; every later one is 503 with Retry-After (the response's header), not run.
 */
function expectStoppedAt(results: any[], response: Response, ran: string[]) {
  const cut = results.findIndex((result) => result.status === "503");
  expect(cut, "some operations did not fit").toBeGreaterThan(0);
  for (const result of results.slice(0, cut)) expect(ran).toContain(result.status);
  for (const result of results.slice(cut)) {
    expect(result).toMatchObject({
      status: "503",
      response: { status: "503", detail: expect.stringContaining("Not run") },
    });
    expect(result).not.toHaveProperty("location");
  }
  expect(response.headers.get("Retry-After")).toBe("1");
  return cut;
}

/** A team as stored, on whichever shard holds it: its name, external id, version and members (sorted). */
async function team(id: string) {
  const rows = await onEveryShard((shard) =>
    shard
      .prepare(
        `SELECT display_name AS name, external_id AS externalId, version,
       (SELECT json_group_array(member_id) FROM (SELECT member_id FROM team_members WHERE team_id = teams.id ORDER BY member_id)) AS members
     FROM teams WHERE id = ?`,
      )
      .bind(id)
      .first<{ name: string; externalId: string | null; version: number; members: string }>(),
  );
  // A team no shard holds reads as null, as one database's first() answers.
  const row = rows.find(Boolean) ?? null;
  return row && { ...row, members: JSON.parse(row.members) as string[] };
}

const group = (displayName: string, members: string[], extra: object = {}) => ({
  schemas: [GROUP_SCHEMA],
  displayName,
  members: members.map((value) => ({ value })),
  ...extra,
});
const sorted = (ids: string[]) => [...ids].sort();

// Each test drives thousands of statements through whole /Bulk requests: minutes on a loaded 2-core machine.
describe("/Bulk within D1's 1,000 queries per invocation", { timeout: 180_000 }, () => {
  it("runs the worst case of each user operation within the limit: refused creates, refused updates, deletes", async () => {
    const tenant = await createTenant({ licenses: 100 });
    const ids = await createUsersInBulk(tenant, 100, "u");
    // Every licence is taken: each create is refused, explained, and recorded as a conflict.
    const creates = await measuredBulk(
      tenant,
      Array.from({ length: 100 }, (_, i) => ({
        method: "POST",
        path: "/Users",
        bulkId: `n${i}`,
        data: user(`new${i}@acme.test`),
      })),
    );
    expect(creates.results.map((result) => result.status)).toEqual(Array(100).fill("403"));
    const conflicts = await shardOf(tenant.orgId)
      .prepare("SELECT COUNT(*) AS n FROM conflicts WHERE org_id = ?")
      .bind(tenant.orgId)
      .first("n");
    expect(conflicts).toBe(100);

    // Updates taking another member's userName are refused after their write, and explained.
    const updates = await measuredBulk(tenant, [
      ...ids.slice(0, 50).map((id, i) => ({ method: "PUT", path: `/Users/${id}`, data: user(`u${i + 50}@acme.test`) })),
      ...ids.slice(50).map((id, i) => ({
        method: "PATCH",
        path: `/Users/${id}`,
        data: patchOp({ op: "replace", path: "userName", value: `u${i}@acme.test` }),
      })),
    ]);
    expect(updates.results.map((result) => result.status)).toEqual(Array(100).fill("409"));

    // The deprovisioning safeguard lets all 100 through at 100 % (each still decided and counted).
    const tuned = await call(`/admin/v1/organizations/${tenant.orgId}/safeguard`, {
      method: "PATCH",
      token: env.ADMIN_TOKEN,
      json: { thresholdPercent: 100 },
    });
    expect(tuned.status).toBe(200);
    const deletes = await measuredBulk(
      tenant,
      ids.map((id) => ({ method: "DELETE", path: `/Users/${id}` })),
    );
    expect(deletes.results.map((result) => result.status)).toEqual(Array(100).fill("204"));
    expect(((await (await scim(tenant, "/Users?count=0")).json()) as any).totalResults).toBe(0);
  });

  it("stops group writes with big membership lists before the limit: what ran is whole, the rest answers 503 with Retry-After and is untouched", async () => {
    const tenant = await createTenant({ licenses: 300 });
    const users = await createUsersInBulk(tenant, 225, "m");
    const [a, b, c] = [users.slice(0, 75), users.slice(75, 150), users.slice(150)];

    const teams: string[] = [];
    for (const from of [0, 50]) {
      const creates = await measuredBulk(
        tenant,
        Array.from({ length: 50 }, (_, i) => ({
          method: "POST",
          path: "/Groups",
          bulkId: `g${from + i}`,
          data: group(`G${from + i}`, [...a, ...b]),
        })),
      );
      expect(creates.results.map((result) => result.status)).toEqual(Array(50).fill("201"));
      teams.push(...creates.results.map((result) => result.location.split("/").at(-1) as string));
    }
    const created = await Promise.all(teams.map(team));

    // Renamed, and emptied or left with one member: 100 such pushes need more than 1,000 statements.
    const emptying = await measuredBulk(
      tenant,
      teams.map((id, i) => ({ method: "PUT", path: `/Groups/${id}`, data: group(`E${i}`, i % 2 ? [] : [c[i % 75]]) })),
    );
    const emptied = expectStoppedAt(emptying.results, emptying.response, ["200"]);
    const before = await Promise.all(teams.map(team));
    before.forEach((stored, i) => {
      if (i < emptied) expect(stored).toMatchObject({ name: `E${i}`, members: i % 2 ? [] : [c[i % 75]] });
      else expect(stored).toEqual(created[i]);
    });

    // Full pushes: renamed, a third of the members removed and as many added.
    const pushes = await measuredBulk(
      tenant,
      teams.map((id, i) => ({
        method: "PUT",
        path: `/Groups/${id}`,
        data: group(`P${i}`, [...b, ...c], { externalId: `x${i}` }),
      })),
    );
    const pushed = expectStoppedAt(pushes.results, pushes.response, ["200"]);
    const afterPush = await Promise.all(teams.map(team));
    afterPush.forEach((stored, i) => {
      if (i < pushed) {
        expect(stored).toMatchObject({ name: `P${i}`, externalId: `x${i}`, members: sorted([...b, ...c]) });
        expect(pushes.results[i].version).toBe(`W/"${stored!.version}"`);
      } else expect(stored).toEqual(before[i]);
    });

    // The same through PATCH: a rename, a full replace of members, an add and a remove.
    const patches = await measuredBulk(
      tenant,
      teams.map((id, i) => ({
        method: "PATCH",
        path: `/Groups/${id}`,
        data: patchOp(
          { op: "replace", value: { displayName: `Q${i}` } },
          { op: "replace", path: "members", value: a.map((value) => ({ value })) },
          { op: "add", path: "members", value: [{ value: c[0] }] },
          { op: "remove", path: `members[value eq "${a[0]}"]` },
        ),
      })),
    );
    const patched = expectStoppedAt(patches.results, patches.response, ["204"]);
    const afterPatch = await Promise.all(teams.map(team));
    afterPatch.forEach((stored, i) => {
      if (i < patched) expect(stored).toMatchObject({ name: `Q${i}`, members: sorted([...a.slice(1), c[0]]) });
      else expect(stored).toEqual(afterPush[i]);
    });

    // Full pushes refused by uniqueness after their batch: the most statements one operation sends.
    const refused = await measuredBulk(
      tenant,
      teams.map((id, i) => ({
        method: "PUT",
        path: `/Groups/${id}`,
        data: group(afterPatch[(i + 1) % 100]!.name, [...a, ...c]),
      })),
    );
    expectStoppedAt(refused.results, refused.response, ["409"]);
    expect(await Promise.all(teams.map(team))).toEqual(afterPatch);

    const deletes = await measuredBulk(
      tenant,
      teams.map((id) => ({ method: "DELETE", path: `/Groups/${id}` })),
    );
    expect(deletes.results.map((result) => result.status)).toEqual(Array(100).fill("204"));
    expect(await Promise.all(teams.map(team))).toEqual(Array(100).fill(null));
  });

  it("counts what the operations write to D1 directly while the queue is down: within the limit, what ran is whole, the rest 503 and untouched, no activity entry lost", async () => {
    const tenant = await createTenant({ licenses: 300 });
    const users = await createUsersInBulk(tenant, 200, "q");
    const teams: string[] = [];
    for (const from of [0, 50]) {
      const { results } = await measuredBulk(
        tenant,
        Array.from({ length: 50 }, (_, i) => ({
          method: "POST",
          path: "/Groups",
          bulkId: `t${from + i}`,
          data: group(`T${from + i}`, [users[from + i]]),
        })),
      );
      teams.push(...results.map((result) => result.location.split("/").at(-1) as string));
    }
    const before = await Promise.all(teams.map(team));
    vi.spyOn(console, "error").mockImplementation(() => {});
    vi.spyOn(env.ACTIVITY_QUEUE, "send").mockRejectedValue(new Error("queue unavailable"));
    vi.spyOn(env.ACTIVITY_QUEUE, "sendBatch").mockRejectedValue(new Error("queue unavailable"));

    // Each push's entries and request record now go to D1 from waitUntil, beyond the push's own statements.
    const { results, measured } = await measuredBulk(
      tenant,
      teams.map((id, i) => ({ method: "PUT", path: `/Groups/${id}`, data: group(`R${i}`, [users[100 + i]]) })),
    );
    for (let last = -1; measured.statements !== last; ) {
      last = measured.statements;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    expect(measured.statements).toBeLessThanOrEqual(D1_LIMIT);
    expect(results.filter((result) => result.status === "503").length).toBeGreaterThan(0);
    const after = await Promise.all(teams.map(team));
    for (const [i, result] of results.entries()) {
      if (result.status === "200") {
        expect(after[i]).toMatchObject({ name: `R${i}`, members: [users[100 + i]] });
        const entries = await shardOf(tenant.orgId)
          .prepare(
            `SELECT (SELECT COUNT(*) FROM activity_log WHERE target_id = ?1 AND action = 'team.updated')
             + (SELECT COUNT(*) FROM activity_outbox WHERE json_extract(entry, '$.targetId') = ?1
                AND json_extract(entry, '$.action') = 'team.updated') AS n`,
          )
          .bind(teams[i])
          .first("n");
        expect(entries, `the rename of ${teams[i]} is delivered or pending`).toBe(1);
      } else {
        expect(result).toMatchObject({ status: "503", response: { status: "503" } });
        expect(after[i]).toEqual(before[i]);
      }
    }
  });

  it("stops an operation whose retries outrun its worst case before the statement that would pass the limit: 503, nothing of it done", async () => {
    const tenant = await createTenant();
    const teams: string[] = [];
    for (let i = 0; i < 6; i++) teams.push((await createGroup(tenant, `C${i}`)).id);
    const before = await Promise.all(teams.map(team));
    // The first four teams' writes always find their version moved: each write is retried on a
    // fresh read, 25 times, as if other requests kept changing the team.
    const trap = `moved_${crypto.randomUUID().replaceAll("-", "")}`;
    const trapped = teams
      .slice(0, 4)
      .map((id) => `'${id}'`)
      .join(", ");
    await shardOf(tenant.orgId).exec(
      `CREATE TRIGGER ${trap} BEFORE UPDATE ON teams FOR EACH ROW WHEN NEW.id IN (${trapped}) BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: ${VERSION_MOVED_CHECK}'); END`,
    );
    try {
      const { response, results } = await measuredBulk(
        tenant,
        teams.map((id, i) => ({ method: "PUT", path: `/Groups/${id}`, data: group(`D${i}`, []) })),
      );
      expect(results[0].response.detail).toContain("changed by 25 other requests");
      const cut = results.findIndex((result) => result.response?.detail.startsWith("Not done"));
      expect(cut, "an operation stopped by the limit").toBeGreaterThan(0);
      expect(results.at(-1).response.detail).toMatch(/^Not run/);
      expect(results.map((result) => result.status)).toEqual(Array(6).fill("503"));
      expect(response.headers.get("Retry-After")).toBe("1");
    } finally {
      await shardOf(tenant.orgId).exec(`DROP TRIGGER ${trap}`);
    }
    expect(await Promise.all(teams.map(team))).toEqual(before);
  });
});
