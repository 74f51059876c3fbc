import type { Context } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { AppEnv } from "../../env";
import { type Projection, parseProjection } from "../../scim/projection";
import { etag, ifNoneMatchHolds } from "../../scim/resource";
import { readJsonBody } from "../json-body";

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

/** The request body as JSON (scim+json, json or undeclared; see readJsonBody for what is refused). */
export const readJson = (c: Context): Promise<unknown> => readJsonBody(c.req);

/** The Tenant URL the request came in on: `<origin>/scim/v2/<orgId>`. */
export function tenantUrl(c: Context, orgId: string): string {
  return `${new URL(c.req.url).origin}/scim/v2/${orgId}`;
}

/** The request's projection, parsed on first use and kept for every resource the response renders. */
export function requestProjection(c: Context<AppEnv>): Projection {
  let projection = c.get("projection");
  if (!projection) {
    projection = parseProjection(c.req.query());
    c.set("projection", projection);
  }
  return projection;
}

/** A read answered with If-None-Match naming the current version: 304, no body, the ETag (RFC 7232 §4.1). */
export function notModified(c: Context, version: number): Response | undefined {
  if (!ifNoneMatchHolds(c.req.header("If-None-Match"), version)) return undefined;
  return c.body(null, 304, { ETag: etag(version) });
}
