import type { Context } from "hono";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import { createMiddleware } from "hono/factory";
import { resumeSession } from "../domain/console-sessions";
import { getOrganization } from "../domain/organizations";
import type { ConsoleEnv } from "./env";
import { notFoundPage } from "./pages/not-found";

/**
 * `__Host-console_session`: Secure, Path=/ and no Domain, so no other host or path can set or
 * shadow it; HttpOnly, so no script reads it; SameSite=Strict, so no other site's page makes the
 * browser send it. Only the console reads it: /scim/v2 and /admin/v1 never look at cookies.
 */
const COOKIE = "console_session";

export function setSessionCookie(c: Context, id: string): void {
  setCookie(c, COOKIE, id, {
    prefix: "host",
    httpOnly: true,
    sameSite: "Strict",
    // No Max-Age: the cookie goes with the browser session; the server ends it after 1 h idle or 12 h.
  });
}

export function clearSessionCookie(c: Context): void {
  deleteCookie(c, COOKIE, { prefix: "host", secure: true, path: "/" });
}

export const sessionCookie = (c: Context) => getCookie(c, COOKIE, "host");

/** Where a request is sent back to after signing in again: the page it asked for (a POST's page). */
function pageAskedFor(c: Context): string {
  const url = new URL(c.req.url);
  if (c.req.method === "GET") return url.pathname + url.search;
  return /^\/console\/orgs\/[^/]+\/[a-z]+/.exec(url.pathname)?.[0] ?? "/console";
}

/** Every console page but sign-in: a live session, else back to sign-in and then to the page asked for. */
export const requireSession = createMiddleware<ConsoleEnv>(async (c, next) => {
  const id = sessionCookie(c);
  const session = id ? await resumeSession(c.var.storage.control, id) : undefined;
  if (!session) {
    if (id) clearSessionCookie(c);
    const query = new URLSearchParams({ next: pageAskedFor(c) });
    if (id) query.set("expired", "1");
    return c.redirect(`/console/sign-in?${query}`, 303);
  }
  c.set("session", session);
  await next();
});

/** The organization list and creation: the operator only; an organization admin gets 404 as for any page not theirs. */
export const requireOperator = createMiddleware<ConsoleEnv>(async (c, next) => {
  if (c.var.session.scope.kind !== "operator") return notFoundPage(c);
  await next();
});

/**
 * Pages of one organization: an organization-scoped session sees its own organization only; any
 * other id is 404, the same answer as an organization that does not exist, so ids reveal nothing.
 */
export const requireOrganization = createMiddleware<ConsoleEnv>(async (c, next) => {
  const orgId = c.req.param("orgId") ?? "";
  const { scope } = c.var.session;
  if (scope.kind === "organization" && scope.orgId !== orgId) return notFoundPage(c);
  c.set("organization", await getOrganization(c.var.db, orgId));
  await next();
});
