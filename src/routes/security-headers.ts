import { createMiddleware } from "hono/factory";

/**
 * On every response, with the values of Hono's secureHeaders, so pages that run secureHeaders
 * themselves (the console, with its CSP) agree; a header a route already set is left as it is.
 */
const EVERY_RESPONSE: Record<string, string> = {
  "X-Content-Type-Options": "nosniff",
  "Strict-Transport-Security": "max-age=15552000; includeSubDomains",
};

/** SCIM and admin responses hold members' data and one-time tokens: no cache may keep them. */
const API_PATH = /^\/(?:scim|admin)\//;

export const securityHeaders = createMiddleware(async (c, next) => {
  await next();
  const headers = c.res.headers;
  for (const [name, value] of Object.entries(EVERY_RESPONSE)) {
    if (!headers.has(name)) headers.set(name, value);
  }
  if (API_PATH.test(new URL(c.req.url).pathname)) headers.set("Cache-Control", "no-store");
});
