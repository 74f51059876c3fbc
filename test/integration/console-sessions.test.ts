import { createScheduledController } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import worker from "../../src/index";
import {
  ADMIN_TOKEN,
  admin,
  call,
  consoleRequest,
  createOrganization,
  createTenant,
  ORIGIN,
  scim,
  sessionFrom,
  tenantRows,
  user,
} from "../helpers";

async function operatorSession() {
  return sessionFrom(await consoleRequest("/console/sign-in", { form: { token: ADMIN_TOKEN, next: "/console" } }));
}

async function consoleLink(orgId: string) {
  const response = await admin(`/organizations/${orgId}/console-links`, { method: "POST" });
  expect(response.status).toBe(201);
  return (await response.json()) as { url: string; expiresAt: string };
}

async function sha256Hex(text: string) {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text)));
  return [...digest].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/** A link's token: its fragment, which the browser never sends (the page's script posts it). */
const linkToken = (url: string) => new URL(url).hash.slice(1);

async function orgSession(orgId: string) {
  const { url } = await consoleLink(orgId);
  return sessionFrom(await consoleRequest("/console/link", { form: { token: linkToken(url) } }));
}

afterEach(() => {
  vi.useRealTimers();
});

describe("console sign-in and cookie", () => {
  it("signs the operator in with ADMIN_TOKEN into a __Host- cookie that is HttpOnly, Secure and SameSite=Strict", async () => {
    const response = await consoleRequest("/console/sign-in", {
      form: { token: ADMIN_TOKEN, next: "/console/orgs?q=a" },
    });
    expect(response.status).toBe(303);
    expect(response.headers.get("Location")).toBe("/console/orgs?q=a");
    const cookie = response.headers.get("Set-Cookie")!;
    expect(cookie).toMatch(/^__Host-console_session=[A-Za-z0-9_-]{40,};/);
    expect(cookie).toContain("Path=/");
    expect(cookie).toContain("HttpOnly");
    expect(cookie).toContain("Secure");
    expect(cookie).toContain("SameSite=Strict");
    expect(cookie).not.toContain("Domain");

    // Only the hash of the session id is stored.
    const id = sessionFrom(response);
    const rows = await env.DB_CONTROL.prepare("SELECT * FROM console_sessions").all<{ id_hash: string }>();
    expect(rows.results.map((r) => r.id_hash)).toContain(await sha256Hex(id));
    expect(JSON.stringify(rows.results)).not.toContain(id);
    expect((await consoleRequest("/console/orgs", { cookie: id })).status).toBe(200);
  });

  it("refuses a wrong admin token without echoing it, and never redirects outside the console", async () => {
    const wrong = await consoleRequest("/console/sign-in", { form: { token: "guess-123", next: "/console" } });
    expect(wrong.status).toBe(401);
    expect(wrong.headers.get("Set-Cookie")).toBeNull();
    const body = await wrong.text();
    expect(body).toContain("not the admin token");
    expect(body).not.toContain("guess-123");

    const offsite = await consoleRequest("/console/sign-in", {
      form: { token: ADMIN_TOKEN, next: "https://evil.test/x" },
    });
    expect(offsite.headers.get("Location")).toBe("/console/orgs");
  });

  it("sends a visitor without a session to sign-in, remembering the page asked for", async () => {
    const response = await consoleRequest("/console/orgs?q=acme");
    expect(response.status).toBe(303);
    expect(response.headers.get("Location")).toBe(
      `/console/sign-in?next=${encodeURIComponent("/console/orgs?q=acme")}`,
    );
  });

  it("deletes the session on sign-out", async () => {
    const id = await operatorSession();
    const out = await consoleRequest("/console/sign-out", { cookie: id, form: {} });
    expect(out.status).toBe(303);
    expect(out.headers.get("Set-Cookie")).toMatch(/__Host-console_session=;.*Max-Age=0/);
    expect((await consoleRequest("/console/orgs", { cookie: id })).headers.get("Location")).toMatch(
      /^\/console\/sign-in/,
    );
    const stored = await env.DB_CONTROL.prepare("SELECT count(*) AS count FROM console_sessions WHERE id_hash = ?")
      .bind(await sha256Hex(id))
      .first<{ count: number }>();
    expect(stored?.count).toBe(0);
  });

  it("never accepts the session cookie on /admin/v1 or /scim/v2", async () => {
    const organization = await createOrganization();
    const id = await operatorSession();
    expect((await consoleRequest(`/admin/v1/organizations/${organization.id}`, { cookie: id })).status).toBe(401);
    expect((await consoleRequest(`/scim/v2/${organization.id}/Users`, { cookie: id })).status).toBe(401);
  });
});

describe("console session expiry", () => {
  it("ends a session after an hour without a request, back to sign-in and then to the page asked for", async () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(new Date("2026-12-01T08:00:00Z"));
    const id = await operatorSession();
    vi.setSystemTime(new Date("2026-12-01T08:59:00Z"));
    expect((await consoleRequest("/console/orgs", { cookie: id })).status).toBe(200); // and now last seen 08:59
    vi.setSystemTime(new Date("2026-12-01T09:58:59Z"));
    expect((await consoleRequest("/console/orgs", { cookie: id })).status).toBe(200);
    vi.setSystemTime(new Date("2026-12-01T10:59:00Z"));
    const expired = await consoleRequest("/console/orgs?q=x", { cookie: id });
    expect(expired.status).toBe(303);
    expect(expired.headers.get("Location")).toBe(
      `/console/sign-in?next=${encodeURIComponent("/console/orgs?q=x")}&expired=1`,
    );
    expect(expired.headers.get("Set-Cookie")).toMatch(/Max-Age=0/);
    expect((await consoleRequest("/console/sign-in?next=%2Fconsole%2Forgs&expired=1")).status).toBe(200);
    // Gone for good, even if the clock went back.
    vi.setSystemTime(new Date("2026-12-01T09:00:00Z"));
    expect((await consoleRequest("/console/orgs", { cookie: id })).status).toBe(303);
  });

  it("ends a session 12 hours after sign-in however busy it was", async () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    const start = Date.parse("2026-12-01T00:00:00Z");
    vi.setSystemTime(start);
    const id = await operatorSession();
    for (let hour = 0.5; hour < 12; hour += 0.5) {
      vi.setSystemTime(start + hour * 3_600_000);
      expect((await consoleRequest("/console/orgs", { cookie: id })).status).toBe(200);
    }
    vi.setSystemTime(start + 12 * 3_600_000);
    expect((await consoleRequest("/console/orgs", { cookie: id })).status).toBe(303);
  });
});

describe("console links", () => {
  it("mints a link that signs in once, within 10 minutes, to that organization only", async () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(new Date("2026-12-01T08:00:00Z"));
    const organization = await createOrganization(5, "Linked Co");
    const { url, expiresAt } = await consoleLink(organization.id);
    expect(expiresAt).toBe("2026-12-01T08:10:00.000Z");
    const token = linkToken(url);
    // Stored as a hash only.
    const stored = await env.DB_CONTROL.prepare("SELECT * FROM console_links WHERE org_id = ?")
      .bind(organization.id)
      .all();
    expect(JSON.stringify(stored.results)).not.toContain(token);

    // Checking the link names its organization and does not use it (a mail scanner running the
    // page's script spends nothing); the whole link pasted works as well as its token.
    for (const typed of [token, url]) {
      const preview = await consoleRequest("/console/link/check", { form: { token: typed } });
      expect(preview.status).toBe(200);
      const html = await preview.text();
      expect(html).toContain("Open the Linked Co console");
      expect(html).toContain('action="/console/link"');
    }

    const used = await consoleRequest("/console/link", { form: { token } });
    expect(used.status).toBe(303);
    expect(used.headers.get("Location")).toBe(`/console/orgs/${organization.id}/members`);
    sessionFrom(used);

    // Single use: the second try, checked or used, is refused with the way out.
    const again = await consoleRequest("/console/link", { form: { token } });
    expect(again.status).toBe(410);
    expect(again.headers.get("Set-Cookie")).toBeNull();
    expect(await again.text()).toContain("Ask your provider for a new link");
    expect((await consoleRequest("/console/link/check", { form: { token } })).status).toBe(410);
  });

  it("puts a link's token in the URL's fragment, which no request carries, and never reads one from a query", async () => {
    const organization = await createOrganization(5, "Fragment Co");
    const { url } = await consoleLink(organization.id);
    expect(url).toMatch(new RegExp(`^${ORIGIN}/console/link#cl_[A-Za-z0-9_-]{43}$`));
    const token = linkToken(url);
    // What the browser requests is the URL without its fragment: the page holds the form the script fills.
    const opened = await consoleRequest(new URL(url).pathname + new URL(url).search);
    expect(opened.status).toBe(200);
    const html = await opened.text();
    expect(html).toContain('action="/console/link/check"');
    expect(html).toContain("data-link-form");
    expect(html).not.toContain("Fragment Co");
    // A token in the query string (where URL logs would keep it) is not looked at, let alone used.
    const queried = await consoleRequest(`/console/link?token=${token}`);
    expect(await queried.text()).not.toContain(token);
    expect((await consoleRequest("/console/link/check", { form: { token } })).status).toBe(200);
  });

  it("refuses a link after 10 minutes", async () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(new Date("2026-12-01T08:00:00Z"));
    const organization = await createOrganization();
    const token = linkToken((await consoleLink(organization.id)).url);
    vi.setSystemTime(new Date("2026-12-01T08:10:00Z"));
    expect((await consoleRequest("/console/link/check", { form: { token } })).status).toBe(410);
    expect((await consoleRequest("/console/link", { form: { token } })).status).toBe(410);
  });

  it("lets only one of two concurrent redemptions of a link through", async () => {
    const organization = await createOrganization();
    const token = linkToken((await consoleLink(organization.id)).url);
    const results = await Promise.all([1, 2, 3].map(() => consoleRequest("/console/link", { form: { token } })));
    expect(results.map((r) => r.status).sort()).toEqual([303, 410, 410]);
  });

  it("answers 404 for a link to an unknown organization", async () => {
    const response = await admin("/organizations/nope/console-links", { method: "POST" });
    expect(response.status).toBe(404);
  });
});

describe("organization-scoped sessions", () => {
  it("sees its own organization and gets 404 for any other, for the organization list and for the admin API", async () => {
    const mine = await createOrganization(5, "Mine");
    const theirs = await createOrganization(5, "Theirs");
    const id = await orgSession(mine.id);
    expect((await consoleRequest(`/console/orgs/${mine.id}/settings`, { cookie: id })).status).toBe(200);
    expect((await consoleRequest("/console", { cookie: id })).headers.get("Location")).toBe(
      `/console/orgs/${mine.id}/members`,
    );

    for (const path of [
      `/console/orgs/${theirs.id}/settings`,
      `/console/orgs/${theirs.id}`,
      "/console/orgs/does-not-exist/settings",
      "/console/orgs",
    ]) {
      const response = await consoleRequest(path, { cookie: id });
      expect(response.status, path).toBe(404);
      expect(await response.text()).not.toContain("Theirs");
    }
    const write = await consoleRequest(`/console/orgs/${theirs.id}/settings/provisioning`, {
      cookie: id,
      form: { provider: "okta", enabled: "on" },
    });
    expect(write.status).toBe(404);
    expect(((await (await admin(`/organizations/${theirs.id}`)).json()) as any).scim.enabled).toBe(false);
    const create = await consoleRequest("/console/orgs", { cookie: id, form: { name: "Sneaky", licenses: "5" } });
    expect(create.status).toBe(404);
    expect((await consoleRequest(`/admin/v1/organizations/${mine.id}`, { cookie: id })).status).toBe(401);
  });
});

describe("console request protection", () => {
  it("refuses a cross-site form post, signed in or not, and changes nothing", async () => {
    const organization = await createOrganization();
    const id = await operatorSession();
    const forged = await consoleRequest(`/console/orgs/${organization.id}/settings/provisioning`, {
      cookie: id,
      form: { provider: "okta", enabled: "on" },
      origin: "https://evil.test",
    });
    expect(forged.status).toBe(403);
    expect(((await (await admin(`/organizations/${organization.id}`)).json()) as any).scim.enabled).toBe(false);
    const signIn = await consoleRequest("/console/sign-in", {
      form: { token: ADMIN_TOKEN },
      origin: "https://evil.test",
    });
    expect(signIn.status).toBe(403);
    expect(signIn.headers.get("Set-Cookie")).toBeNull();
  });

  it("sends a strict Content-Security-Policy on every console page", async () => {
    const organization = await createOrganization();
    const id = await operatorSession();
    const paths = [
      "/console/sign-in",
      "/console/link",
      "/console/orgs",
      `/console/orgs/${organization.id}/settings`,
      "/console/no-such-page",
    ];
    for (const path of paths) {
      const response = await consoleRequest(path, { cookie: id });
      const csp = response.headers.get("Content-Security-Policy") ?? "";
      expect(csp, path).toContain("default-src 'none'");
      expect(csp, path).toContain("script-src 'self'");
      expect(csp, path).toContain("style-src 'self'");
      expect(csp, path).toContain("frame-ancestors 'none'");
      expect(csp, path).not.toContain("unsafe-inline");
      expect(response.headers.get("Cache-Control"), path).toBe("no-store");
      const html = await response.text();
      // Nothing inline for the policy to have to allow: no inline script, no style attribute.
      expect(html, path).not.toMatch(/<script(?![^>]*\ssrc=)/);
      expect(html, path).not.toMatch(/\sstyle=/);
    }
  });
});

describe("unreadable forms", () => {
  /** Bodies the runtime cannot read as a form: multipart cut short, and multipart without its boundary. */
  const UNREADABLE = [
    ["multipart/form-data; boundary=cut", '--cut\r\nContent-Disposition: form-data; name="token"\r\n\r\nabc'],
    ["multipart/form-data", "token=abc&email=x%40y.test"],
  ] as const;
  const post = (path: string, [type, body]: (typeof UNREADABLE)[number], cookie?: string) =>
    call(path, {
      method: "POST",
      headers: {
        "Content-Type": type,
        Origin: ORIGIN,
        ...(cookie ? { Cookie: `__Host-console_session=${cookie}` } : {}),
      },
      body,
      redirect: "manual",
    });

  it("answer 400 with the page's error on sign-in, links and every signed-in form, and change nothing", async () => {
    const tenant = await createTenant();
    const orgId = tenant.orgId;
    await admin(`/organizations/${orgId}/members`, { method: "POST", json: { email: "held@forms.test" } });
    // Okta's create of an email a manual member holds leaves a conflict to decide.
    expect((await scim(tenant, "/Users", { method: "POST", json: user("held@forms.test") })).status).toBe(409);
    const member = (await (await admin(`/organizations/${orgId}/members?q=held`)).json()) as any;
    const memberId = member.members[0].id as string;
    const team = (await (
      await admin(`/organizations/${orgId}/teams`, { method: "POST", json: { name: "Forms" } })
    ).json()) as any;
    const conflicts = (await (await admin(`/organizations/${orgId}/conflicts`)).json()) as any;
    const conflictId = conflicts.conflicts[0].id as string;
    const cookie = await operatorSession();
    const before = await tenantRows(orgId);
    const sessions = await env.DB_CONTROL.prepare("SELECT count(*) AS n FROM console_sessions").first<{ n: number }>();

    const org = `/console/orgs/${orgId}`;
    const signedIn = [
      "/console/orgs",
      `${org}/members`,
      `${org}/members/${memberId}`,
      `${org}/members/${memberId}/status`,
      `${org}/members/${memberId}/delete`,
      `${org}/teams`,
      `${org}/teams/${team.id}`,
      `${org}/teams/${team.id}/members`,
      `${org}/teams/${team.id}/members/${memberId}/remove`,
      `${org}/teams/${team.id}/delete`,
      `${org}/settings/provisioning`,
      `${org}/settings/token`,
      `${org}/settings/organization`,
      `${org}/conflicts/${conflictId}/resolve`,
    ];
    for (const body of UNREADABLE) {
      for (const path of ["/console/sign-in", "/console/link", "/console/link/check", ...signedIn]) {
        const response = await post(path, body, path.startsWith("/console/orgs") ? cookie : undefined);
        expect(response.status, `${path} ${body[0]}`).toBe(400);
        expect(response.headers.get("Set-Cookie"), path).toBeNull();
        const html = await response.text();
        expect(html, path).toMatch(/class="error" role="alert"[^>]*>The form arrived incomplete or malformed/);
      }
    }
    expect(await tenantRows(orgId)).toEqual(before);
    expect(await env.DB_CONTROL.prepare("SELECT count(*) AS n FROM console_sessions").first<{ n: number }>()).toEqual(
      sessions,
    );
  });
});

describe("console session upkeep", () => {
  it("the daily cron deletes sessions past 12 hours and expired links, and keeps live ones", async () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(new Date("2026-06-01T00:00:00Z"));
    const organization = await createOrganization();
    const old = await operatorSession();
    await consoleLink(organization.id);
    vi.setSystemTime(new Date("2026-06-01T11:00:00Z"));
    const fresh = await operatorSession();
    const count = async (table: string) =>
      (await env.DB_CONTROL.prepare(
        `SELECT count(*) AS n FROM ${table} WHERE ${table === "console_links" ? "org_id = ?" : "id_hash IN (?, ?)"}`,
      )
        .bind(...(table === "console_links" ? [organization.id] : [await sha256Hex(old), await sha256Hex(fresh)]))
        .first<{ n: number }>())!.n;
    expect(await count("console_sessions")).toBe(2);
    expect(await count("console_links")).toBe(1);

    const scheduledTime = new Date("2026-06-01T12:30:00Z");
    await worker.scheduled(createScheduledController({ scheduledTime, cron: "17 3 * * *" }), env);
    expect(await count("console_sessions")).toBe(1);
    expect(await count("console_links")).toBe(0);
    vi.setSystemTime(scheduledTime);
    expect((await consoleRequest("/console/orgs", { cookie: fresh })).status).toBe(303); // idle for 90 minutes by now
  });
});
