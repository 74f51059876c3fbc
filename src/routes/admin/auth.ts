import { createMiddleware } from "hono/factory";
import { secretsEqual } from "../../domain/tokens";
import type { AppEnv } from "../../env";
import { AdminError } from "./errors";

/** The control panel's API key: `Authorization: Bearer <ADMIN_TOKEN>`, compared in constant time. */
export const adminAuth = createMiddleware<AppEnv>(async (c, next) => {
  const match = /^bearer\s+(\S+)\s*$/i.exec(c.req.header("Authorization") ?? "");
  const expected = c.env.ADMIN_TOKEN;
  if (!expected || !match || !(await secretsEqual(match[1], expected))) {
    c.header("WWW-Authenticate", 'Bearer realm="admin"');
    throw new AdminError(401, "unauthorized", "Send the admin token as `Authorization: Bearer <token>`.");
  }
  await next();
});
