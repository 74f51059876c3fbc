import { and, desc, eq, gte, inArray, lt, type SQL, sql } from "drizzle-orm";
import type { ActivityEntry } from "../activity/actions";
import { chunksFor } from "./chunks";
import type { Database } from "./client";
import { activityLog } from "./schema";

const COLUMNS_PER_ENTRY = 9;

const toRow = (entry: ActivityEntry) => ({
  id: entry.id,
  orgId: entry.orgId,
  at: entry.at,
  actor: entry.actor,
  action: entry.action,
  targetType: entry.targetType,
  targetId: entry.targetId ?? null,
  targetName: entry.targetName ?? null,
  changes: entry.changes ?? null,
});

/**
 * Writes entries in one atomic batch; an id already there is skipped, so at-least-once delivery
 * never duplicates an entry.
 */
export async function insertActivityEntries(db: Database, entries: ActivityEntry[]): Promise<void> {
  const statements = chunksFor(entries, COLUMNS_PER_ENTRY).map((chunk) =>
    db.insert(activityLog).values(chunk.map(toRow)).onConflictDoNothing({ target: activityLog.id }),
  );
  const [first, ...rest] = statements;
  if (first) await db.batch([first, ...rest]);
}

export interface ActivityQuery {
  orgId: string;
  limit: number;
  /** The (at, id) of the last entry of the previous page. */
  after?: { at: string; id: string };
  actor?: string;
  action?: string;
  targetId?: string;
  since?: string;
}

/** Newest first, keyset-paginated over (org_id, at, id): no OFFSET, whatever the page. */
export async function selectActivityPage(db: Database, query: ActivityQuery) {
  const conditions: (SQL | undefined)[] = [
    eq(activityLog.orgId, query.orgId),
    query.actor ? eq(activityLog.actor, query.actor) : undefined,
    query.action ? eq(activityLog.action, query.action) : undefined,
    query.targetId ? eq(activityLog.targetId, query.targetId) : undefined,
    query.since ? gte(activityLog.at, query.since) : undefined,
    // A row value: the form SQLite seeks by on the index when the key is a bound parameter.
    query.after ? sql`(${activityLog.at}, ${activityLog.id}) < (${query.after.at}, ${query.after.id})` : undefined,
  ];
  return db
    .select()
    .from(activityLog)
    .where(and(...conditions))
    .orderBy(desc(activityLog.at), desc(activityLog.id))
    .limit(query.limit);
}

/** Deletes up to `limit` entries older than `before`; returns how many went. */
export async function deleteActivityBefore(db: Database, before: string, limit: number): Promise<number> {
  const oldest = db.select({ id: activityLog.id }).from(activityLog).where(lt(activityLog.at, before)).limit(limit);
  const deleted = await db.delete(activityLog).where(inArray(activityLog.id, oldest)).returning({ id: activityLog.id });
  return deleted.length;
}
