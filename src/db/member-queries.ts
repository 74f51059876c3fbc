import { and, asc, count, eq, getTableColumns, inArray, or, type SQL, sql } from "drizzle-orm";
import { foldCase } from "../scim/folding";
import { userResourceType } from "../scim/schemas/resource-type";
import { chunksFor } from "./chunks";
import type { Database } from "./client";
import { textMatch } from "./filter/compare";
import type { FilterTarget } from "./filter/target";
import { foldedSql } from "./folding";
import { afterKey, afterKeyset, type Keyset, orderByKey, type SortKey } from "./keyset";
import { memberEmails, members, teamMembers, teams } from "./schema";
import type { Member, NewMember } from "./schema-types";

/** What part of an organization's members a caller sees: SCIM sees provisioned members only. */
export interface MemberScope {
  orgId: string;
  provisionedOnly: boolean;
}

function inScope(scope: MemberScope): SQL {
  // An organization holds many members: the hint keeps SQLite from preferring a scan of the
  // organization's index over a selective lookup (an email, a list of ids) when it has no statistics.
  const inOrg = sql`likelihood(${eq(members.orgId, scope.orgId)}, 0.9)`;
  return scope.provisionedOnly ? and(inOrg, eq(members.provisioned, true))! : inOrg;
}

/** A member with its provisioned teams as JSON `[{"id","displayName"}]`, read in the same statement. */
export type MemberWithGroups = Member & { groups: string | null };

// "members"."id" is spelled out: drizzle leaves columns unqualified in single-table selects, and
// inside this subquery a bare "id" would name the team's.
const provisionedTeamsOf = sql<string | null>`(
  SELECT json_group_array(json_object('id', g.id, 'displayName', g.display_name)) FROM (
    SELECT t.id, t.display_name FROM ${teamMembers} tm JOIN ${teams} t ON t.id = tm.team_id
    WHERE tm.member_id = "members"."id" AND t.provisioned = 1 ORDER BY t.display_name_lower
  ) AS g)`;

/** Members, with their provisioned teams when the response will show them. */
const selectMembers = (db: Database, withGroups: boolean) =>
  db.select({ ...getTableColumns(members), groups: withGroups ? provisionedTeamsOf : sql<null>`NULL` }).from(members);

export const selectMemberStatement = (db: Database, scope: MemberScope, id: string, withGroups = false) =>
  selectMembers(db, withGroups).where(and(inScope(scope), eq(members.id, id)));

export async function selectMember(db: Database, scope: MemberScope, id: string): Promise<Member | undefined> {
  const [member] = await selectMemberStatement(db, scope, id);
  return member;
}

export const insertMemberStatement = (db: Database, row: NewMember) => db.insert(members).values(row).returning();

/** What a write of a member sets; its version and timestamps are the database's (see the schema). */
export type MemberChanges = Partial<Omit<NewMember, "id" | "orgId" | "version" | "createdAt" | "updatedAt">>;

/**
 * Writes a member only if nobody wrote it since `expectedVersion` was read, returning it as written
 * (the next version, stamped now); no row otherwise, or when `when` (a condition of its batch) does not hold.
 */
export const updateMemberAtVersionStatement = (
  db: Database,
  id: string,
  expectedVersion: number,
  changes: MemberChanges,
  when?: SQL,
) =>
  db
    .update(members)
    .set(changes)
    .where(and(eq(members.id, id), eq(members.version, expectedVersion), when))
    .returning();

/** The member if it is still at `version`; no row otherwise. */
export const selectMemberAtVersionStatement = (db: Database, id: string, version: number) =>
  db
    .select()
    .from(members)
    .where(and(eq(members.id, id), eq(members.version, version)));

export const deleteMemberStatement = (db: Database, member: { orgId: string; id: string }, when?: SQL) =>
  db
    .delete(members)
    .where(and(eq(members.orgId, member.orgId), eq(members.id, member.id), when))
    .returning({ id: members.id });

/** A condition for a batch: the member exists. */
export const memberExists = (id: string) => sql`EXISTS (SELECT 1 FROM ${members} WHERE ${members.id} = ${id})`;

/** A condition for a batch, after a write of the member: it exists and has moved on from the version read. */
export const memberMovedOn = (member: { id: string; version: number }) =>
  sql`EXISTS (SELECT 1 FROM ${members} WHERE ${members.id} = ${member.id} AND ${members.version} <> ${member.version})`;

/** Members (in any scope) that hold a user name or an email, to explain a uniqueness conflict. */
export async function selectMembersHolding(
  db: Database,
  orgId: string,
  holds: { userNameLower: string; emailLower: string },
): Promise<Member[]> {
  return db
    .select()
    .from(members)
    .where(
      and(
        eq(members.orgId, orgId),
        or(eq(members.userNameLower, holds.userNameLower), eq(members.emailLower, holds.emailLower)),
      ),
    );
}

/** The member fields a SCIM list can be sorted by, keyed by canonical lower-case attribute path. */
export const memberSortFields = {
  username: "userNameLower",
  displayname: "sortDisplayName",
  externalid: "sortExternalId",
  "name.familyname": "sortFamilyName",
  "name.givenname": "sortGivenName",
  "emails.value": "sortEmail",
  "meta.created": "createdAt",
  "meta.lastmodified": "updatedAt",
} as const satisfies Record<string, keyof Member>;

export type MemberSortField = (typeof memberSortFields)[keyof typeof memberSortFields];

/**
 * One page in a total order (a sort column, then id; creation order by default): from a position by
 * key when there is one (a cursor, a remembered page start), else by OFFSET. Each order has an index.
 */
export function selectMemberPageStatement(
  db: Database,
  scope: MemberScope,
  options: {
    where?: SQL;
    sort?: { field: MemberSortField; descending: boolean };
    offset: number;
    from?: { key: SortKey; inclusive: boolean };
    limit: number;
    withGroups: boolean;
  },
) {
  const order = {
    column: members[options.sort?.field ?? "createdAt"],
    id: members.id,
    descending: options.sort?.descending ?? false,
  };
  const page = selectMembers(db, options.withGroups)
    .where(and(inScope(scope), options.where, afterKey(order, options.from?.key, options.from?.inclusive)))
    .orderBy(...orderByKey(order))
    .limit(options.limit);
  return options.from ? page : page.offset(options.offset);
}

/** How many members a filter matches (unfiltered totals come from the organization's counter). */
export const countMembersStatement = (db: Database, scope: MemberScope, where: SQL) =>
  db
    .select({ total: count() })
    .from(members)
    .where(and(inScope(scope), where));

export interface MemberListQuery {
  /** Part of the email or of the first or last name, case-insensitively. */
  q?: string;
  source?: string;
  active?: boolean;
  after?: Keyset;
  limit: number;
}

/** The control panel's member list: filters, then a keyset page in (created_at, id) order. */
export async function selectMemberKeysetPage(db: Database, orgId: string, query: MemberListQuery): Promise<Member[]> {
  const q = query.q ? foldCase(query.q) : undefined;
  return db
    .select()
    .from(members)
    .where(
      and(
        eq(members.orgId, orgId),
        query.source ? eq(members.source, query.source as Member["source"]) : undefined,
        query.active === undefined ? undefined : eq(members.active, query.active),
        q
          ? or(
              ...[
                sql`${members.emailLower}`,
                foldedSql(sql`json_extract(${members.document}, '$.name.givenName')`),
                foldedSql(sql`json_extract(${members.document}, '$.name.familyName')`),
              ].map((expression) => textMatch(expression, "co", q)),
            )
          : undefined,
        afterKeyset(members.createdAt, members.id, query.after),
      ),
    )
    .orderBy(asc(members.createdAt), asc(members.id))
    .limit(query.limit);
}

/** How SCIM filter attributes map onto the members table, its indexes and the email mirror. */
export function memberFilterTarget(orgId: string): FilterTarget {
  return {
    resourceType: userResourceType,
    columns: {
      id: sql`${members.id}`,
      username: sql`${members.userNameLower}`,
      externalid: sql`${members.externalId}`,
      active: sql`${members.active}`,
      "meta.created": sql`${members.createdAt}`,
      "meta.lastmodified": sql`${members.updatedAt}`,
    },
    sideTables: {
      emails: {
        columns: {
          value: sql`${memberEmails.valueLower}`,
          type: sql`${memberEmails.typeLower}`,
          primary: sql`${memberEmails.primary}`,
        },
        match: (condition) =>
          sql`${members.id} IN (SELECT ${memberEmails.memberId} FROM ${memberEmails} WHERE ${memberEmails.orgId} = ${orgId} AND ${condition})`,
      },
      // `groups` lists provisioned teams only, so only their memberships can match.
      groups: {
        columns: { value: sql`${teamMembers.teamId}` },
        match: (condition) =>
          sql`${members.id} IN (SELECT ${teamMembers.memberId} FROM ${teamMembers} JOIN ${teams} ON ${teams.id} = ${teamMembers.teamId} AND ${teams.provisioned} = 1 WHERE ${teamMembers.orgId} = ${orgId} AND ${condition})`,
      },
    },
    document: sql`${members.document}`,
  };
}

/** The organization's members holding these emails (lower-cased), read in chunks within one round trip. */
export async function selectMembersByEmail(db: Database, orgId: string, emailsLower: string[]): Promise<Member[]> {
  const [first, ...rest] = chunksFor(emailsLower, 1, 1).map((chunk) =>
    db
      .select()
      .from(members)
      .where(and(eq(members.orgId, orgId), inArray(members.emailLower, chunk))),
  );
  return first ? (await db.batch([first, ...rest])).flat() : [];
}
