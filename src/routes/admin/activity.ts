import { Hono } from "hono";
import * as v from "valibot";
import { ACTIVITY_ACTIONS } from "../../activity/actions";
import { selectActivityPage } from "../../db/activity-queries";
import { database } from "../../db/client";
import { getOrganization } from "../../domain/organizations";
import type { AppEnv } from "../../env";
import { AdminError } from "./errors";

const query = v.object({
  limit: v.optional(v.pipe(v.string(), v.regex(/^\d+$/, "must be a whole number"), v.transform(Number), v.minValue(1), v.maxValue(200)), "50"),
  cursor: v.optional(v.string()),
  actor: v.optional(v.string()),
  action: v.optional(v.picklist(ACTIVITY_ACTIONS, "is not a known action")),
  targetId: v.optional(v.string()),
  since: v.optional(v.pipe(v.string(), v.isoTimestamp("must be an ISO-8601 timestamp"))),
});

const cursorSchema = v.tuple([v.string(), v.string()]);

/** The cursor names the last entry of a page: (at, id), the keyset of the newest-first order. */
const encodeCursor = (entry: { at: string; id: string }) => btoa(JSON.stringify([entry.at, entry.id]));

function decodeCursor(cursor: string) {
  try {
    const [at, id] = v.parse(cursorSchema, JSON.parse(atob(cursor)));
    return { at, id };
  } catch {
    throw new AdminError(400, "invalid_request", "cursor: not a cursor this API returned.");
  }
}

export const activityApi = new Hono<AppEnv>();

activityApi.get("/:orgId/activity", async (c) => {
  const parsed = v.safeParse(query, c.req.query());
  if (!parsed.success) {
    const issue = parsed.issues[0];
    throw new AdminError(400, "invalid_request", `${v.getDotPath(issue) ?? "query"}: ${issue.message}`);
  }
  const { limit, cursor, since, ...filters } = parsed.output;
  const db = database(c.env.DB);
  const organization = await getOrganization(db, c.req.param("orgId"));
  const rows = await selectActivityPage(db, {
    orgId: organization.id,
    limit: limit + 1,
    after: cursor ? decodeCursor(cursor) : undefined,
    since: since && new Date(since).toISOString(),
    ...filters,
  });
  const entries = rows.slice(0, limit);
  return c.json({
    entries: entries.map(({ orgId: _orgId, ...entry }) => entry),
    nextCursor: rows.length > limit ? encodeCursor(entries[entries.length - 1]) : null,
  });
});
