import { and, desc, eq, getTableColumns, inArray, type SQL, sql } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import type { SQLiteTable } from "drizzle-orm/sqlite-core";
import type { Database } from "./client";
import { type ConflictKind, type ConflictStatus, conflicts } from "./schema";
import type { Conflict } from "./schema-types";

export type NewConflict = Omit<Conflict, "status" | "occurrences" | "lastSeenAt" | "resolvedAt">;

/**
 * Opens a conflict, or, when the same one is already open (same kind and subject), counts it again
 * with the latest details. `when` makes it conditional on the batch's write having gone ahead.
 */
export function upsertConflictStatement(db: Database, conflict: NewConflict, when?: SQL): BatchItem<"sqlite"> {
  const row = {
    ...conflict,
    status: "open" as const,
    occurrences: 1,
    lastSeenAt: conflict.createdAt,
    resolvedAt: null,
  };
  const latest = {
    targetId: conflict.targetId,
    targetName: conflict.targetName,
    document: conflict.document,
    active: conflict.active,
    licenses: conflict.licenses,
    licensesUsed: conflict.licensesUsed,
    detail: conflict.detail,
    lastSeenAt: conflict.createdAt,
    occurrences: sql`${conflicts.occurrences} + 1`,
  };
  const insert = when
    ? db.insert(conflicts).select(sql`SELECT ${rowValues(conflicts, row)} WHERE ${when}`)
    : db.insert(conflicts).values(row);
  return insert.onConflictDoUpdate({
    target: [conflicts.orgId, conflicts.kind, conflicts.subject],
    targetWhere: sql`status = 'open'`,
    set: latest,
  });
}

/**
 * Closes the open conflicts of these kinds about a subject (a later request of the identity provider
 * about it went through), returning those it closed; `when` makes it conditional on the batch's write
 * having gone ahead.
 */
export function closeConflictsStatement(
  db: Database,
  orgId: string,
  subject: string,
  kinds: ConflictKind[],
  resolvedAt: string,
  when?: SQL,
): BatchItem<"sqlite"> {
  return db
    .update(conflicts)
    .set({ status: "resolved", resolvedAt })
    .where(
      and(
        eq(conflicts.orgId, orgId),
        eq(conflicts.subject, subject),
        eq(conflicts.status, "open"),
        inArray(conflicts.kind, kinds),
        when,
      ),
    )
    .returning({ id: conflicts.id, kind: conflicts.kind });
}

/** An organization's open conflicts of these kinds, most recently seen first, at most `limit`. */
export function selectOpenConflictsOfKinds(db: Database, orgId: string, kinds: ConflictKind[], limit: number) {
  return db
    .select()
    .from(conflicts)
    .where(and(eq(conflicts.orgId, orgId), eq(conflicts.status, "open"), inArray(conflicts.kind, kinds)))
    .orderBy(desc(conflicts.lastSeenAt), desc(conflicts.id))
    .limit(limit);
}

/** How many conflicts of each kind (and provider) an organization has open. */
export function selectOpenConflictCounts(db: Database, orgId: string) {
  return db
    .select({ kind: conflicts.kind, provider: conflicts.provider, count: sql<number>`count(*)` })
    .from(conflicts)
    .where(and(eq(conflicts.orgId, orgId), eq(conflicts.status, "open")))
    .groupBy(conflicts.kind, conflicts.provider);
}

/** Resolves an open conflict; no row comes back when it was no longer open. */
export const resolveConflictStatement = (db: Database, id: string, status: ConflictStatus, resolvedAt: string) =>
  db
    .update(conflicts)
    .set({ status, resolvedAt })
    .where(and(eq(conflicts.id, id), eq(conflicts.status, "open")))
    .returning({ id: conflicts.id });

export async function selectConflict(db: Database, orgId: string, id: string): Promise<Conflict | undefined> {
  const [conflict] = await db
    .select()
    .from(conflicts)
    .where(and(eq(conflicts.orgId, orgId), eq(conflicts.id, id)));
  return conflict;
}

/** The member a conflict about this subject was linked to, if one was. */
export async function selectLinkedMemberId(db: Database, orgId: string, subject: string): Promise<string | undefined> {
  const [row] = await db
    .select({ targetId: conflicts.targetId })
    .from(conflicts)
    .where(
      and(
        eq(conflicts.orgId, orgId),
        eq(conflicts.kind, "email_held_by_manual_member"),
        eq(conflicts.subject, subject),
        eq(conflicts.status, "linked"),
      ),
    )
    .orderBy(desc(conflicts.resolvedAt))
    .limit(1);
  return row?.targetId ?? undefined;
}

/** Newest first by when they were last seen, keyset-paginated over (org_id, status, last_seen_at, id). */
export function selectConflictPage(
  db: Database,
  query: { orgId: string; status: ConflictStatus; after?: { at: string; id: string }; limit: number },
) {
  return db
    .select()
    .from(conflicts)
    .where(
      and(
        eq(conflicts.orgId, query.orgId),
        eq(conflicts.status, query.status),
        query.after
          ? sql`(${conflicts.lastSeenAt}, ${conflicts.id}) < (${query.after.at}, ${query.after.id})`
          : undefined,
      ),
    )
    .orderBy(desc(conflicts.lastSeenAt), desc(conflicts.id))
    .limit(query.limit);
}

/** A complete row as SQL values in the table's column order, each encoded as its column stores it. */
function rowValues<T extends SQLiteTable>(table: T, row: Record<string, unknown>): SQL {
  const columns = Object.entries(getTableColumns(table));
  return sql.join(
    columns.map(([key, column]) => (row[key] == null ? sql`NULL` : sql`${sql.param(row[key], column)}`)),
    sql`, `,
  );
}
