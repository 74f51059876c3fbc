import { createMiddleware } from "hono/factory";
import { database } from "../../db/client";
import { authenticateScim } from "../../domain/organizations";
import type { AppEnv } from "../../env";
import { ScimError } from "../../scim/errors";

/**
 * Admits a SCIM request only with its own tenant's current token. Unknown tenants, disabled
 * provisioning and wrong tokens all answer the same 401, so nothing leaks about which it was.
 */
export const scimAuth = createMiddleware<AppEnv>(async (c, next) => {
  const match = /^bearer\s+(\S+)\s*$/i.exec(c.req.header("Authorization") ?? "");
  const orgId = c.req.param("orgId");
  const organization =
    match && orgId ? await authenticateScim(database(c.env.DB), orgId, match[1]) : undefined;
  if (!organization) {
    c.header("WWW-Authenticate", 'Bearer realm="SCIM"');
    throw new ScimError(401, "Authentication failed: send the tenant's Secret Token as a Bearer token.");
  }
  c.set("organization", organization);
  await next();
});
