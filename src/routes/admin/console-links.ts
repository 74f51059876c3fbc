import { Hono } from "hono";
import { mintConsoleLink } from "../../domain/console-sessions";
import type { AppEnv } from "../../env";

/**
 * Console sign-in links for an organization's admin, minted by the operator's own backend: the
 * link opens one session scoped to that organization, once, within 10 minutes. The token is the
 * URL's fragment, which browsers never send: no request line, log or trace ever holds it; the
 * console page's script posts it (see src/console/pages/sign-in.tsx).
 */
export const consoleLinksApi = new Hono<AppEnv>();

consoleLinksApi.post("/:orgId/console-links", async (c) => {
  const { token, expiresAt } = await mintConsoleLink(c.var.storage.control, c.var.db, c.req.param("orgId"));
  const url = new URL("/console/link", c.req.url);
  url.hash = token;
  return c.json({ url: url.href, expiresAt }, 201);
});
