import { env, exports } from "cloudflare:workers";
import { homeShard, shardBinding, shardCount } from "../src/db/shards";

export const ORIGIN = "https://scim.test";
export const ADMIN_TOKEN = env.ADMIN_TOKEN;
export const SCIM_JSON = "application/scim+json; charset=utf-8";
export const USER_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:User";
export const ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
export const PATCH_OP = "urn:ietf:params:scim:api:messages:2.0:PatchOp";
export const GROUP_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:Group";
export const ERROR_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:Error";

/** A body's bytes, for requests that must send exact (sometimes invalid) UTF-8. */
export const bytes = (text: string) => new TextEncoder().encode(text);

/** A request to the real worker, as a client on the network would send it. */
export function call(path: string, init: RequestInit & { json?: unknown; token?: string } = {}) {
  const { json, token, ...rest } = init;
  const headers = new Headers(rest.headers);
  if (token !== undefined) headers.set("Authorization", `Bearer ${token}`);
  if (json !== undefined) headers.set("Content-Type", "application/json");
  return exports.default.fetch(
    new Request(`${ORIGIN}${path}`, { ...rest, headers, body: json === undefined ? rest.body : JSON.stringify(json) }),
  );
}

/** The shard an organization lives on (the one its id names: tests that move one know where it went). */
export const shardOf = (orgId: string): D1Database => env[shardBinding(homeShard(orgId))]!;

/** Every shard, in order: a fault injected for a test goes to all of them, wherever its organization landed. */
export const allShards = (): D1Database[] => Array.from({ length: shardCount(env) }, (_, k) => env[shardBinding(k)]!);

/** A query on every shard: for rows found by an id that names no organization (a member's, a team's). */
export const onEveryShard = <T>(query: (shard: D1Database) => Promise<T>): Promise<T[]> =>
  Promise.all(allShards().map(query));

/** A console request as a browser on this origin sends it: the session cookie, and Origin on a form POST. */
export function consoleRequest(
  path: string,
  init: { cookie?: string; form?: Record<string, string>; origin?: string } = {},
) {
  const headers = new Headers();
  if (init.cookie) headers.set("Cookie", `__Host-console_session=${init.cookie}`);
  if (init.form) {
    headers.set("Content-Type", "application/x-www-form-urlencoded");
    headers.set("Origin", init.origin ?? ORIGIN);
  }
  return call(path, {
    method: init.form ? "POST" : "GET",
    headers,
    body: init.form ? new URLSearchParams(init.form).toString() : undefined,
    redirect: "manual",
  });
}

/** The session id a response set, from its Set-Cookie. */
export function sessionFrom(response: Response): string {
  const match = /__Host-console_session=([^;]+)/.exec(response.headers.get("Set-Cookie") ?? "");
  if (!match) throw new Error(`no session cookie: ${response.status}`);
  return match[1];
}

/** The operator's console session, signed in with the admin token. */
export const signIn = async () =>
  sessionFrom(await consoleRequest("/console/sign-in", { form: { token: ADMIN_TOKEN } }));

export const admin = (path: string, init: RequestInit & { json?: unknown } = {}) =>
  call(`/admin/v1${path}`, { token: ADMIN_TOKEN, ...init });

/** An organization, on the shard named (tests of the db layer and domain query one shard), else where it is placed. */
export async function createOrganization(licenses = 50, name = "Acme", shard?: number) {
  const response = await admin("/organizations", { method: "POST", json: { name, licenses, shard } });
  if (response.status !== 201) throw new Error(`create organization: ${response.status}`);
  return (await response.json()) as { id: string; name: string; licenses: number; licensesUsed: number; shard: number };
}

/** A tenant with provisioning on: its id, Tenant URL path and Secret Token. */
export async function createTenant(options: { licenses?: number; provider?: string; shard?: number } = {}) {
  const organization = await createOrganization(options.licenses ?? 50, "Acme", options.shard);
  const response = await admin(`/organizations/${organization.id}/scim`, {
    method: "PUT",
    json: { enabled: true, provider: options.provider ?? "okta" },
  });
  const settings = (await response.json()) as { tenantUrl: string; token: string };
  return { orgId: organization.id, token: settings.token, tenantUrl: settings.tenantUrl };
}

export type Tenant = Awaited<ReturnType<typeof createTenant>>;

/** A SCIM request against a tenant, with its token and the SCIM content type. */
export function scim(tenant: Tenant, path: string, init: RequestInit & { json?: unknown; token?: string } = {}) {
  const { json, ...rest } = init;
  const headers = new Headers(rest.headers);
  if (json !== undefined) headers.set("Content-Type", "application/scim+json; charset=utf-8");
  return call(`/scim/v2/${tenant.orgId}${path}`, {
    token: tenant.token,
    ...rest,
    headers,
    body: json === undefined ? rest.body : JSON.stringify(json),
  });
}

export function user(userName: string, extra: Record<string, unknown> = {}) {
  return {
    schemas: [USER_SCHEMA],
    userName,
    name: { givenName: "Given", familyName: "Family" },
    emails: [{ primary: true, value: userName, type: "work" }],
    active: true,
    ...extra,
  };
}

export async function createUser(tenant: Tenant, userName: string, extra: Record<string, unknown> = {}) {
  const response = await scim(tenant, "/Users", { method: "POST", json: user(userName, extra) });
  if (response.status !== 201) throw new Error(`create user: ${response.status} ${await response.text()}`);
  return (await response.json()) as Record<string, any>;
}

/** Users `${prefix}0@acme.test`, `${prefix}1@acme.test`, … created through SCIM; their ids. */
export async function createUsers(tenant: Tenant, count: number, prefix = "u") {
  const created = [];
  for (let i = 0; i < count; i++) created.push(await createUser(tenant, `${prefix}${i}@acme.test`));
  return created.map((u) => u.id as string);
}

export async function createGroup(tenant: Tenant, displayName: string, members: string[] = [], extra: object = {}) {
  const response = await scim(tenant, "/Groups", {
    method: "POST",
    json: { schemas: [GROUP_SCHEMA], displayName, members: members.map((value) => ({ value })), ...extra },
  });
  if (response.status !== 201) throw new Error(`create group: ${response.status} ${await response.text()}`);
  return (await response.json()) as Record<string, any>;
}

export const patchOp = (...operations: unknown[]) => ({ schemas: [PATCH_OP], Operations: operations });

type ActivityRow = {
  action: string;
  actor: string;
  target_type: string;
  target_id: string | null;
  target_name: string | null;
  changes: string | null;
};

/** A tenant's activity_log as it is now, without waiting for entries still on their way. */
export const readActivity = async (orgId: string) =>
  (
    await shardOf(orgId)
      .prepare(
        "SELECT action, actor, target_type, target_id, target_name, changes FROM activity_log WHERE org_id = ? ORDER BY at, rowid",
      )
      .bind(orgId)
      .all<ActivityRow>()
  ).results;

/** How many of a tenant's committed activity entries the consumer has not written to activity_log yet. */
const pendingActivity = async (orgId: string) =>
  (await shardOf(orgId)
    .prepare("SELECT count(*) AS n FROM activity_outbox WHERE json_extract(entry, '$.orgId') = ?")
    .bind(orgId)
    .first<{ n: number }>())!.n;

/**
 * Activity entries of a tenant, oldest first, as the real queue consumer wrote them: waits until
 * every entry committed so far has left the outbox (the consumer writes an entry to activity_log and
 * takes it out of the outbox in one batch), however slowly the queue delivers on a loaded machine.
 */
export async function activity(orgId: string): Promise<ActivityRow[]> {
  for (let waited = 0; waited < 20_000; waited += 25) {
    if ((await pendingActivity(orgId)) === 0) return readActivity(orgId);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error("activity entries stayed in the outbox for 20 s");
}

/** The SCIM request log and the counters its trigger keeps: they record every request, refused ones too. */
const REQUEST_LOG_TABLES = new Set(["scim_requests", "scim_request_hours", "scim_health"]);
let tenantTables: Promise<{ name: string }[]> | undefined; // the migrations ran before any test

/**
 * Every stored row of an organization: its organizations row and its rows in every table with an
 * org_id column (found from the schema, so tables added later are covered too) except the request
 * log, and its pending activity entries. Equal before and after a refused request means the request changed nothing.
 */
export async function tenantRows(orgId: string): Promise<Record<string, unknown[]>> {
  const db = shardOf(orgId);
  // Every shard has the same tables.
  tenantTables ??= env.DB_SHARD_0.prepare(
    // pragma_table_info is not allowed in D1; the CREATE statement names the column.
    "SELECT name FROM sqlite_master WHERE type = 'table' AND sql LIKE '%org_id%' ORDER BY name",
  )
    .all<{ name: string }>()
    .then(({ results }) => results.filter(({ name }) => !REQUEST_LOG_TABLES.has(name)));
  const tables = await tenantTables;
  const statements = [
    db.prepare("SELECT * FROM organizations WHERE id = ?").bind(orgId),
    // The activity outbox keeps the organization inside each pending entry.
    db.prepare("SELECT * FROM activity_outbox WHERE json_extract(entry, '$.orgId') = ?").bind(orgId),
    ...tables.map(({ name }) => db.prepare(`SELECT * FROM "${name}" WHERE org_id = ?`).bind(orgId)),
  ];
  const results = await db.batch(statements);
  const sorted = (rows: unknown[]) => rows.map((row) => JSON.stringify(row)).sort();
  return Object.fromEntries(
    ["organizations", "activity_outbox", ...tables.map((t) => t.name)].map((name, i) => [
      name,
      sorted(results[i].results),
    ]),
  );
}
