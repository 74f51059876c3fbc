import { createMiddleware } from "hono/factory";

const TENANT_IN_PATH = /^\/(?:scim\/v2|admin\/v1\/organizations)\/([^/]+)/;

/**
 * One structured line per request for `wrangler tail --format json`. The path only: query strings
 * carry filter values (emails) and headers carry tokens, so neither is logged.
 */
export const requestLog = createMiddleware(async (c, next) => {
  const started = Date.now();
  await next();
  const path = new URL(c.req.url).pathname;
  console.log(
    JSON.stringify({
      event: "request",
      method: c.req.method,
      path,
      status: c.res.status,
      orgId: TENANT_IN_PATH.exec(path)?.[1] ?? null,
      durationMs: Date.now() - started,
    }),
  );
});
