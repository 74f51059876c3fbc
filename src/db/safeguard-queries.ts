import { and, asc, eq, type SQL, sql } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
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
 */
export function decideDeprovisioningStatement(db: Database, request: Deprovisioning) {
  const { orgId, memberId } = request;
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
  const stale = sql`(${safeguards.windowStartedAt} IS NULL OR ${safeguards.windowStartedAt} <= strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '-' || ${safeguards.windowMinutes} || ' minutes'))`;
  const decision = sql`(CASE
    WHEN NOT ${asRead} THEN 'moved'
    WHEN NOT ${counts} OR ${safeguards.enabled} = 0 THEN 'passed'
    WHEN ${hold} IN ('exempt', 'released') THEN 'passed'
    WHEN ${hold} = 'rejected' THEN 'refused'
    WHEN ${hold} = 'held' THEN 'waiting'
    WHEN ${safeguards.releasedAt} IS NOT NULL AND NOT ${stale} THEN 'passed'
    WHEN ${safeguards.trippedAt} IS NOT NULL THEN 'held'
    WHEN ${stale} THEN 'opened'
    WHEN ${safeguards.windowApplied} < ${safeguards.windowLimit} THEN 'counted'
    ELSE 'tripped' END)`;
  // An organization's first: armed with the defaults, nothing held, so its window opens.
  const first = sql`(CASE WHEN NOT ${asRead} THEN 'moved' WHEN NOT ${counts} THEN 'passed' ELSE 'opened' END)`;
  const opened = (d: SQL) => sql`${d} = 'opened'`;
  const limit = (percent: SQL | number, minimum: SQL | number) => sql`max(${minimum}, ${percent} * ${activeNow} / 100)`;
  return db
    .insert(safeguards)
    .values({
      orgId,
      decision: first,
      windowStartedAt: sql`CASE WHEN ${opened(first)} THEN ${databaseNow} END`,
      windowLimit: limit(SAFEGUARD_DEFAULTS.thresholdPercent, SAFEGUARD_DEFAULTS.minimumMembers),
      windowApplied: sql`CASE WHEN ${opened(first)} THEN 1 ELSE 0 END`,
    })
    .onConflictDoUpdate({
      target: safeguards.orgId,
      // Every expression reads the row as it was before this statement, so each repeats the decision.
      set: {
        decision,
        windowStartedAt: sql`CASE WHEN ${opened(decision)} THEN ${databaseNow} ELSE ${safeguards.windowStartedAt} END`,
        windowLimit: sql`CASE WHEN ${opened(decision)} THEN ${limit(sql`${safeguards.thresholdPercent}`, sql`${safeguards.minimumMembers}`)} ELSE ${safeguards.windowLimit} END`,
        windowApplied: sql`CASE ${decision} WHEN 'opened' THEN 1 WHEN 'counted' THEN ${safeguards.windowApplied} + 1 ELSE ${safeguards.windowApplied} END`,
        releasedAt: sql`CASE WHEN ${opened(decision)} THEN NULL ELSE ${safeguards.releasedAt} END`,
        trippedAt: sql`CASE WHEN ${decision} = 'tripped' THEN ${databaseNow} ELSE ${safeguards.trippedAt} END`,
      },
    })
    .returning();
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
