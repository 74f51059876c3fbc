import { Hono } from "hono";
import { database } from "../../db/client";
import { mintConsoleLink } from "../../domain/console-sessions";
import type { AppEnv } from "../../env";

/**
 * Console sign-in links for an organization's admin, minted by the operator's own backend: the
 * link opens one session scoped to that organization, once, within 10 minutes. The token rides in
 * the query string, which the request log never records.
 */
export const consoleLinksApi = new Hono<AppEnv>();

consoleLinksApi.post("/:orgId/console-links", async (c) => {
  const { token, expiresAt } = await mintConsoleLink(database(c.env.DB), c.req.param("orgId"));
  const url = new URL("/console/link", c.req.url);
  url.searchParams.set("token", token);
  return c.json({ url: url.href, expiresAt }, 201);
});
