import type { Context } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { invalidSyntax } from "../../scim/errors";

export const SCIM_CONTENT_TYPE = "application/scim+json; charset=utf-8";

/** Every SCIM response, success or error, is application/scim+json. */
export function scimJson(
  c: Context,
  body: unknown,
  status: ContentfulStatusCode = 200,
  headers: Record<string, string> = {},
): Response {
  return c.body(JSON.stringify(body), status, { ...headers, "Content-Type": SCIM_CONTENT_TYPE });
}

/** Parses a request body as JSON whatever its declared type (clients send scim+json or plain json). */
export async function readJson(c: Context): Promise<unknown> {
  const text = await c.req.text();
  try {
    return JSON.parse(text);
  } catch {
    throw invalidSyntax("The request body is not valid JSON.");
  }
}

/** The Tenant URL the request came in on: `<origin>/scim/v2/<orgId>`. */
export function tenantUrl(c: Context, orgId: string): string {
  return `${new URL(c.req.url).origin}/scim/v2/${orgId}`;
}
