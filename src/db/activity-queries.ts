import { and, asc, desc, eq, getTableColumns, gte, inArray, lt, type SQL, sql } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import type { ActivityAction, Actor } from "./activity-entries";
import { chunksFor } from "./chunks";
import type { Database } from "./client";
import type { ActivityEntry } from "./pipeline-messages";
import { activityLog, activityOutbox } from "./schema";

const COLUMNS_PER_ENTRY = Object.keys(getTableColumns(activityLog)).length;

/**
 * SQLite's changes(): the rows the batch's previous INSERT, UPDATE or DELETE touched (triggers not
 * counted). A pending entry conditional on it must come right after the write it describes.
 */
export const PREVIOUS_STATEMENT_CHANGED = sql`changes() > 0`;

/**
 * The pending entry of a change, as a statement of the change's own batch, so both commit or neither
 * does. `when` makes it conditional (a write at a version may touch nothing); `members` fills
 * `changes.members` with the rows a subquery of (id, user_name) finds at that point of the batch,
 * and stages nothing when it finds none. Returns the entry as committed, for the queue.
 */
export function stageEntryStatement(
  db: Database,
  entry: ActivityEntry,
  options: { when?: SQL; members?: SQL } = {},
): BatchItem<"sqlite"> {
  const json = JSON.stringify(entry);
  const rows = options.members
    ? sql`SELECT ${entry.id}, ${entry.at}, json_set(${json}, '$.changes.members', json(found.members)) FROM (
        SELECT json_group_array(json_object('id', m.id, 'userName', m.user_name)) AS members, count(*) AS n
        FROM (${options.members}) AS m
      ) AS found WHERE found.n > 0`
    : sql`SELECT ${entry.id}, ${entry.at}, ${json} WHERE ${options.when ?? sql`1`}`;
  return db.insert(activityOutbox).select(rows).returning({ entry: activityOutbox.entry });
}

/** The entries a batch committed, from the results of its staging statements. */
export const committedEntries = (results: unknown[]): ActivityEntry[] =>
  results.flatMap((rows) => (rows as { entry: string }[]).map((row) => JSON.parse(row.entry) as ActivityEntry));

/**
 * Delivering entries: written to activity_log and cleared from the outbox, in the same atomic batch.
 * An id already there is skipped, so at-least-once delivery never duplicates an entry.
 */
export function deliveryStatements(db: Database, entries: ActivityEntry[]): BatchItem<"sqlite">[] {
  if (entries.length === 0) return [];
  const inserts = chunksFor(entries, COLUMNS_PER_ENTRY).map((chunk) =>
    db.insert(activityLog).values(chunk).onConflictDoNothing({ target: activityLog.id }),
  );
  const clear = db
    .delete(activityOutbox)
    .where(sql`${activityOutbox.id} IN (SELECT value FROM json_each(${JSON.stringify(entries.map((e) => e.id))}))`);
  return [clear, ...inserts];
}

export async function deliverEntries(db: Database, entries: ActivityEntry[]): Promise<void> {
  const [first, ...rest] = deliveryStatements(db, entries);
  if (first) await db.batch([first, ...rest]);
}

/** Pending entries staged before `before`, oldest first. */
export async function selectPendingEntries(db: Database, before: string, limit: number): Promise<ActivityEntry[]> {
  const rows = await db
    .select({ entry: activityOutbox.entry })
    .from(activityOutbox)
    .where(lt(activityOutbox.at, before))
    .orderBy(asc(activityOutbox.at))
    .limit(limit);
  return rows.map((row) => JSON.parse(row.entry) as ActivityEntry);
}

/**
 * The entries about one target still in the outbox (committed, not yet written to activity_log by the
 * queue's consumer), newest first. The outbox holds only what is in flight, a few rows normally, so
 * reading its entries' JSON costs next to nothing.
 */
export async function selectPendingEntriesAbout(
  db: Database,
  about: { orgId: string; targetId: string },
  limit: number,
): Promise<(typeof activityLog.$inferSelect)[]> {
  const rows = await db
    .select({ entry: activityOutbox.entry })
    .from(activityOutbox)
    .where(
      sql`json_extract(${activityOutbox.entry}, '$.orgId') = ${about.orgId} AND json_extract(${activityOutbox.entry}, '$.targetId') = ${about.targetId}`,
    )
    .orderBy(desc(activityOutbox.at))
    .limit(limit);
  // As activity_log will hold it: absent fields are null there.
  return rows.map((row) => {
    const entry = JSON.parse(row.entry) as ActivityEntry;
    return {
      ...entry,
      targetId: entry.targetId ?? null,
      targetName: entry.targetName ?? null,
      changes: entry.changes ?? null,
    };
  });
}

export interface ActivityQuery {
  orgId: string;
  limit: number;
  /** The (at, id) of the last entry of the previous page. */
  after?: { at: string; id: string };
  /** Any text: one that is no actor's matches nothing. */
  actor?: string;
  action?: ActivityAction;
  targetId?: string;
  since?: string;
  /** Entries before this instant only (exclusive): the end of a date range. */
  until?: string;
}

/** Newest first, keyset-paginated over (org_id, at, id): no OFFSET, whatever the page. */
export async function selectActivityPage(db: Database, query: ActivityQuery) {
  const conditions: (SQL | undefined)[] = [
    eq(activityLog.orgId, query.orgId),
    query.actor ? eq(activityLog.actor, query.actor as Actor) : undefined,
    query.action ? eq(activityLog.action, query.action) : undefined,
    query.targetId ? eq(activityLog.targetId, query.targetId) : undefined,
    query.since ? gte(activityLog.at, query.since) : undefined,
    query.until ? lt(activityLog.at, query.until) : undefined,
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
