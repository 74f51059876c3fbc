import { Hono } from "hono";
import { mintConsoleLink } from "../../domain/console-sessions";
import type { AppEnv } from "../../env";
import { consoleLinkUrl } from "../console-link-url";

/**
 * Console sign-in links for an organization's admin, minted by the operator's own backend: the
 * link opens one session scoped to that organization, once, within 10 minutes (see consoleLinkUrl).
 */
export const consoleLinksApi = new Hono<AppEnv>();

consoleLinksApi.post("/:orgId/console-links", async (c) => {
  const { token, expiresAt } = await mintConsoleLink(c.var.storage.control, c.var.db, c.req.param("orgId"));
  return c.json({ url: consoleLinkUrl(c, token), expiresAt }, 201);
});
