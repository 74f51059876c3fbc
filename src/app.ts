import { Hono } from "hono";
import { consoleApp } from "./console";
import { invocationStorage } from "./db/client";
import type { AppEnv, Dispatch } from "./env";
import { admin } from "./routes/admin";
import { organizationInPath } from "./routes/organization-path";
import { requestLog } from "./routes/request-log";
import { scim } from "./routes/scim";
import { scimJson } from "./routes/scim/respond";
import { securityHeaders } from "./routes/security-headers";
import { errorBody, ScimError } from "./scim/errors";

export const app = new Hono<AppEnv>();

const dispatch: Dispatch = (request, env, executionCtx) => app.request(request, undefined, env, executionCtx);

app.use(requestLog);
app.use(securityHeaders);
// The one place a request's database is chosen, the shard of the organization its path names: every
// route reads it as c.var.db.
app.use(async (c, next) => {
  const storage = invocationStorage(c.env, organizationInPath(c.req.path));
  c.set("storage", storage);
  c.set("db", storage.db);
  c.set("dispatch", dispatch);
  await next();
});

/** Unauthenticated and free of I/O: the platform's floor, for health checks and the benchmark baseline. */
app.get("/health", (c) => c.json({ status: "ok" }));

/** The bare host is the console's; a browser's own request for an icon gets the console's. */
app.get("/", (c) => c.redirect("/console", 302));
app.get("/favicon.ico", (c) => c.redirect("/console/assets/favicon.svg", 301));

app.route("/admin/v1", admin);
app.route("/console", consoleApp);
app.route("/scim/v2/:orgId", scim);

app.notFound((c) => {
  if (new URL(c.req.url).pathname.startsWith("/scim/")) {
    return scimJson(c, errorBody(new ScimError(404, "No such SCIM endpoint.")), 404);
  }
  return c.json({ error: { code: "not_found", message: "No such endpoint." } }, 404);
});
