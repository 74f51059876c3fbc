import { createScheduledController } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import worker from "../../src/index";
import {
  ADMIN_TOKEN,
  activity,
  admin,
  call,
  ENTERPRISE,
  ORIGIN,
  patchOp,
  scim,
  shardOf,
  USER_SCHEMA,
  user,
} from "../helpers";

/**
 * A whole scenario — an organization set up, provisioned by its IdP, its token rotated, the console
 * used by the operator and by an organization admin, failed sign-ins and a D1 fault — with every
 * line the worker logs captured. No secret may appear in any of them, and every response carries
 * the security headers.
 */
const GROUP = "urn:ietf:params:scim:schemas:core:2.0:Group";
const PASSWORDS = ["Sup3r-Secret-Passw0rd!", "an0ther-secret-passw0rd"];

afterEach(() => vi.restoreAllMocks());

function captureLogs(): string[] {
  const lines: string[] = [];
  for (const method of ["log", "info", "warn", "error", "debug"] as const) {
    vi.spyOn(console, method).mockImplementation((...args: unknown[]) => {
      lines.push(args.map((arg) => (typeof arg === "string" ? arg : (JSON.stringify(arg) ?? String(arg)))).join(" "));
    });
  }
  return lines;
}

describe("secrets", () => {
  it("never logs a token, the admin token, a password, an Authorization value or a session cookie", async () => {
    const lines = captureLogs();
    const responses: Response[] = [];
    const secrets: string[] = [ADMIN_TOKEN, `Bearer ${ADMIN_TOKEN}`, ...PASSWORDS];
    const send = async (response: Promise<Response>) => {
      const answered = await response;
      responses.push(answered);
      return answered;
    };
    const form = (fields: Record<string, string>, cookie?: string) => ({
      method: "POST",
      redirect: "manual" as const,
      body: new URLSearchParams(fields).toString(),
      headers: {
        "Content-Type": "application/x-www-form-urlencoded",
        Origin: ORIGIN,
        ...(cookie ? { Cookie: cookie } : {}),
      },
    });

    // The operator sets an organization up; the token is shown once.
    const organization = (await (
      await send(admin("/organizations", { method: "POST", json: { name: "Secretive", licenses: 10 } }))
    ).json()) as any;
    const enabled = (await (
      await send(
        admin(`/organizations/${organization.id}/scim`, { method: "PUT", json: { enabled: true, provider: "entra" } }),
      )
    ).json()) as any;
    const tenant = {
      orgId: organization.id as string,
      token: enabled.token as string,
      tenantUrl: enabled.tenantUrl as string,
    };
    secrets.push(tenant.token, `Bearer ${tenant.token}`);

    // The identity provider provisions, with passwords in its bodies.
    const created = (await (
      await send(
        scim(tenant, "/Users", {
          method: "POST",
          json: { ...user("secret@acme.test"), password: PASSWORDS[0], [ENTERPRISE]: { department: "Vault" } },
        }),
      )
    ).json()) as any;
    await send(scim(tenant, `/Users?filter=${encodeURIComponent('userName eq "secret@acme.test"')}`));
    await send(
      scim(tenant, `/Users/${created.id}`, {
        method: "PATCH",
        json: patchOp(
          { op: "replace", path: "password", value: PASSWORDS[1] },
          { op: "replace", value: { active: "False" } },
        ),
      }),
    );
    await send(
      scim(tenant, `/Users/${created.id}`, {
        method: "PUT",
        json: { ...user("secret@acme.test"), password: PASSWORDS[1] },
      }),
    );
    const group = (await (
      await send(
        scim(tenant, "/Groups", {
          method: "POST",
          json: { schemas: [GROUP], displayName: "Keepers", members: [{ value: created.id }] },
        }),
      )
    ).json()) as any;
    await send(
      scim(tenant, `/Groups/${group.id}`, { method: "PATCH", json: patchOp({ op: "remove", path: "members" }) }),
    );
    await send(scim(tenant, "/Users", { method: "POST", json: { schemas: [USER_SCHEMA], userName: 42 } }));
    await send(scim(tenant, "/Users", { token: "wrong-token" }));

    // The token is rotated; the IdP still sends the old one for a while.
    const rotated = (await (
      await send(admin(`/organizations/${tenant.orgId}/scim/token`, { method: "POST" }))
    ).json()) as any;
    secrets.push(rotated.token, `Bearer ${rotated.token}`);
    await send(scim(tenant, "/Users"));
    await send(scim({ ...tenant, token: rotated.token }, "/Users"));

    // A D1 fault during a write logs an error: without the document or the token.
    vi.spyOn(shardOf(tenant.orgId), "batch").mockRejectedValueOnce(
      new Error("D1_ERROR: internal error; reference = abc123"),
    );
    await send(
      scim({ ...tenant, token: rotated.token }, "/Users", {
        method: "POST",
        json: { ...user("fault@acme.test"), password: PASSWORDS[0] },
      }),
    );

    // The operator signs in to the console; an organization admin uses a console link.
    await send(call("/console/sign-in", form({ token: "not-the-admin-token", next: "/console" })));
    const signedIn = await send(call("/console/sign-in", form({ token: ADMIN_TOKEN, next: "/console" })));
    const operatorCookie = signedIn.headers.get("Set-Cookie")!.split(";")[0];
    secrets.push(operatorCookie, operatorCookie.split("=")[1]);
    await send(call(`/console/orgs/${tenant.orgId}/members`, { headers: { Cookie: operatorCookie } }));
    await send(call(`/console/orgs/${tenant.orgId}/settings`, { headers: { Cookie: operatorCookie } }));
    const link = (await (
      await send(admin(`/organizations/${tenant.orgId}/console-links`, { method: "POST" }))
    ).json()) as any;
    const linkToken = new URL(link.url).hash.slice(1);
    expect(linkToken).toMatch(/^cl_/);
    secrets.push(linkToken);
    await send(call("/console/link"));
    await send(call("/console/link/check", form({ token: link.url })));
    const redeemed = await send(call("/console/link", form({ token: linkToken })));
    const adminCookie = redeemed.headers.get("Set-Cookie")!.split(";")[0];
    secrets.push(adminCookie, adminCookie.split("=")[1]);
    await send(call(`/console/orgs/${tenant.orgId}/activity`, { headers: { Cookie: adminCookie } }));
    await send(call("/console/sign-out", form({}, adminCookie)));
    await send(call("/console/sign-out", form({}, operatorCookie)));

    // The queue consumer and the cron log too.
    await activity(tenant.orgId);
    await worker.scheduled(
      createScheduledController({ scheduledTime: new Date(Date.now() + 120_000), cron: "*/5 * * * *" }),
      env,
    );

    expect(lines.length).toBeGreaterThan(30);
    expect(lines.some((line) => line.includes('"event":"request"'))).toBe(true);
    for (const secret of secrets) {
      const leaking = lines.filter((line) => line.includes(secret));
      expect(leaking, `a log line holds ${secret.slice(0, 12)}…`).toEqual([]);
    }
    // Responses show a token only where it is revealed: never in a later read.
    const settings = await (await admin(`/organizations/${tenant.orgId}/scim`)).text();
    const log = await (await admin(`/organizations/${tenant.orgId}/activity?limit=200`)).text();
    for (const token of [tenant.token, rotated.token]) {
      expect(settings).not.toContain(token);
      expect(log).not.toContain(token);
    }
    for (const password of PASSWORDS) expect(log).not.toContain(password);

    for (const response of responses) {
      const path = new URL(response.url || ORIGIN).pathname;
      expect(response.headers.get("X-Content-Type-Options"), path).toBe("nosniff");
      expect(response.headers.get("Strict-Transport-Security"), path).toMatch(/max-age=\d+/);
    }
    expect(responses.length).toBeGreaterThan(20);
  });
});
