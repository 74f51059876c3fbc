import { Hono } from "hono";
import * as v from "valibot";
import type { ScimRequestRow } from "../../db/schema-types";
import { parseQuery } from "../../domain/inputs";
import { getOrganization } from "../../domain/organizations";
import { scimRequestPage } from "../../domain/scim-request-log";
import type { AppEnv } from "../../env";
import { limitParameter } from "./validate";

const query = v.object({
  status: v.optional(v.picklist(["ok", "error"], "must be ok or error")),
  method: v.optional(v.picklist(["GET", "POST", "PUT", "PATCH", "DELETE"], "must be an HTTP method")),
  resourceType: v.optional(v.pipe(v.string(), v.maxLength(64))),
  resourceId: v.optional(v.pipe(v.string(), v.maxLength(256))),
  q: v.optional(v.pipe(v.string(), v.minLength(1, "must not be empty"), v.maxLength(256))),
  since: v.optional(v.pipe(v.string(), v.isoTimestamp("must be an ISO-8601 timestamp"))),
  limit: limitParameter,
  cursor: v.optional(v.string()),
});

/** The SCIM request log of one organization, at /organizations/:orgId/scim/requests. */
export const scimRequestsApi = new Hono<AppEnv>();

scimRequestsApi.get("/:orgId/scim/requests", async (c) => {
  const { limit, cursor, status, since, ...filters } = parseQuery(c.req.query(), query);
  const db = c.var.db;
  const organization = await getOrganization(db, c.req.param("orgId"));
  const { items, nextCursor } = await scimRequestPage(
    db,
    organization,
    {
      failed: status === undefined ? undefined : status === "error",
      since: since && new Date(since).toISOString(),
      ...filters,
    },
    { cursor, limit },
  );
  return c.json({ requests: items.map(requestView), nextCursor });
});

/** A stored record as the admin API shows it: every column, with `outcome` for `failed`; the search key stays inside. */
export function requestView(row: ScimRequestRow) {
  const { failed, subjectLower, ...record } = row;
  return { ...record, outcome: failed ? "error" : "ok" };
}
