import { and, desc, eq, getTableColumns, gte, inArray, lt, notInArray, type SQL, sql, sum } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import { foldCase } from "../scim/folding";
import { chunksFor } from "./chunks";
import type { Database } from "./client";
import { textMatch } from "./filter/compare";
import type { ScimRequestRecord } from "./pipeline-messages";
import { organizations, retiredScimTokens, scimHealth, scimRequestHours, scimRequests } from "./schema";

const COLUMNS_PER_REQUEST = Object.keys(getTableColumns(scimRequests)).length;

const foldOrNull = (text: string | undefined) => (text === undefined ? null : foldCase(text));

/** A record as stored, with what is derived from it: whether it failed, and what `q` matches the start of. */
const toRow = (r: ScimRequestRecord) => ({
  ...r,
  failed: r.status >= 400,
  subjectLower: foldOrNull(r.userName ?? r.displayName),
});

/** Request records into the log; an id already there is skipped (and, by the trigger, not counted again). */
export function scimRequestStatements(db: Database, records: ScimRequestRecord[]): BatchItem<"sqlite">[] {
  return chunksFor(records, COLUMNS_PER_REQUEST).map((chunk) =>
    db.insert(scimRequests).values(chunk.map(toRow)).onConflictDoNothing({ target: scimRequests.id }),
  );
}

export async function insertScimRequests(db: Database, records: ScimRequestRecord[]): Promise<void> {
  const [first, ...rest] = scimRequestStatements(db, records);
  if (first) await db.batch([first, ...rest]);
}

export interface ScimRequestQuery {
  orgId: string;
  limit: number;
  after?: { at: string; id: string };
  failed?: boolean;
  method?: string;
  resourceType?: string;
  resourceId?: string;
  /** The start of the userName or displayName it concerned (any case), or its exact externalId. */
  q?: string;
  /** One member's records: about its id, or about its userName before it had one (a refused create). */
  concerning?: { id: string; userName: string };
  since?: string;
}

/** Newest first, keyset-paginated over (org_id, …, at, id): no OFFSET, whatever the page. */
export function selectScimRequestPage(db: Database, query: ScimRequestQuery) {
  const q = foldOrNull(query.q);
  const conditions: (SQL | undefined)[] = [
    eq(scimRequests.orgId, query.orgId),
    query.failed === undefined ? undefined : eq(scimRequests.failed, query.failed),
    query.method ? eq(scimRequests.method, query.method) : undefined,
    query.resourceType ? eq(scimRequests.resourceType, query.resourceType) : undefined,
    query.resourceId ? eq(scimRequests.resourceId, query.resourceId) : undefined,
    q && query.q
      ? sql`(${textMatch(sql`${scimRequests.subjectLower}`, "sw", q)} OR ${scimRequests.externalId} = ${query.q})`
      : undefined,
    query.concerning
      ? sql`(${scimRequests.resourceId} = ${query.concerning.id} OR ${scimRequests.subjectLower} = ${foldCase(query.concerning.userName)})`
      : undefined,
    query.since ? gte(scimRequests.at, query.since) : undefined,
    query.after ? sql`(${scimRequests.at}, ${scimRequests.id}) < (${query.after.at}, ${query.after.id})` : undefined,
  ];
  return db
    .select()
    .from(scimRequests)
    .where(and(...conditions))
    .orderBy(desc(scimRequests.at), desc(scimRequests.id))
    .limit(query.limit);
}

/** The health counters and the last day's hourly totals, in one round trip. */
export async function selectScimHealth(db: Database, orgId: string, sinceHour: string) {
  const [[health], [day]] = await db.batch([
    db.select().from(scimHealth).where(eq(scimHealth.orgId, orgId)),
    db
      .select({ requests: sum(scimRequestHours.requests), errors: sum(scimRequestHours.errors) })
      .from(scimRequestHours)
      .where(and(eq(scimRequestHours.orgId, orgId), gte(scimRequestHours.hour, sinceHour))),
  ]);
  return { health, requests: Number(day?.requests ?? 0), errors: Number(day?.errors ?? 0) };
}

export async function isRetiredToken(db: Database, orgId: string, tokenHash: string): Promise<boolean> {
  const [row] = await db
    .select({ orgId: retiredScimTokens.orgId })
    .from(retiredScimTokens)
    .where(and(eq(retiredScimTokens.orgId, orgId), eq(retiredScimTokens.tokenHash, tokenHash)));
  return row !== undefined;
}

/** Deletes up to `limit` records older than `before`; returns how many went. */
export async function deleteScimRequestsBefore(db: Database, before: string, limit: number): Promise<number> {
  const oldest = db.select({ id: scimRequests.id }).from(scimRequests).where(lt(scimRequests.at, before)).limit(limit);
  const deleted = await db
    .delete(scimRequests)
    .where(inArray(scimRequests.id, oldest))
    .returning({ id: scimRequests.id });
  return deleted.length;
}

/** Deletes up to `limit` hourly counters older than `beforeHour`, no longer part of any "last 24 hours". */
export async function deleteRequestHoursBefore(db: Database, beforeHour: string, limit: number): Promise<number> {
  const oldest = sql`SELECT rowid FROM ${scimRequestHours} WHERE ${scimRequestHours.hour} < ${beforeHour} LIMIT ${limit}`;
  const deleted = await db
    .delete(scimRequestHours)
    .where(sql`rowid IN (${oldest})`)
    .returning({ hour: scimRequestHours.hour });
  return deleted.length;
}

/** Retired tokens kept per organization: enough to recognise an IdP that missed a few rotations. */
const RETIRED_TOKENS_KEPT = 10;

/**
 * A token change's bookkeeping, for the batch that writes it, each statement effective only if the
 * organization now holds `newHash` (so only if the change went ahead): the old token's hash joins
 * the retired ones (the oldest beyond ten go), and stale-token attempts count from zero again.
 */
export function tokenChangeStatements(
  db: Database,
  change: { orgId: string; retiredHash: string | null; newHash: string | null; at: string },
): BatchItem<"sqlite">[] {
  const applied = sql`EXISTS (SELECT 1 FROM ${organizations} WHERE ${organizations.id} = ${change.orgId} AND ${organizations.scimTokenHash} IS ${change.newHash})`;
  const reset = db
    .insert(scimHealth)
    .select(sql`SELECT ${change.orgId}, NULL, NULL, NULL, NULL, 0, ${change.at} WHERE ${applied}`)
    .onConflictDoUpdate({ target: scimHealth.orgId, set: { staleTokenAttempts: 0, staleSince: change.at } });
  if (!change.retiredHash) return [reset];
  const kept = db
    .select({ hash: retiredScimTokens.tokenHash })
    .from(retiredScimTokens)
    .where(eq(retiredScimTokens.orgId, change.orgId))
    .orderBy(desc(retiredScimTokens.retiredAt))
    .limit(RETIRED_TOKENS_KEPT);
  return [
    reset,
    db
      .insert(retiredScimTokens)
      .select(sql`SELECT ${change.orgId}, ${change.retiredHash}, ${change.at} WHERE ${applied}`)
      .onConflictDoNothing(),
    db
      .delete(retiredScimTokens)
      .where(and(eq(retiredScimTokens.orgId, change.orgId), notInArray(retiredScimTokens.tokenHash, kept))),
  ];
}
