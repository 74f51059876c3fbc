import { Hono } from "hono";
import * as v from "valibot";
import { activityPage } from "../../domain/activity-log";
import { activityAction, parseQuery } from "../../domain/inputs";
import { getOrganization } from "../../domain/organizations";
import type { AppEnv } from "../../env";
import { limitParameter } from "./validate";

const query = v.object({
  limit: limitParameter,
  cursor: v.optional(v.string()),
  actor: v.optional(v.string()),
  action: v.optional(activityAction),
  targetId: v.optional(v.string()),
  since: v.optional(v.pipe(v.string(), v.isoTimestamp("must be an ISO-8601 timestamp"))),
  until: v.optional(v.pipe(v.string(), v.isoTimestamp("must be an ISO-8601 timestamp"))),
});

export const activityApi = new Hono<AppEnv>();

activityApi.get("/:orgId/activity", async (c) => {
  const { limit, cursor, since, until, ...filters } = parseQuery(c.req.query(), query);
  const db = c.var.db;
  const organization = await getOrganization(db, c.req.param("orgId"));
  const { items, nextCursor } = await activityPage(
    db,
    organization,
    { since: since && new Date(since).toISOString(), until: until && new Date(until).toISOString(), ...filters },
    { cursor, limit },
  );
  return c.json({ entries: items, nextCursor });
});
