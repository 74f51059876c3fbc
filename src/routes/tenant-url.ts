import type { Context } from "hono";

/** The Tenant URL, on the origin the request came in on: `<origin>/scim/v2/<orgId>` (SCIM, the admin API and the console). */
export function tenantUrl(c: Context, orgId: string): string {
  return `${new URL(c.req.url).origin}/scim/v2/${orgId}`;
}
