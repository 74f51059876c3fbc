import { createExecutionContext, createMessageBatch, createScheduledController, getQueueResult } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { ScimRequestRecord } from "../../src/db/pipeline-messages";
import worker from "../../src/index";
import { admin, call, createTenant, createUser, patchOp, scim, shardOf, type Tenant, user } from "../helpers";

const GROUP = "urn:ietf:params:scim:schemas:core:2.0:Group";
const OKTA_AGENT = "Okta SCIM Client 1.0.0";

afterEach(() => vi.restoreAllMocks());

type Row = Record<string, unknown> & { operation: string; status: number };

const storedRows = async (orgId: string) =>
  (
    await shardOf(orgId)
      .prepare("SELECT * FROM scim_requests WHERE org_id = ? ORDER BY at, rowid")
      .bind(orgId)
      .all<Row>()
  ).results;

/** The tenant's request records once the consumer has written `count` of them (it runs after each response). */
async function recorded(orgId: string, count: number): Promise<Row[]> {
  for (let waited = 0; waited < 10_000; waited += 50) {
    const rows = await storedRows(orgId);
    if (rows.length >= count) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      const settled = await storedRows(orgId);
      expect(settled).toHaveLength(count);
      return settled;
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`expected ${count} request records for ${orgId}, found ${(await storedRows(orgId)).length}`);
}

const okta = (tenant: Tenant, path: string, init: Parameters<typeof scim>[2] = {}) =>
  scim(tenant, path, { ...init, headers: { "User-Agent": OKTA_AGENT, ...init.headers } });

async function list(orgId: string, query = "") {
  const response = await admin(`/organizations/${orgId}/scim/requests${query ? `?${query}` : ""}`);
  expect(response.status).toBe(200);
  return (await response.json()) as { requests: any[]; nextCursor: string | null };
}

const health = async (orgId: string) => (await (await admin(`/organizations/${orgId}/scim`)).json()) as any;

describe("the SCIM request log", () => {
  it("records each request with its operation in words, status, error, client and the names it concerned", async () => {
    const tenant = await createTenant({ licenses: 1 });
    const lookup = await okta(tenant, `/Users?filter=${encodeURIComponent('userName eq "ada@acme.test"')}`);
    expect(lookup.status).toBe(200);
    const created = await okta(tenant, "/Users", {
      method: "POST",
      json: user("ada@acme.test", { externalId: "00u1", displayName: "Ada L" }),
    });
    expect(created.status).toBe(201);
    const ada = (await created.json()) as any;
    const refused = await okta(tenant, "/Users", { method: "POST", json: user("bob@acme.test") });
    expect(refused.status).toBe(403);
    await okta(tenant, `/Users/${ada.id}`, {
      method: "PATCH",
      json: patchOp({ op: "replace", value: { active: false } }),
    });
    const reactivated = await okta(tenant, `/Users/${ada.id}`, {
      method: "PUT",
      json: user("ada@acme.test", { externalId: "00u1", displayName: "Ada L", active: true }),
    });
    expect(reactivated.status).toBe(200);
    const group = (await (
      await okta(tenant, "/Groups", { method: "POST", json: { schemas: [GROUP], displayName: "Sales" } })
    ).json()) as any;
    const others = [crypto.randomUUID(), crypto.randomUUID()];
    const badPatch = await okta(tenant, `/Groups/${group.id}`, {
      method: "PATCH",
      json: patchOp(
        { op: "add", path: "members", value: [{ value: ada.id }, ...others.map((value) => ({ value }))] },
        { op: "remove", path: `members[value eq "${crypto.randomUUID()}"]` },
      ),
    });
    expect(badPatch.status).toBe(400);

    const rows = await recorded(tenant.orgId, 7);
    expect(rows.map((r) => [r.method, r.operation, r.status])).toEqual([
      ["GET", "list users", 200],
      ["POST", "create user", 201],
      ["POST", "create user", 403],
      ["PATCH", "patch user: deactivate", 200],
      ["PUT", "replace user: reactivate", 200],
      ["POST", "create group", 201],
      ["PATCH", "patch group: add 3 members, remove 1", 400],
    ]);
    expect(rows[0]).toMatchObject({ resource_type: "User", user_name: "ada@acme.test", user_agent: OKTA_AGENT });
    expect(rows[1]).toMatchObject({
      resource_id: ada.id,
      user_name: "ada@acme.test",
      external_id: "00u1",
      display_name: "Ada L",
      provider: "okta",
      failed: 0,
      scim_type: null,
    });
    expect(rows[2]).toMatchObject({ user_name: "bob@acme.test", failed: 1 });
    expect(String(rows[2].detail)).toContain("1 of 1 licences are in use");
    expect(rows[6]).toMatchObject({ resource_type: "Group", resource_id: group.id, display_name: "Sales" });
    expect(rows[6].scim_type).toBe("invalidValue");
    expect(rows.every((r) => typeof r.duration_ms === "number")).toBe(true);
  });

  it("records the uniqueness refusal with its scimType and detail, and lists it newest first with filters", async () => {
    const tenant = await createTenant();
    await createUser(tenant, "jane@acme.test");
    const duplicate = await okta(tenant, "/Users", { method: "POST", json: user("JANE@acme.test") });
    expect(duplicate.status).toBe(409);
    await okta(tenant, "/Users?startIndex=1&count=2");
    await recorded(tenant.orgId, 3);

    const all = await list(tenant.orgId);
    expect(all.requests.map((r) => r.operation)).toEqual(["list users", "create user", "create user"]);
    const errors = await list(tenant.orgId, "status=error");
    expect(errors.requests).toHaveLength(1);
    expect(errors.requests[0]).toMatchObject({
      orgId: tenant.orgId,
      method: "POST",
      resourceType: "User",
      operation: "create user",
      status: 409,
      outcome: "error",
      scimType: "uniqueness",
      userName: "JANE@acme.test",
      userAgent: OKTA_AGENT,
      provider: "okta",
    });
    expect(errors.requests[0].detail.toLowerCase()).toContain("jane@acme.test");
    expect((await list(tenant.orgId, "status=ok")).requests).toHaveLength(2);
    expect((await list(tenant.orgId, "method=GET")).requests.map((r) => r.operation)).toEqual(["list users"]);
    expect((await list(tenant.orgId, "resourceType=Group")).requests).toEqual([]);
    // q: the start of the name it concerned, in any case.
    expect((await list(tenant.orgId, "q=jane")).requests).toHaveLength(2);
    expect((await list(tenant.orgId, "q=JANE%40ACME")).requests).toHaveLength(2);
    expect((await list(tenant.orgId, "q=acme")).requests).toEqual([]);
    expect((await list(tenant.orgId, "since=2999-01-01T00:00:00Z")).requests).toEqual([]);
  });

  it("pages with a cursor over the index, newest first", async () => {
    const tenant = await createTenant();
    for (let i = 0; i < 7; i++) await scim(tenant, `/Users/${crypto.randomUUID()}`);
    await recorded(tenant.orgId, 7);
    const seen: any[] = [];
    let cursor: string | null = null;
    do {
      const page: { requests: any[]; nextCursor: string | null } = await list(
        tenant.orgId,
        `limit=3${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`,
      );
      expect(page.requests.length).toBeLessThanOrEqual(3);
      seen.push(...page.requests);
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen).toHaveLength(7);
    const keys = seen.map((r) => `${r.at}|${r.id}`);
    expect(keys).toEqual([...keys].sort().reverse());
    expect(seen.every((r) => r.operation === "get user" && r.status === 404)).toBe(true);
    const plan = await shardOf(tenant.orgId)
      .prepare(
        "EXPLAIN QUERY PLAN SELECT * FROM scim_requests WHERE org_id = ? AND failed = 1 AND (at, id) < (?, ?) ORDER BY at DESC, id DESC LIMIT 51",
      )
      .bind(tenant.orgId, "2999", "z")
      .all<{ detail: string }>();
    expect(plan.results.map((r) => r.detail).join(" ")).toMatch(/USING (COVERING )?INDEX scim_requests_org_failed_at/);
    expect(plan.results.map((r) => r.detail).join(" ")).not.toContain("TEMP B-TREE");
  });

  it("refuses bad parameters with the admin error", async () => {
    const tenant = await createTenant();
    for (const q of ["status=failed", "method=TRACE", "since=yesterday", "limit=0", "cursor=garbage", "q="]) {
      const response = await admin(`/organizations/${tenant.orgId}/scim/requests?${q}`);
      expect(response.status, q).toBe(400);
      expect(((await response.json()) as any).error.code).toBe("invalid_request");
    }
    expect((await admin("/organizations/nope/scim/requests")).status).toBe(404);
  });

  it("records failed authentication for a known organization only, and never a secret in any field", async () => {
    const tenant = await createTenant();
    const password = "hunter2-Sup3rSecret!";
    await okta(tenant, "/Users", { method: "POST", json: user("pw@acme.test", { password }) });
    await okta(tenant, "/Users", { method: "POST", json: user("pw@acme.test", { password }) }); // 409
    await okta(tenant, "/Users", { method: "POST", json: user("pw2@acme.test", { password }), token: "scim_wrong" });
    await okta(tenant, "/Users", { method: "GET", token: "" });
    await call(`/scim/v2/${tenant.orgId}/Users`, { headers: { Authorization: `Basic ${btoa(`u:${password}`)}` } });
    await call(`/scim/v2/${crypto.randomUUID()}/Users`, { token: tenant.token }); // unknown organization
    const rows = await recorded(tenant.orgId, 5);
    expect(rows.map((r) => r.status)).toEqual([201, 409, 401, 401, 401]);
    expect(rows[2]).toMatchObject({ operation: "create user", stale_token: 0, provider: "okta" });
    const everything = JSON.stringify(rows);
    for (const secret of [tenant.token, password, "scim_wrong", btoa(`u:${password}`), ADMIN_SECRET]) {
      expect(everything).not.toContain(secret);
    }
    expect(everything).not.toMatch(/Bearer scim_|Basic /);
  });

  it("records a PATCH's paths by their shape: no filter literal, of any form, is stored or listed", async () => {
    const tenant = await createTenant();
    const ada = await createUser(tenant, "ada@acme.test", {
      emails: [{ value: "ada@acme.test", type: "work", primary: true }],
      phoneNumbers: [{ value: "+1 555 0100", type: "mobile" }],
      addresses: [{ formatted: "1 Rue de Rivoli", postalCode: "75001", locality: "Lyon" }],
    });
    const literals = ["ada-home-7f3c", "+1 555 0100", "mobile-8d2e", "4242"];
    const patched = await okta(tenant, `/Users/${ada.id}`, {
      method: "PATCH",
      json: patchOp(
        { op: "replace", path: 'emails[value eq "ada@acme.test"].display', value: "Work" },
        { op: "add", path: `emails[type eq "${literals[0]}"].value`, value: "ada.home@acme.test" },
        {
          op: "remove",
          path: `phoneNumbers[value eq "${literals[1]}" or (type eq "${literals[2]}" and primary eq false)]`,
        },
        {
          op: "replace",
          value: { [`addresses[not (postalCode eq "${literals[3]}") and formatted pr].locality`]: "Paris" },
        },
      ),
    });
    expect(patched.status, await patched.clone().text()).toBe(200);
    expect(((await patched.json()) as any).addresses[0].locality).toBe("Paris");
    const [, row] = await recorded(tenant.orgId, 2);
    expect(row.operation).toBe(
      "patch user: replace emails[value eq …].display, add emails[type eq …].value, remove phoneNumbers[value eq … or type eq … and primary eq …], replace addresses[not (postalCode eq …) and formatted pr].locality",
    );
    const stored = JSON.stringify(row);
    const listed = JSON.stringify((await list(tenant.orgId)).requests);
    for (const literal of literals) {
      expect(stored).not.toContain(literal);
      expect(listed).not.toContain(literal);
    }
  });

  it("stores a refused filter's or PATCH path's error without its literals, and still names what was wrong", async () => {
    const tenant = await createTenant();
    const ada = await createUser(tenant, "ada@acme.test");
    const group = await (
      await okta(tenant, "/Groups", { method: "POST", json: { schemas: [GROUP], displayName: "Eng" } })
    ).json<{ id: string }>();
    const literal = (n: number) => `lit${n}x7q`;
    const filters = [
      `userName eq ${literal(1)}`, // an unquoted word where a value goes
      `userName eq "${literal(2)}" and (`, // cut short
      `userName eq "a" and ${literal(3)} eq "b" or`, // a stray word
      `password eq ${literal(4)}`,
      `name.givenName eq 4${literal(5)}`,
      `userName eq "${literal(6)}\\x"`, // not a JSON string
      `${"not (".repeat(20)}userName eq "${literal(7)}"${")".repeat(20)}`, // too deep
    ];
    for (const filter of filters) {
      const response = await okta(tenant, `/Users?filter=${encodeURIComponent(filter)}`);
      expect(response.status, filter).toBe(400);
    }
    const paths = [
      `emails[value eq "${literal(8)}"`, // no closing bracket
      `emails[value eq "${literal(9)}"]x`, // text after the filter
      `emails[value eq "${literal(10)}" and]`, // a bad value filter
      `emails[type eq "${literal(11)}"].nothing`, // an unknown sub-attribute
      `userName[value eq "${literal(12)}"]`, // not multi-valued
    ];
    for (const path of paths) {
      const response = await okta(tenant, `/Users/${ada.id}`, {
        method: "PATCH",
        json: patchOp({ op: "replace", path, value: "x" }),
      });
      expect(response.status, path).toBe(400);
    }
    for (const path of [`members[value eq "${literal(13)}" and]`, `members[display eq "${literal(14)}"]`]) {
      const response = await okta(tenant, `/Groups/${group.id}`, {
        method: "PATCH",
        json: patchOp({ op: "remove", path }),
      });
      expect(response.status, path).toBe(400);
    }
    const rows = await recorded(tenant.orgId, 2 + filters.length + paths.length + 2);
    const refused = rows.filter((row) => row.status === 400);
    expect(refused).toHaveLength(filters.length + paths.length + 2);
    const stored = JSON.stringify(refused);
    for (let n = 1; n <= 14; n++) expect(stored).not.toContain(literal(n));
    // The details still say what was wrong, by position and attribute.
    expect(refused.map((row) => row.detail)).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/expected a value .* found a word at character 13/),
        expect.stringContaining('"emails[…" has no "]"'),
        expect.stringContaining('"emails[type eq …].nothing"'),
      ]),
    );
  });

  it("does not record when SCIM_REQUEST_LOG is off", async () => {
    const tenant = await createTenant();
    const request = new Request(`https://scim.test/scim/v2/${tenant.orgId}/Users`, {
      headers: { Authorization: `Bearer ${tenant.token}` },
    });
    const ctx = createExecutionContext();
    const response = await worker.fetch!(request as any, { ...env, SCIM_REQUEST_LOG: "off" }, ctx);
    expect(response.status).toBe(200);
    await scim(tenant, "/Groups"); // one recorded request to wait for
    const rows = await recorded(tenant.orgId, 1);
    expect(rows[0].operation).toBe("list groups");
  });
});

const ADMIN_SECRET = env.ADMIN_TOKEN;

describe("the request log's pipeline", () => {
  const record = (orgId: string, overrides: Partial<ScimRequestRecord> = {}): ScimRequestRecord => ({
    id: crypto.randomUUID(),
    orgId,
    at: new Date().toISOString(),
    method: "GET",
    resourceType: "User",
    operation: "list users",
    status: 200,
    durationMs: 3,
    staleToken: false,
    ...overrides,
  });

  it("records every request of a concurrent burst, each request sending its own", async () => {
    const tenant = await createTenant();
    const member = await createUser(tenant, "burst@acme.test");
    await recorded(tenant.orgId, 1);
    const sendBatch = vi.spyOn(env.ACTIVITY_QUEUE, "sendBatch");
    const title = (i: number) => patchOp({ op: "replace", path: "title", value: `T${i}` });
    const responses = await Promise.all(
      Array.from({ length: 16 }, (_, i) =>
        i % 2 === 0
          ? okta(tenant, `/Users/${member.id}`)
          : okta(tenant, `/Users/${member.id}`, { method: "PATCH", json: title(i) }),
      ),
    );
    expect(responses.map((r) => r.status)).toEqual(Array(16).fill(200));
    const rows = await recorded(tenant.orgId, 17);
    expect(rows.filter((r) => r.operation === "get user")).toHaveLength(8);
    // One send per request: a PATCH's record goes with its activity entry, never with another request's.
    expect(sendBatch).toHaveBeenCalledTimes(16);
    for (const [messages] of sendBatch.mock.calls) {
      expect([...messages].filter(({ body }) => body.kind === "scim_request")).toHaveLength(1);
    }
  });

  it("writes records straight to D1 when the queue is down", async () => {
    const tenant = await createTenant();
    vi.spyOn(console, "error").mockImplementation(() => {});
    vi.spyOn(env.ACTIVITY_QUEUE, "send").mockRejectedValue(new Error("queue unavailable"));
    vi.spyOn(env.ACTIVITY_QUEUE, "sendBatch").mockRejectedValue(new Error("queue unavailable"));
    expect((await scim(tenant, "/Users")).status).toBe(200);
    expect((await scim(tenant, "/Users", { token: "scim_nope" })).status).toBe(401);
    const rows = await recorded(tenant.orgId, 2);
    expect(rows.map((r) => r.status)).toEqual([200, 401]);
    expect((await health(tenant.orgId)).requestsLast24h).toBe(2);
  });

  it("never writes or counts a record twice when the queue delivers it again", async () => {
    const tenant = await createTenant();
    const records = [record(tenant.orgId), record(tenant.orgId, { status: 404, operation: "get user" })];
    for (let delivery = 1; delivery <= 2; delivery++) {
      const batch = createMessageBatch(
        "scim-activity",
        records.map((request, i) => ({
          id: `r${i}`,
          timestamp: new Date(),
          attempts: delivery,
          body: { kind: "scim_request", request },
        })),
      );
      const ctx = createExecutionContext();
      await worker.queue(batch, env);
      expect((await getQueueResult(batch, ctx)).explicitAcks.sort()).toEqual(["r0", "r1"]);
    }
    expect(await storedRows(tenant.orgId)).toHaveLength(2);
    const status = await health(tenant.orgId);
    expect(status).toMatchObject({ requestsLast24h: 2, errorsLast24h: 1 });
  });

  it("purges records past SCIM_LOG_RETENTION_DAYS in bounded batches, keeping the rest", async () => {
    const tenant = await createTenant();
    const old = new Date(Date.now() - 31 * 86_400_000).toISOString();
    const rows = Array.from({ length: 1500 }, (_, i) =>
      shardOf(tenant.orgId)
        .prepare(
          "INSERT INTO scim_requests (id, org_id, at, method, operation, status, failed, duration_ms) VALUES (?, ?, ?, 'GET', 'list users', 200, 0, 1)",
        )
        .bind(crypto.randomUUID(), tenant.orgId, old.replace(/\d{3}Z$/, `${String(i % 1000).padStart(3, "0")}Z`)),
    );
    for (let i = 0; i < rows.length; i += 500) await shardOf(tenant.orgId).batch(rows.slice(i, i + 500));
    await scim(tenant, "/Users");
    await recorded(tenant.orgId, 1501);

    await worker.scheduled(createScheduledController({ scheduledTime: new Date(), cron: "17 3 * * *" }), env);
    const kept = await storedRows(tenant.orgId);
    expect(kept.map((r) => r.operation)).toEqual(["list users"]);
    expect(Date.parse(String(kept[0].at))).toBeGreaterThan(Date.now() - 86_400_000);

    // A shorter retention, as configured in wrangler.toml's [vars].
    await worker.scheduled(
      createScheduledController({ scheduledTime: new Date(Date.now() + 2 * 86_400_000), cron: "17 3 * * *" }),
      { ...env, SCIM_LOG_RETENTION_DAYS: "1" },
    );
    expect(await storedRows(tenant.orgId)).toEqual([]);
  });
});

describe("connection health", () => {
  it("counts successes, errors and last times from the pipeline's counters", async () => {
    const tenant = await createTenant();
    const fresh = await health(tenant.orgId);
    expect(fresh).toMatchObject({
      lastRequestAt: null,
      lastSuccessAt: null,
      lastErrorAt: null,
      requestsLast24h: 0,
      errorsLast24h: 0,
      tokenLastUsedAt: null,
      staleTokenAttempts: 0,
      warnings: [],
    });
    await scim(tenant, "/Users");
    await scim(tenant, `/Users/${crypto.randomUUID()}`); // 404
    await createUser(tenant, "h@acme.test");
    await recorded(tenant.orgId, 3);
    const after = await health(tenant.orgId);
    expect(after).toMatchObject({ requestsLast24h: 3, errorsLast24h: 1, staleTokenAttempts: 0, warnings: [] });
    expect(after.lastRequestAt).toBe(after.lastSuccessAt);
    expect(after.lastErrorAt < after.lastSuccessAt).toBe(true);
    expect(after.tokenLastUsedAt).toBe(after.lastRequestAt);

    await scim(tenant, "/Users", { token: "scim_not-a-token" });
    await recorded(tenant.orgId, 4);
    const failed = await health(tenant.orgId);
    expect(failed).toMatchObject({ requestsLast24h: 4, errorsLast24h: 2, staleTokenAttempts: 0 });
    expect(failed.lastErrorAt).toBe(failed.lastRequestAt);
    expect(failed.tokenLastUsedAt).toBe(after.tokenLastUsedAt); // a wrong token did not use the token
  });

  it("counts requests that still present a rotated or disabled token, from the last change on", async () => {
    const tenant = await createTenant();
    const orgPath = `/organizations/${tenant.orgId}`;
    const rotated = (await (await admin(`${orgPath}/scim/token`, { method: "POST" })).json()) as { token: string };
    await scim(tenant, "/Users"); // the old token
    await scim(tenant, "/Users"); // again
    await scim(tenant, "/Users", { token: "scim_never-issued" }); // wrong, but never ours
    await scim({ ...tenant, token: rotated.token }, "/Users"); // the new one works
    await recorded(tenant.orgId, 4);
    const status = await health(tenant.orgId);
    expect(status).toMatchObject({ staleTokenAttempts: 2, warnings: ["stale_token_attempts"] });
    const stale = await list(tenant.orgId, "status=error");
    expect(stale.requests.map((r) => r.staleToken)).toEqual([false, true, true]);

    // Turning provisioning off retires the current token as well; the count starts again.
    await admin(`${orgPath}/scim`, { method: "PUT", json: { enabled: false } });
    expect((await health(tenant.orgId)).staleTokenAttempts).toBe(0);
    await scim({ ...tenant, token: rotated.token }, "/Users");
    await scim(tenant, "/Users"); // the first token, still remembered
    await recorded(tenant.orgId, 6);
    expect((await health(tenant.orgId)).staleTokenAttempts).toBe(2);
    const retired = await shardOf(tenant.orgId)
      .prepare("SELECT token_hash FROM retired_scim_tokens WHERE org_id = ?")
      .bind(tenant.orgId)
      .all<{ token_hash: string }>();
    expect(retired.results).toHaveLength(2);
    expect(JSON.stringify(retired.results)).not.toContain(tenant.token);
  });

  it("warns when provisioning is on but nothing has called for a day", async () => {
    const tenant = await createTenant();
    await scim(tenant, "/Users");
    await recorded(tenant.orgId, 1);
    await shardOf(tenant.orgId)
      .prepare("UPDATE scim_health SET last_request_at = ? WHERE org_id = ?")
      .bind(new Date(Date.now() - 25 * 3_600_000).toISOString(), tenant.orgId)
      .run();
    expect((await health(tenant.orgId)).warnings).toEqual(["no_recent_calls"]);
    await admin(`/organizations/${tenant.orgId}/scim`, { method: "PUT", json: { enabled: false } });
    expect((await health(tenant.orgId)).warnings).toEqual([]);
  });
});
