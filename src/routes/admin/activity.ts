import { Hono } from "hono";
import * as v from "valibot";
import { ACTIVITY_ACTIONS } from "../../activity/actions";
import { selectActivityPage } from "../../db/activity-queries";
import { database } from "../../db/client";
import { getOrganization } from "../../domain/organizations";
import type { AppEnv } from "../../env";
import { decodeCursor, encodeCursor, limitParameter, readQuery } from "./paging";

function afterCursor(cursor: string) {
  const [at, id] = decodeCursor(cursor);
  return { at, id };
}

const query = v.object({
  limit: limitParameter,
  cursor: v.optional(v.string()),
  actor: v.optional(v.string()),
  action: v.optional(v.picklist(ACTIVITY_ACTIONS, "is not a known action")),
  targetId: v.optional(v.string()),
  since: v.optional(v.pipe(v.string(), v.isoTimestamp("must be an ISO-8601 timestamp"))),
});

export const activityApi = new Hono<AppEnv>();

activityApi.get("/:orgId/activity", async (c) => {
  const { limit, cursor, since, ...filters } = readQuery(c.req.query(), query);
  const db = database(c.env.DB);
  const organization = await getOrganization(db, c.req.param("orgId"));
  const rows = await selectActivityPage(db, {
    orgId: organization.id,
    limit: limit + 1,
    after: cursor ? afterCursor(cursor) : undefined,
    since: since && new Date(since).toISOString(),
    ...filters,
  });
  const entries = rows.slice(0, limit);
  return c.json({
    entries: entries.map(({ orgId: _orgId, ...entry }) => entry),
    nextCursor: rows.length > limit ? encodeCursor(entries[entries.length - 1].at, entries[entries.length - 1].id) : null,
  });
});
