import { and, asc, eq, type SQL, sql } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import type { SQLiteColumn } from "drizzle-orm/sqlite-core";
import type { Actor } from "./activity-entries";
import type { Database } from "./client";
import {
  DATABASE_NOW,
  members,
  organizations,
  SAFEGUARD_DEFAULTS,
  type SafeguardDecision,
  type SafeguardHoldStatus,
  safeguardHolds,
  safeguards,
} from "./schema";

const databaseNow = sql.raw(`(${DATABASE_NOW})`);

/** A SCIM deactivation or deletion of one member, as the member was read. */
export interface Deprovisioning {
  orgId: string;
  memberId: string;
  operation: "deactivate" | "delete";
  /** The version read: a deactivation is decided only while the member is still active at it. */
  version: number;
}

/** What the request asked, kept with a hold so that a release can apply it. */
export interface HeldRequest {
  document: Record<string, unknown> | null;
  actor: Actor;
  userAgent: string | null;
  requestId: string | null;
}

/** The decision the batch's deciding statement wrote, for the statements after it in the same batch. */
const decisionOf = (orgId: string) =>
  sql`(SELECT ${safeguards.decision} FROM ${safeguards} WHERE ${safeguards.orgId} = ${orgId})`;

/** The decisions that let the deactivation or deletion through. */
const APPLY: SafeguardDecision[] = ["opened", "counted", "passed"];
/** The decisions that hold it. */
const HOLD: SafeguardDecision[] = ["tripped", "held", "waiting"];

const inDecisions = (orgId: string, decisions: SafeguardDecision[]) =>
  sql`${decisionOf(orgId)} IN (${sql.join(
    decisions.map((d) => sql`${d}`),
    sql`, `,
  )})`;

/** A condition for the batch, after the deciding statement: the safeguard lets this write through. */
export const safeguardApplies = (orgId: string) => inDecisions(orgId, APPLY);
/** A condition for the batch, after the deciding statement: the safeguard trips on this request (its first hold). */
export const safeguardTrips = (orgId: string) => sql`${decisionOf(orgId)} = ${"tripped" satisfies SafeguardDecision}`;
/** A condition for the batch, after the deciding statement: a hold that is new (not a held request asked again). */
export const safeguardHoldsNew = (orgId: string) => inDecisions(orgId, ["tripped", "held"]);

/**
 * The statement that decides a SCIM deactivation or deletion, first in its batch: D1 runs a batch
 * as one transaction and one at a time, so no interleaving of requests can apply more than the
 * window allows (30 concurrent deactivations against a limit of 10 apply exactly 10). It counts
 * the request in the organization's window (opening a new one, its limit fixed from the members
 * active then, when the last has ended) and writes its decision (SAFEGUARD_DECISIONS) for the rest
 * of the batch, returning the row as it now is.
 *
 * The decision is made once, from the row as it was (`d`), and every column follows from it: an
 * upsert whose SET repeated the decision for each column was several times the SQL for SQLite to
 * compile and run, and every SCIM deactivation paid for it (bench/README.md, issue 19).
 */
export function decideDeprovisioningStatement(db: Database, request: Deprovisioning) {
  const { orgId, memberId } = request;
  // The organization's row as it was, `s` (all null when it has none yet), then `d` with its decision.
  const s = (column: SQLiteColumn) => sql`s.${sql.identifier(column.name)}`;
  const d = (column: SQLiteColumn) => sql`d.${sql.identifier(column.name)}`;
  const memberWhere = sql`${members.id} = ${memberId}`;
  // A deactivation is decided on the version read; a deletion of a member already deactivated takes
  // nobody's access away (Entra deletes what it soft-deleted weeks before) and passes uncounted.
  const asRead =
    request.operation === "deactivate"
      ? sql`EXISTS (SELECT 1 FROM ${members} WHERE ${memberWhere} AND ${members.version} = ${request.version} AND ${members.active} = 1)`
      : sql`EXISTS (SELECT 1 FROM ${members} WHERE ${memberWhere})`;
  const counts = sql`EXISTS (SELECT 1 FROM ${members} WHERE ${memberWhere} AND ${members.active} = 1)`;
  const hold = sql`(SELECT ${safeguardHolds.status} FROM ${safeguardHolds} WHERE ${safeguardHolds.orgId} = ${orgId} AND ${safeguardHolds.memberId} = ${memberId})`;
  const activeNow = sql`(SELECT ${organizations.licensesUsed} FROM ${organizations} WHERE ${organizations.id} = ${orgId})`;
  const stale = sql`(${s(safeguards.windowStartedAt)} IS NULL OR ${s(safeguards.windowStartedAt)} <= strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '-' || ${s(safeguards.windowMinutes)} || ' minutes'))`;
  // An organization's first (no row): armed with the defaults, nothing held, so its window opens.
  const decision = sql`CASE
    WHEN NOT ${asRead} THEN 'moved'
    WHEN NOT ${counts} THEN 'passed'
    WHEN ${s(safeguards.orgId)} IS NULL THEN 'opened'
    WHEN ${s(safeguards.enabled)} = 0 THEN 'passed'
    ELSE CASE ${hold}
      WHEN 'exempt' THEN 'passed'
      WHEN 'released' THEN 'passed'
      WHEN 'rejected' THEN 'refused'
      WHEN 'held' THEN 'waiting'
      ELSE CASE
        WHEN ${s(safeguards.releasedAt)} IS NOT NULL AND NOT ${stale} THEN 'passed'
        WHEN ${s(safeguards.trippedAt)} IS NOT NULL THEN 'held'
        WHEN ${stale} THEN 'opened'
        WHEN ${s(safeguards.windowApplied)} < ${s(safeguards.windowLimit)} THEN 'counted'
        ELSE 'tripped' END
      END
    END`;
  const decided = sql`d.decided`;
  const opened = sql`${decided} = 'opened'`;
  const setting = <T>(column: SQLiteColumn, fallback: T) => sql`coalesce(${d(column)}, ${fallback})`;
  const thresholdPercent = setting(safeguards.thresholdPercent, SAFEGUARD_DEFAULTS.thresholdPercent);
  const minimumMembers = setting(safeguards.minimumMembers, SAFEGUARD_DEFAULTS.minimumMembers);
  // In the order of the table's columns (drizzle inserts a SELECT into all of them).
  const row = sql.join(
    [
      sql`${orgId}`,
      setting(safeguards.enabled, 1),
      thresholdPercent,
      minimumMembers,
      setting(safeguards.windowMinutes, SAFEGUARD_DEFAULTS.windowMinutes),
      sql`CASE WHEN ${opened} THEN ${databaseNow} ELSE ${d(safeguards.windowStartedAt)} END`,
      // A new row has its limit from the defaults whatever it decided; a window's is fixed when it opens.
      sql`CASE WHEN ${opened} OR ${d(safeguards.orgId)} IS NULL THEN max(${minimumMembers}, ${thresholdPercent} * ${activeNow} / 100) ELSE ${d(safeguards.windowLimit)} END`,
      sql`CASE ${decided} WHEN 'opened' THEN 1 WHEN 'counted' THEN ${d(safeguards.windowApplied)} + 1 ELSE coalesce(${d(safeguards.windowApplied)}, 0) END`,
      sql`CASE WHEN ${decided} = 'tripped' THEN ${databaseNow} ELSE ${d(safeguards.trippedAt)} END`,
      sql`CASE WHEN ${opened} THEN NULL ELSE ${d(safeguards.releasedAt)} END`,
      decided,
    ],
    sql`, `,
  );
  const excluded = (column: SQLiteColumn) => sql`excluded.${sql.identifier(column.name)}`;
  return (
    db
      .insert(safeguards)
      // MATERIALIZED: decided once, not copied into every column by SQLite's flattening. `WHERE
      // true`: SQLite's upsert after a SELECT with a FROM needs a WHERE to parse.
      .select(
        sql`WITH d AS MATERIALIZED (SELECT s.*, ${decision} AS decided FROM (SELECT 1) LEFT JOIN ${safeguards} AS s ON ${s(safeguards.orgId)} = ${orgId}) SELECT ${row} FROM d WHERE true`,
      )
      .onConflictDoUpdate({
        target: safeguards.orgId,
        set: {
          decision: excluded(safeguards.decision),
          windowStartedAt: excluded(safeguards.windowStartedAt),
          windowLimit: excluded(safeguards.windowLimit),
          windowApplied: excluded(safeguards.windowApplied),
          releasedAt: excluded(safeguards.releasedAt),
          trippedAt: excluded(safeguards.trippedAt),
        },
      })
      .returning()
  );
}

/** Records (or, for a held member asked again, refreshes) the hold of a request the deciding statement held. */
export function holdStatement(db: Database, request: Deprovisioning, asked: HeldRequest): BatchItem<"sqlite"> {
  const document = asked.document === null ? null : JSON.stringify(asked.document);
  return db
    .insert(safeguardHolds)
    .select(
      sql`SELECT ${request.orgId}, ${request.memberId}, 'held', ${request.operation}, ${document}, ${request.version}, ${asked.actor}, ${asked.userAgent}, ${asked.requestId}, ${databaseNow}, NULL WHERE ${inDecisions(request.orgId, HOLD)}`,
    )
    .onConflictDoUpdate({
      target: [safeguardHolds.orgId, safeguardHolds.memberId],
      // The latest request is the one a release applies; the first one's time stays.
      set: {
        operation: sql`excluded.operation`,
        document: sql`excluded.document`,
        baseVersion: sql`excluded.base_version`,
        actor: sql`excluded.actor`,
        userAgent: sql`excluded.user_agent`,
        requestId: sql`excluded.request_id`,
      },
    });
}

/** Removes a member's hold, whatever its status (an applied deactivation, a reactivation). `when` makes it conditional. */
export const clearHoldStatement = (db: Database, orgId: string, memberId: string, when?: SQL) =>
  db
    .delete(safeguardHolds)
    .where(and(eq(safeguardHolds.orgId, orgId), eq(safeguardHolds.memberId, memberId), when))
    .returning({ status: safeguardHolds.status });

/** The organization's safeguard row; undefined when it never had one (the defaults, armed). */
export async function selectSafeguard(db: Database, orgId: string) {
  const [row] = await db.select().from(safeguards).where(eq(safeguards.orgId, orgId));
  return row;
}

/** The organization's held requests, counted. */
export const countHeldStatement = (db: Database, orgId: string) =>
  db
    .select({ count: sql<number>`count(*)`, lastAt: sql<string | null>`max(${safeguardHolds.requestedAt})` })
    .from(safeguardHolds)
    .where(and(eq(safeguardHolds.orgId, orgId), eq(safeguardHolds.status, "held")));

export const selectSafeguardStatement = (db: Database, orgId: string) =>
  db.select().from(safeguards).where(eq(safeguards.orgId, orgId));

export type SafeguardSettings = Partial<
  Pick<typeof safeguards.$inferInsert, "enabled" | "thresholdPercent" | "minimumMembers" | "windowMinutes">
>;

/** Writes settings, creating the row with the defaults for the rest; returns it as it now is. */
export const upsertSettingsStatement = (db: Database, orgId: string, settings: SafeguardSettings) =>
  db
    .insert(safeguards)
    .values({ orgId, ...settings })
    .onConflictDoUpdate({ target: safeguards.orgId, set: settings })
    .returning();

/**
 * A release: the window lets deactivations pass for the rest of its time, the trip ends, and every
 * held request becomes `released` (applied next, and passed when the identity provider retries it
 * first). Returns the released members, none when nothing was held.
 */
export function releaseStatements(db: Database, orgId: string) {
  return [
    db
      .update(safeguards)
      .set({ releasedAt: databaseNow, trippedAt: null })
      .where(and(eq(safeguards.orgId, orgId), sql`EXISTS (${heldMembers(orgId)})`)),
    db
      .update(safeguardHolds)
      .set({ status: "released", decidedAt: databaseNow })
      .where(and(eq(safeguardHolds.orgId, orgId), eq(safeguardHolds.status, "held")))
      .returning({ memberId: safeguardHolds.memberId }),
  ] as const;
}

/** The members whose requests are held now, as (id, user_name), for the entry of an admin's decision on them. */
export const heldMembers = (orgId: string) =>
  sql`SELECT ${members.id} AS id, ${members.userName} AS user_name FROM ${safeguardHolds} JOIN ${members} ON ${members.id} = ${safeguardHolds.memberId} WHERE ${safeguardHolds.orgId} = ${orgId} AND ${safeguardHolds.status} = 'held'`;

/** A reject: the trip ends and every held request becomes `rejected` (its member stays active). */
export function rejectStatements(db: Database, orgId: string) {
  return [
    db.update(safeguards).set({ trippedAt: null }).where(eq(safeguards.orgId, orgId)),
    db
      .update(safeguardHolds)
      .set({ status: "rejected", decidedAt: databaseNow })
      .where(and(eq(safeguardHolds.orgId, orgId), eq(safeguardHolds.status, "held")))
      .returning({ memberId: safeguardHolds.memberId }),
  ] as const;
}

/** Lets one member's refused deactivation through: its next one passes uncounted. */
export const exemptStatement = (db: Database, orgId: string, memberId: string) =>
  db
    .update(safeguardHolds)
    .set({ status: "exempt", decidedAt: databaseNow })
    .where(
      and(
        eq(safeguardHolds.orgId, orgId),
        eq(safeguardHolds.memberId, memberId),
        eq(safeguardHolds.status, "rejected"),
      ),
    )
    .returning({ memberId: safeguardHolds.memberId });

/** Holds of a status with their members' names, a keyset page in the order they were asked. */
export function selectHoldPage(
  db: Database,
  query: { orgId: string; status: SafeguardHoldStatus; after?: { at: string; id: string }; limit: number },
) {
  return db
    .select({
      memberId: safeguardHolds.memberId,
      status: safeguardHolds.status,
      operation: safeguardHolds.operation,
      document: safeguardHolds.document,
      baseVersion: safeguardHolds.baseVersion,
      actor: safeguardHolds.actor,
      userAgent: safeguardHolds.userAgent,
      requestId: safeguardHolds.requestId,
      requestedAt: safeguardHolds.requestedAt,
      decidedAt: safeguardHolds.decidedAt,
      userName: members.userName,
      email: members.email,
      memberDocument: members.document,
    })
    .from(safeguardHolds)
    .innerJoin(members, eq(members.id, safeguardHolds.memberId))
    .where(
      and(
        eq(safeguardHolds.orgId, query.orgId),
        eq(safeguardHolds.status, query.status),
        query.after
          ? sql`(${safeguardHolds.requestedAt}, ${safeguardHolds.memberId}) > (${query.after.at}, ${query.after.id})`
          : undefined,
      ),
    )
    .orderBy(asc(safeguardHolds.requestedAt), asc(safeguardHolds.memberId))
    .limit(query.limit);
}

/** One member's hold, if it has one. */
export async function selectHold(db: Database, orgId: string, memberId: string) {
  const [hold] = await db
    .select()
    .from(safeguardHolds)
    .where(and(eq(safeguardHolds.orgId, orgId), eq(safeguardHolds.memberId, memberId)));
  return hold;
}

/** Organizations with released requests not applied yet (a release larger than one invocation's statements). */
export async function selectOrganizationsReleasing(db: Database, limit: number): Promise<string[]> {
  const rows = await db
    .selectDistinct({ orgId: safeguardHolds.orgId })
    .from(safeguardHolds)
    .where(eq(safeguardHolds.status, "released"))
    .limit(limit);
  return rows.map((row) => row.orgId);
}
