import { createExecutionContext, createMessageBatch, createScheduledController, getQueueResult } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { ActivityEntry } from "../../src/db/pipeline-messages";
import { homeShard, shardBinding } from "../../src/db/shards";
import worker from "../../src/index";
import { activity, admin, createTenant, createUser, patchOp, readActivity, scim, shardOf, user } from "../helpers";

const GROUP = "urn:ietf:params:scim:schemas:core:2.0:Group";

const entry = (orgId: string, overrides: Partial<ActivityEntry> = {}): ActivityEntry => ({
  id: crypto.randomUUID(),
  orgId,
  at: new Date().toISOString(),
  actor: "scim:okta",
  action: "member.created",
  targetType: "member",
  targetId: crypto.randomUUID(),
  targetName: "someone@acme.test",
  ...overrides,
});

const message = (e: ActivityEntry) => ({ kind: "activity", entry: e });

const pendingEntries = async (orgId: string) =>
  (await shardOf(orgId).prepare("SELECT entry FROM activity_outbox ORDER BY at").all<{ entry: string }>()).results
    .map((row) => JSON.parse(row.entry) as ActivityEntry)
    .filter((e) => e.orgId === orgId);

const pendingFor = async (orgId: string) => (await pendingEntries(orgId)).length;

const pending = async (orgId: string, ids: string[]) =>
  (await shardOf(orgId)
    .prepare("SELECT count(*) AS n FROM activity_outbox WHERE id IN (SELECT value FROM json_each(?))")
    .bind(JSON.stringify(ids))
    .first<{ n: number }>())!.n;

function captureErrors(): string[] {
  const errors: string[] = [];
  vi.spyOn(console, "error").mockImplementation((line: unknown) => void errors.push(String(line)));
  return errors;
}

function refuseQueue() {
  vi.spyOn(env.ACTIVITY_QUEUE, "send").mockRejectedValue(new Error("queue unavailable"));
  vi.spyOn(env.ACTIVITY_QUEUE, "sendBatch").mockRejectedValue(new Error("queue unavailable"));
}

/** D1 refusing every write to activity_log (the consumer's and the fallback's), as under overload. */
function failActivityLogWrites(orgId: string) {
  const shard = shardOf(orgId);
  const prepare = shard.prepare.bind(shard);
  return vi.spyOn(shard, "prepare").mockImplementation((query: string) => {
    if (/^insert into "activity_log"/i.test(query)) throw new Error("D1_ERROR: D1 is overloaded.");
    return prepare(query);
  });
}

async function until(condition: () => boolean | Promise<boolean>, timeoutMs = 10_000) {
  for (let waited = 0; waited < timeoutMs; waited += 50) {
    if (await condition()) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error("timed out waiting");
}

const countFor = async (orgId: string) =>
  (await shardOf(orgId)
    .prepare("SELECT count(*) AS n FROM activity_log WHERE org_id = ?")
    .bind(orgId)
    .first<{ n: number }>())!.n;

afterEach(() => vi.restoreAllMocks());

describe("activity pipeline", () => {
  it("logs every action exactly once, through the queue consumer", async () => {
    const errors = captureErrors();
    const tenant = await createTenant({ licenses: 1 });
    const orgPath = `/organizations/${tenant.orgId}`;
    await admin(orgPath, { method: "PATCH", json: { name: "Renamed" } });
    const member = await createUser(tenant, "one@acme.test");
    await scim(tenant, "/Users", { method: "POST", json: user("two@acme.test") }); // no licence left
    await scim(tenant, `/Users/${member.id}`, {
      method: "PATCH",
      json: patchOp({ op: "replace", path: "title", value: "T" }),
    });
    await scim(tenant, `/Users/${member.id}`, {
      method: "PATCH",
      json: patchOp({ op: "replace", value: { active: false } }),
    });
    await scim(tenant, `/Users/${member.id}`, {
      method: "PATCH",
      json: patchOp({ op: "replace", value: { active: true } }),
    });
    const group = (await (
      await scim(tenant, "/Groups", { method: "POST", json: { schemas: [GROUP], displayName: "G" } })
    ).json()) as any;
    await scim(tenant, `/Groups/${group.id}`, {
      method: "PATCH",
      json: patchOp(
        { op: "replace", value: { displayName: "G2" } },
        { op: "add", path: "members", value: [{ value: member.id }] },
      ),
    });
    await scim(tenant, `/Groups/${group.id}`, {
      method: "PATCH",
      json: patchOp({ op: "remove", path: "members", value: [{ value: member.id }] }),
    });
    await scim(tenant, `/Groups/${group.id}`, { method: "DELETE" });
    await scim(tenant, `/Users/${member.id}`, { method: "DELETE" });
    const rotated = (await (await admin(`${orgPath}/scim/token`, { method: "POST" })).json()) as any;
    await admin(`${orgPath}/scim`, { method: "PUT", json: { enabled: false } });

    const actions = (await activity(tenant.orgId)).map((a) => a.action);
    expect(actions).toEqual([
      "organization.created",
      "scim.enabled",
      "organization.updated",
      "member.created",
      "member.create_rejected",
      "member.updated",
      "member.deactivated",
      "member.reactivated",
      "team.created",
      "team.updated",
      "team.members_added",
      "team.members_removed",
      "team.deleted",
      "member.deleted",
      "scim.token_rotated",
      "scim.disabled",
    ]);
    expect(errors.filter((e) => e.includes("activity_queue_failed"))).toEqual([]); // all went through the queue
    const everything = JSON.stringify(await activity(tenant.orgId));
    expect(everything).not.toContain(tenant.token);
    expect(everything).not.toContain(rotated.token);
  });

  it("never duplicates an entry when a batch is delivered again, and clears the outbox", async () => {
    const tenant = await createTenant();
    await activity(tenant.orgId);
    const before = await countFor(tenant.orgId);
    const entries = [entry(tenant.orgId), entry(tenant.orgId, { action: "member.deleted" })];
    await shardOf(tenant.orgId).batch(
      entries.map((e) =>
        shardOf(tenant.orgId)
          .prepare("INSERT INTO activity_outbox (id, at, entry) VALUES (?, ?, ?)")
          .bind(e.id, e.at, JSON.stringify(e)),
      ),
    );
    for (let delivery = 0; delivery < 2; delivery++) {
      const batch = createMessageBatch(
        "scim-activity",
        entries.map((e, i) => ({ id: `m${i}`, timestamp: new Date(), attempts: delivery + 1, body: message(e) })),
      );
      const ctx = createExecutionContext();
      await worker.queue(batch, env);
      const result = await getQueueResult(batch, ctx);
      expect(result.explicitAcks.sort()).toEqual(["m0", "m1"]);
      expect(result.retryMessages).toEqual([]);
    }
    expect(await countFor(tenant.orgId)).toBe(before + 2);
    expect(
      await pending(
        tenant.orgId,
        entries.map((e) => e.id),
      ),
    ).toBe(0);
  });

  it("retries a batch the database refuses, and retries malformed messages toward the dead-letter queue", async () => {
    const tenant = await createTenant();
    const failingDb = {
      prepare: (sql: string) => shardOf(tenant.orgId).prepare(sql),
      batch: async () => {
        throw new Error("D1 unavailable");
      },
    };
    const batch = createMessageBatch("scim-activity", [
      { id: "ok", timestamp: new Date(), attempts: 1, body: message(entry(tenant.orgId)) },
    ]);
    const ctx = createExecutionContext();
    await worker.queue(batch, { ...env, [shardBinding(homeShard(tenant.orgId))]: failingDb as unknown as D1Database });
    const failed = await getQueueResult(batch, ctx);
    expect(failed.retryMessages.map((m) => m.msgId)).toEqual(["ok"]);
    expect(failed.explicitAcks).toEqual([]);

    const malformed = createMessageBatch<unknown>("scim-activity", [
      { id: "bad", timestamp: new Date(), attempts: 1, body: { nonsense: true } },
      { id: "bare", timestamp: new Date(), attempts: 1, body: entry(tenant.orgId) },
      { id: "good", timestamp: new Date(), attempts: 1, body: message(entry(tenant.orgId)) },
    ]);
    const ctx2 = createExecutionContext();
    await worker.queue(malformed, env);
    const result = await getQueueResult(malformed, ctx2);
    expect(result.retryMessages.map((m) => m.msgId)).toEqual(["bad", "bare"]);
    expect(result.explicitAcks).toEqual(["good"]);
  });

  it("writes straight to D1 when the queue refuses an entry", async () => {
    const tenant = await createTenant();
    await activity(tenant.orgId);
    const errors = captureErrors();
    refuseQueue();
    const created = await createUser(tenant, "fallback@acme.test");
    const rows = await activity(tenant.orgId);
    expect(rows.filter((r) => r.target_id === created.id).map((r) => r.action)).toEqual(["member.created"]);
    expect(errors.some((e) => e.includes("activity_queue_failed"))).toBe(true);
    expect(await pendingFor(tenant.orgId)).toBe(0);
  });

  it("sends a write's activity entry and its request record to the queue in one send", async () => {
    const tenant = await createTenant();
    const member = await createUser(tenant, "one-send@acme.test");
    await activity(tenant.orgId);
    const sendBatch = vi.spyOn(env.ACTIVITY_QUEUE, "sendBatch");
    const deactivate = patchOp({ op: "replace", value: { active: false } });
    expect((await scim(tenant, `/Users/${member.id}`, { method: "PATCH", json: deactivate })).status).toBe(200);
    const rows = await activity(tenant.orgId);
    expect(rows.filter((r) => r.target_id === member.id).map((r) => r.action)).toEqual([
      "member.created",
      "member.deactivated",
    ]);
    expect(sendBatch).toHaveBeenCalledTimes(1);
    const sent = [...sendBatch.mock.calls[0][0]].map(({ body }) => body.kind);
    expect(sent.sort()).toEqual(["activity", "scim_request"]);
  });

  it("keeps an accepted change's entry when the queue and the D1 fallback both fail, and the cron delivers it", async () => {
    const tenant = await createTenant();
    await activity(tenant.orgId);
    const errors = captureErrors();
    refuseQueue();
    const refuseLogWrites = failActivityLogWrites(tenant.orgId);

    // The change happened, so the client hears so (not a 429 that its retry would turn into a 409).
    const created = await scim(tenant, "/Users", { method: "POST", json: user("outage@acme.test") });
    expect(created.status).toBe(201);
    const { id } = (await created.json()) as { id: string };
    const patch = patchOp({ op: "replace", path: "title", value: "Lead" });
    expect((await scim(tenant, `/Users/${id}`, { method: "PATCH", json: patch })).status).toBe(200);
    // The IdP's retry of the same PATCH finds nothing to change; the entry of the change that did happen stays.
    expect((await scim(tenant, `/Users/${id}`, { method: "PATCH", json: patch })).status).toBe(200);
    await until(() => errors.filter((e) => e.includes("activity_delivery_deferred")).length >= 2);
    expect((await readActivity(tenant.orgId)).filter((r) => r.target_id === id)).toEqual([]);
    expect(await pendingFor(tenant.orgId)).toBe(2);

    vi.restoreAllMocks();
    refuseLogWrites.mockRestore();
    // A run within the minute leaves fresh entries alone (their own send may still be under way).
    await worker.scheduled(createScheduledController({ scheduledTime: new Date(), cron: "*/5 * * * *" }), env);
    expect(await pendingFor(tenant.orgId)).toBe(2);
    const later = new Date(Date.now() + 2 * 60_000);
    await worker.scheduled(createScheduledController({ scheduledTime: later, cron: "*/5 * * * *" }), env);
    const rows = (await activity(tenant.orgId)).filter((r) => r.target_id === id);
    expect(rows.map((r) => r.action)).toEqual(["member.created", "member.updated"]);
    expect(JSON.parse(rows[1].changes!)).toEqual({ title: { from: null, to: "Lead" } });
    expect(await pendingFor(tenant.orgId)).toBe(0);

    // Sending again what was already delivered changes nothing.
    await worker.scheduled(createScheduledController({ scheduledTime: later, cron: "*/5 * * * *" }), env);
    expect((await activity(tenant.orgId)).filter((r) => r.target_id === id)).toHaveLength(2);
  });

  it("retries a failing consumer, then dead-letters the message; the entry stays pending until the cron delivers it", async () => {
    const tenant = await createTenant();
    await activity(tenant.orgId);
    const errors = captureErrors();
    const refuseLogWrites = failActivityLogWrites(tenant.orgId);
    const created = await createUser(tenant, "deadletter@acme.test");
    const [pendingEntry] = await pendingEntries(tenant.orgId);
    expect(pendingEntry).toMatchObject({ action: "member.created", targetId: created.id });

    await until(() => errors.some((e) => e.includes("activity_dead_lettered") && e.includes(pendingEntry.id)));
    const failures = errors.filter((e) => e.includes("activity_batch_failed") && e.includes(pendingEntry.id));
    // maxRetries is 2 in the tests: the first delivery and two retries, then the dead-letter queue.
    expect(failures.map((e) => JSON.parse(e).attempts)).toEqual([1, 2, 3]);
    expect(await pendingFor(tenant.orgId)).toBe(1);

    refuseLogWrites.mockRestore();
    const later = new Date(Date.now() + 2 * 60_000);
    await worker.scheduled(createScheduledController({ scheduledTime: later, cron: "*/5 * * * *" }), env);
    const rows = (await activity(tenant.orgId)).filter((r) => r.target_id === created.id);
    expect(rows.map((r) => r.action)).toEqual(["member.created"]);
    expect(await pendingFor(tenant.orgId)).toBe(0);
  });

  it("commits no entry for a change that did not happen", async () => {
    const tenant = await createTenant();
    const created = await createUser(tenant, "stale@acme.test");
    await activity(tenant.orgId);
    const stale = patchOp({ op: "replace", path: "title", value: "Stale" });
    const etag = `W/"${created.meta.version}"`;
    await scim(tenant, `/Users/${created.id}`, {
      method: "PATCH",
      json: patchOp({ op: "replace", path: "title", value: "A" }),
    });
    const refused = await scim(tenant, `/Users/${created.id}`, {
      method: "PATCH",
      json: stale,
      headers: { "If-Match": etag },
    });
    expect(refused.status).toBe(412);
    const titles = (await activity(tenant.orgId))
      .filter((r) => r.action === "member.updated")
      .map((r) => JSON.parse(r.changes!).title.to);
    expect(titles).toEqual(["A"]);
    expect(await pendingFor(tenant.orgId)).toBe(0);
  });
});

describe("GET /admin/v1/organizations/{orgId}/activity", () => {
  it("pages newest first with a cursor and combines filters", async () => {
    const tenant = await createTenant({ licenses: 10 });
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push((await createUser(tenant, `p${i}@acme.test`)).id);
    await scim(tenant, `/Users/${ids[0]}`, { method: "DELETE" });
    const all = await activity(tenant.orgId);
    expect(all).toHaveLength(8);

    const seen: any[] = [];
    let cursor: string | null = null;
    do {
      const response = await admin(
        `/organizations/${tenant.orgId}/activity?limit=3${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`,
      );
      expect(response.status).toBe(200);
      const page = (await response.json()) as any;
      expect(page.entries.length).toBeLessThanOrEqual(3);
      seen.push(...page.entries);
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen).toHaveLength(8);
    expect(seen.map((e) => e.action)).toEqual([...all].reverse().map((a) => a.action));
    expect(seen[0]).toEqual({
      id: expect.any(String),
      orgId: tenant.orgId,
      at: expect.any(String),
      actor: "scim:okta",
      action: "member.deleted",
      targetType: "member",
      targetId: ids[0],
      targetName: "p0@acme.test",
      changes: null,
    });

    const query = async (q: string) =>
      ((await (await admin(`/organizations/${tenant.orgId}/activity?${q}`)).json()) as any).entries;
    expect(await query("action=member.created")).toHaveLength(5);
    expect(await query("actor=admin")).toHaveLength(2);
    expect((await query(`targetId=${ids[0]}`)).map((e: any) => e.action)).toEqual(["member.deleted", "member.created"]);
    expect(await query(`actor=scim:okta&action=member.created&targetId=${ids[1]}`)).toHaveLength(1);
    expect(await query(`since=${encodeURIComponent(seen[0].at)}`)).toEqual(
      expect.arrayContaining([expect.objectContaining({ action: "member.deleted" })]),
    );
    expect(await query("since=2999-01-01T00:00:00Z")).toEqual([]);
  });

  it("rejects bad parameters and unknown organizations", async () => {
    const tenant = await createTenant();
    for (const q of [
      "limit=0",
      "limit=abc",
      "limit=201",
      "action=member.exploded",
      "since=yesterday",
      "cursor=garbage",
    ]) {
      const response = await admin(`/organizations/${tenant.orgId}/activity?${q}`);
      expect(response.status, q).toBe(400);
      expect(((await response.json()) as any).error.code).toBe("invalid_request");
    }
    expect((await admin("/organizations/nope/activity")).status).toBe(404);
  });
});

describe("retention", () => {
  it("purges entries older than the retention period in bounded batches, keeping the rest", async () => {
    const tenant = await createTenant();
    await activity(tenant.orgId);
    const old = new Date(Date.now() - 400 * 86_400_000).toISOString();
    const statements = Array.from({ length: 2300 }, (_, i) =>
      shardOf(tenant.orgId)
        .prepare(
          "INSERT INTO activity_log (id, org_id, at, actor, action, target_type) VALUES (?, ?, ?, 'admin', 'organization.updated', 'organization')",
        )
        .bind(crypto.randomUUID(), tenant.orgId, old.replace(/\d{3}Z$/, `${String(i % 1000).padStart(3, "0")}Z`)),
    );
    for (let i = 0; i < statements.length; i += 500) await shardOf(tenant.orgId).batch(statements.slice(i, i + 500));
    const recent = (await countFor(tenant.orgId)) - 2300;

    await worker.scheduled(createScheduledController({ scheduledTime: new Date(), cron: "17 3 * * *" }), env);
    expect(await countFor(tenant.orgId)).toBe(recent);
    const kept = await shardOf(tenant.orgId)
      .prepare("SELECT min(at) AS oldest FROM activity_log WHERE org_id = ?")
      .bind(tenant.orgId)
      .first<{ oldest: string }>();
    expect(new Date(kept!.oldest).getTime()).toBeGreaterThan(Date.now() - 365 * 86_400_000);
  });
});
