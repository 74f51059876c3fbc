import type { Context } from "hono";

/**
 * A console sign-in link on the request's origin: `<origin>/console/link#<token>`. The token is the
 * fragment, which browsers never send: no request line, log or trace ever holds it; the console
 * page's script posts it (see src/console/pages/sign-in.tsx).
 */
export function consoleLinkUrl(c: Context, token: string): string {
  const url = new URL("/console/link", c.req.url);
  url.hash = token;
  return url.href;
}
