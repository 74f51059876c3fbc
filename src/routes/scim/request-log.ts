import type { Context } from "hono";
import { createMiddleware } from "hono/factory";
import { recordScimRequest } from "../../domain/scim-request-log";
import type { AppEnv, RequestSubject } from "../../env";
import { describeRequest } from "../../scim/operation";

const MAX_TEXT = 256;
const MAX_DETAIL = 1000;
/** Okta's and Entra's lookups (`userName eq "x"`): the name they looked for is what the request concerned. */
const LOOKUP = /^\s*(userName|externalId|displayName)\s+eq\s+"([^"\\]{1,256})"\s*$/i;

/**
 * The SCIM request log: after the response is made, its record goes through the activity pipeline in
 * waitUntil, so the request waits for nothing. Authenticated requests are recorded, and those that
 * failed authentication for an organization that exists. `SCIM_REQUEST_LOG=off` turns it off.
 */
export const scimRequestLog = createMiddleware<AppEnv>(async (c, next) => {
  // Made first, so what the request leaves behind (a held deactivation) can name its record.
  const id = crypto.randomUUID();
  c.set("requestId", id);
  if (c.env.SCIM_REQUEST_LOG === "off") return next();
  const started = Date.now();
  await next();
  const organization = c.get("organization");
  const status = c.res.status;
  if (!organization && status !== 401) return;
  const orgId = c.req.param("orgId")!;
  const segments = new URL(c.req.url).pathname.split("/").slice(4).filter(Boolean).map(decodeSegment);
  const described = describeRequest(c.req.method, segments, c.get("operationDetail"));
  const subject = c.get("requestSubject") ?? lookupSubject(c);
  const error = c.get("scimError");
  const record = {
    id,
    orgId,
    method: c.req.method,
    resourceType: described.resourceType,
    resourceId: clip(subject?.id ?? described.resourceId),
    operation: described.operation,
    status,
    scimType: error?.scimType,
    detail: error ? error.detail.slice(0, MAX_DETAIL) : undefined,
    durationMs: Date.now() - started,
    userAgent: clip(c.req.header("User-Agent")),
    provider: organization?.scimProvider ?? undefined,
    userName: clip(subject?.userName),
    externalId: clip(subject?.externalId),
    displayName: clip(subject?.displayName),
  };
  const failedAuthentication = organization
    ? undefined
    : { tenant: c.get("tenant"), presentedToken: c.get("presentedToken") };
  c.executionCtx.waitUntil(recordScimRequest(c.var.db, record, started, failedAuthentication));
});

/** What a SCIM request tells about itself to what it leaves behind: its request log id and its client. */
export const requestOrigin = (c: Context<AppEnv>) => ({
  requestId: c.get("requestId"),
  userAgent: c.req.header("User-Agent"),
});

/** Notes the user a request concerned (its id, once known, and names), for its request log record. */
export function noteUser(c: Context<AppEnv>, document: Record<string, unknown>, id?: string) {
  c.set("requestSubject", {
    id,
    userName: textOf(document.userName),
    externalId: textOf(document.externalId),
    displayName: textOf(document.displayName),
  });
}

/** Notes the group a request concerned, for its request log record. */
export function noteGroup(c: Context<AppEnv>, group: { displayName?: unknown; externalId?: unknown }, id?: string) {
  c.set("requestSubject", { id, displayName: textOf(group.displayName), externalId: textOf(group.externalId) });
}

const textOf = (value: unknown) => (typeof value === "string" ? value : undefined);

function lookupSubject(c: Context<AppEnv>): RequestSubject | undefined {
  const filter = c.req.method === "GET" ? c.req.query("filter") : undefined;
  const match = filter && filter.length <= 512 ? LOOKUP.exec(filter) : null;
  if (!match) return undefined;
  const attribute = match[1].toLowerCase();
  const key = attribute === "username" ? "userName" : attribute === "externalid" ? "externalId" : "displayName";
  return { [key]: match[2] };
}

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

const clip = (text: string | undefined) => text?.slice(0, MAX_TEXT);
