import { and, asc, count, eq, exists, gt, inArray, notExists, type SQL, sql } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import type { SQLiteColumn } from "drizzle-orm/sqlite-core";
import { groupResourceType } from "../scim/schemas/resource-type";
import { chunksFor } from "./chunks";
import type { Database } from "./client";
import type { FilterTarget } from "./filter/target";
import { afterKey, afterKeyset, type Keyset, orderByKey, type SortKey } from "./keyset";
import { members, organizations, teamMembers, teams, writeGuards } from "./schema";
import type { NewTeam, Team } from "./schema-types";

/** What part of an organization's teams a caller sees: SCIM sees provisioned teams only. */
export interface TeamScope {
  orgId: string;
  provisionedOnly: boolean;
}

function inScope(scope: TeamScope): SQL {
  // As for members: an organization holds many teams; keep selective lookups preferred.
  const inOrg = sql`likelihood(${eq(teams.orgId, scope.orgId)}, 0.9)`;
  return scope.provisionedOnly ? and(inOrg, eq(teams.provisioned, true))! : inOrg;
}

export const selectTeamStatement = (db: Database, scope: TeamScope, id: string) =>
  db
    .select()
    .from(teams)
    .where(and(inScope(scope), eq(teams.id, id)));

export async function selectTeam(db: Database, scope: TeamScope, id: string): Promise<Team | undefined> {
  const [team] = await selectTeamStatement(db, scope, id);
  return team;
}

/** The team fields a SCIM list can be sorted by, keyed by canonical lower-case attribute path. */
export const teamSortFields = {
  displayname: "displayNameLower",
  externalid: "sortExternalId",
  "meta.created": "createdAt",
  "meta.lastmodified": "updatedAt",
} as const satisfies Record<string, keyof Team>;

export type TeamSortField = (typeof teamSortFields)[keyof typeof teamSortFields];

/** One page in a total order (a sort column, then id), from a key or by OFFSET, as for members. */
export function selectTeamPageStatement(
  db: Database,
  scope: TeamScope,
  options: {
    where?: SQL;
    sort?: { field: TeamSortField; descending: boolean };
    offset: number;
    from?: { key: SortKey; inclusive: boolean };
    limit: number;
  },
) {
  const order = {
    column: teams[options.sort?.field ?? "createdAt"],
    id: teams.id,
    descending: options.sort?.descending ?? false,
  };
  const page = db
    .select()
    .from(teams)
    .where(and(inScope(scope), options.where, afterKey(order, options.from?.key, options.from?.inclusive)))
    .orderBy(...orderByKey(order))
    .limit(options.limit);
  return options.from ? page : page.offset(options.offset);
}

/** How many teams a filter matches (unfiltered totals come from the organization's counter). */
export const countTeamsStatement = (db: Database, scope: TeamScope, where: SQL) =>
  db
    .select({ total: count() })
    .from(teams)
    .where(and(inScope(scope), where));

/** Members of the teams a condition selects, with their user names, for rendering `members`. */
const selectTeamMemberRows = (db: Database, teamCondition: SQL) =>
  db
    .select({ teamId: teamMembers.teamId, id: members.id, userName: members.userName })
    .from(teamMembers)
    .innerJoin(members, eq(members.id, teamMembers.memberId))
    .where(teamCondition)
    .orderBy(asc(members.userNameLower));

/** The team holding a display name in any scope, to explain a uniqueness conflict. */
export async function selectTeamNamed(db: Database, orgId: string, displayNameLower: string) {
  const [team] = await db
    .select()
    .from(teams)
    .where(and(eq(teams.orgId, orgId), eq(teams.displayNameLower, displayNameLower)));
  return team;
}

/**
 * Ids as one bound parameter, a JSON array read by json_each: a statement names any number of
 * members without D1's 100-parameter limit, so a membership write is a fixed number of statements
 * whatever its size.
 */
const idsTable = (ids: readonly string[]) => sql`json_each(${JSON.stringify(ids)})`;

/**
 * The organization's members with these ids (any scope), in one statement. The join starts from
 * the ids (CROSS JOIN fixes the order), so each is one primary-key lookup, never a scan of the organization.
 */
export async function selectMembersById(db: Database, orgId: string, ids: readonly string[]) {
  if (ids.length === 0) return [];
  const rows = await db.all<{ id: string; userName: string; provisioned: number }>(
    sql`SELECT m.id AS id, m.user_name AS userName, m.provisioned AS provisioned
        FROM ${idsTable(ids)} AS j CROSS JOIN ${members} AS m ON m.id = j.value WHERE m.org_id = ${orgId}`,
  );
  return rows.map((row) => ({ ...row, provisioned: row.provisioned === 1 }));
}

/** Members of several teams with their user names, for rendering `members` (one round trip). */
export async function selectMembersOfTeams(db: Database, teamIds: string[]) {
  if (teamIds.length === 0) return new Map<string, { id: string; userName: string }[]>();
  const [first, ...rest] = chunksFor(teamIds, 1).map((chunk) =>
    selectTeamMemberRows(db, inArray(teamMembers.teamId, chunk)),
  );
  return groupBy((await db.batch([first, ...rest])).flat(), (row) => row.teamId);
}

/**
 * The members of a list page's teams in one round trip, at most `limit` rows per statement, in the
 * order a team's own keyset pages use (team, then member id). A team whose rows all came back is
 * in the map; the others are too large to read whole and are read page by page.
 */
export async function selectCompleteMembersOfTeams(db: Database, teamIds: string[], limit: number) {
  const complete = new Map<string, { id: string; userName: string }[]>();
  if (teamIds.length === 0) return complete;
  const chunks = chunksFor(teamIds, 1, 1);
  const [first, ...rest] = chunks.map((chunk) =>
    db
      .select({ teamId: teamMembers.teamId, id: members.id, userName: members.userName })
      .from(teamMembers)
      .innerJoin(members, eq(members.id, teamMembers.memberId))
      .where(inArray(teamMembers.teamId, chunk))
      .orderBy(asc(teamMembers.teamId), asc(teamMembers.memberId))
      .limit(limit + 1),
  );
  const results = await db.batch([first, ...rest]);
  chunks.forEach((chunk, i) => {
    const rows = results[i];
    // One row more than the limit: the teams before the last one seen are whole, that one and those after it are not.
    const cut = rows.length > limit ? rows[limit].teamId : undefined;
    const byTeam = groupBy(rows.slice(0, limit), (row) => row.teamId);
    for (const teamId of chunk) {
      if (cut === undefined || teamId < cut) complete.set(teamId, byTeam.get(teamId) ?? []);
    }
  });
  return complete;
}

/** Teams of several members, for rendering a user's `groups` (one round trip). */
export async function selectTeamsOfMembers(db: Database, scope: TeamScope, memberIds: string[]) {
  if (memberIds.length === 0) return new Map<string, { id: string; displayName: string }[]>();
  const [first, ...rest] = chunksFor(memberIds, 1, 2).map((chunk) =>
    db
      .select({ memberId: teamMembers.memberId, id: teams.id, displayName: teams.displayName })
      .from(teamMembers)
      .innerJoin(teams, eq(teams.id, teamMembers.teamId))
      .where(and(inArray(teamMembers.memberId, chunk), inScope(scope)))
      .orderBy(asc(teams.displayNameLower)),
  );
  return groupBy((await db.batch([first, ...rest])).flat(), (row) => row.memberId);
}

/** Inserts a team, at version 1 and stamped by the database (see the schema); the row comes back. */
export const insertTeamStatement = (db: Database, row: NewTeam) => db.insert(teams).values(row).returning();

/**
 * A new team's first members, for the batch that creates the team, placed before its insert: the
 * rows go in while the team does not exist yet (D1 checks their foreign keys at the batch's commit,
 * by which time it does), so the membership triggers, which move a team's version, find no team to
 * move, and a team starts at version 1 whatever its size. Members deleted meanwhile are skipped.
 */
export const addFirstMembersStatements = (
  db: Database,
  team: { id: string; orgId: string },
  ids: readonly string[],
): BatchItem<"sqlite">[] => [
  db.run(sql`PRAGMA defer_foreign_keys = ON`),
  db
    .insert(teamMembers)
    .select(joiningRows(db, team, ids))
    .onConflictDoNothing(),
];

/** A team by id in any scope: the end of a write's batch, the team as the write left it. */
export const selectTeamByIdStatement = (db: Database, id: string) => db.select().from(teams).where(eq(teams.id, id));

/**
 * A statement of a conditional write: breaks the write guard's check, and so rolls the whole batch
 * back, unless the team still exists, at the version the caller read when one is given. (Query
 * builders throughout: drizzle's D1 batch cannot bind the parameters of a raw `db.all`/`db.run` statement.)
 */
export const requireTeamStatement = (db: Database, team: { id: string; orgId: string }, version?: number) =>
  db.insert(writeGuards).select(
    db
      .select({ stale: sql<number>`1`.as("stale") })
      .from(organizations)
      .where(
        and(
          eq(organizations.id, team.orgId),
          notExists(
            db
              .select({ id: teams.id })
              .from(teams)
              .where(and(eq(teams.id, team.id), version === undefined ? undefined : eq(teams.version, version))),
          ),
        ),
      ),
  );

/** `column IN (the ids)`, the ids as one JSON parameter (see idsTable). */
const inIds = (column: SQLiteColumn, ids: readonly string[]) => sql`${column} IN (SELECT value FROM ${idsTable(ids)})`;

/**
 * Adds these members to the team; those already in it are skipped, and so are members deleted
 * meanwhile, or every one of them if the team itself was deleted meanwhile. Only the rows really
 * added come back.
 */
export const addMembersStatement = (db: Database, team: { id: string; orgId: string }, ids: readonly string[]) =>
  db
    .insert(teamMembers)
    .select(joiningRows(db, team, ids, exists(db.select({ id: teams.id }).from(teams).where(eq(teams.id, team.id)))))
    .onConflictDoNothing()
    .returning({ id: teamMembers.memberId });

/** The membership rows of the organization's members among `ids` joining the team (when `also` holds). */
const joiningRows = (db: Database, team: { id: string; orgId: string }, ids: readonly string[], also?: SQL) =>
  db
    .select({ teamId: sql<string>`${team.id}`.as("team_id"), memberId: members.id, orgId: members.orgId })
    .from(members)
    .where(
      and(
        // As in selectMembersById: look each id up by key, never scan the organization.
        sql`likelihood(${eq(members.orgId, team.orgId)}, 0.9)`,
        inIds(members.id, ids),
        also,
      ),
    );

/** Removes exactly these members from the team; only those that were in it come back. */
export const removeMembersStatement = (db: Database, teamId: string, ids: readonly string[]) =>
  db
    .delete(teamMembers)
    .where(and(eq(teamMembers.teamId, teamId), inIds(teamMembers.memberId, ids)))
    .returning({ id: teamMembers.memberId });

/**
 * Removes every member not in `ids`: with addMembersStatement in the same batch, a full push whose
 * difference SQLite computes against the rows as they are when the batch runs, not as an earlier read saw them.
 */
export const removeMembersExceptStatement = (db: Database, teamId: string, ids: readonly string[]) =>
  db
    .delete(teamMembers)
    .where(and(eq(teamMembers.teamId, teamId), sql`NOT ${inIds(teamMembers.memberId, ids)}`))
    .returning({ id: teamMembers.memberId });

/**
 * What a write of a team's own attributes sets: any column but its identity and provenance and the
 * ones the database keeps (version, timestamps, the sort key), so a new attribute's column needs no edit here.
 */
export type TeamChanges = Partial<
  Omit<NewTeam, "id" | "orgId" | "source" | "provisioned" | "version" | "createdAt" | "updatedAt" | "sortExternalId">
>;

/**
 * Sets a team's own attributes, which moves its version on (see the schema). Membership rows move
 * it themselves (the team_members triggers), so a write that changes no row leaves it as it was.
 */
export const updateTeamAttributesStatement = (db: Database, id: string, changes: TeamChanges) =>
  db.update(teams).set(changes).where(eq(teams.id, id));

/** A condition for a batch: the team exists. */
export const teamExists = (id: string) => sql`EXISTS (SELECT 1 FROM ${teams} WHERE ${teams.id} = ${id})`;

/** Deletes a team the caller read, only at `version` when given; its id comes back when it was deleted. */
export const deleteTeamStatement = (db: Database, team: { orgId: string; id: string }, version?: number) =>
  db
    .delete(teams)
    .where(
      and(
        eq(teams.orgId, team.orgId),
        eq(teams.id, team.id),
        version === undefined ? undefined : eq(teams.version, version),
      ),
    )
    .returning({ id: teams.id });

/**
 * The members among `ids` that are (`inTeam`) or are not yet in the team, as (id, user_name) rows:
 * evaluated inside a batch before its membership writes, exactly what a removal or an addition will
 * change. The ids travel as one JSON parameter, whatever their number; the join starts from them
 * (CROSS JOIN fixes the order), so each is one primary-key lookup, never a scan of the organization.
 */
export function membersAmong(team: { orgId: string; id: string }, ids: readonly string[], inTeam: boolean): SQL {
  const membership = sql`EXISTS (SELECT 1 FROM ${teamMembers} WHERE ${teamMembers.teamId} = ${team.id} AND ${teamMembers.memberId} = m.id)`;
  return sql`SELECT m.id, m.user_name FROM ${idsTable(ids)} AS j CROSS JOIN ${members} AS m ON m.id = j.value
    WHERE m.org_id = ${team.orgId} AND ${inTeam ? membership : sql`NOT ${membership}`}
    ORDER BY m.user_name_lower`;
}

/**
 * The team's members not among `ids` (what a full push removes), as (id, user_name) rows in member
 * id order (the membership key's); `slice` takes part of them (`limit` undefined: all from `offset`).
 */
export function membersOfTeamExcept(
  teamId: string,
  ids: readonly string[],
  slice: { offset: number; limit?: number } = { offset: 0 },
): SQL {
  return sql`SELECT m.id, m.user_name FROM ${teamMembers} AS tm CROSS JOIN ${members} AS m ON m.id = tm.member_id
    WHERE tm.team_id = ${teamId} AND tm.member_id NOT IN (SELECT value FROM ${idsTable(ids)})
    ORDER BY tm.member_id LIMIT ${slice.limit ?? -1} OFFSET ${slice.offset}`;
}

/** The control panel's team list: a keyset page in (created_at, id) order, optionally manual teams only. */
export async function selectTeamKeysetPage(
  db: Database,
  orgId: string,
  query: { manualOnly?: boolean; after?: Keyset; limit: number },
): Promise<Team[]> {
  return db
    .select()
    .from(teams)
    .where(
      and(
        eq(teams.orgId, orgId),
        query.manualOnly ? eq(teams.provisioned, false) : undefined,
        afterKeyset(teams.createdAt, teams.id, query.after),
      ),
    )
    .orderBy(asc(teams.createdAt), asc(teams.id))
    .limit(query.limit);
}

/** Member counts of several teams, in one round trip. */
export async function countMembersOfTeams(db: Database, teamIds: string[]): Promise<Map<string, number>> {
  if (teamIds.length === 0) return new Map();
  const [first, ...rest] = chunksFor(teamIds, 1).map((chunk) =>
    db
      .select({ teamId: teamMembers.teamId, members: count() })
      .from(teamMembers)
      .where(inArray(teamMembers.teamId, chunk))
      .groupBy(teamMembers.teamId),
  );
  return new Map((await db.batch([first, ...rest])).flat().map((row) => [row.teamId, row.members]));
}

/** How many members and teams came from the identity provider (the SCIM settings page). */
export async function countProvisioned(db: Database, orgId: string) {
  const [[memberCount], [teamCount]] = await db.batch([
    db
      .select({ n: count() })
      .from(members)
      .where(and(eq(members.orgId, orgId), eq(members.provisioned, true))),
    db
      .select({ n: count() })
      .from(teams)
      .where(and(eq(teams.orgId, orgId), eq(teams.provisioned, true))),
  ]);
  return { members: memberCount.n, teams: teamCount.n };
}

/** How SCIM filter attributes map onto the teams table and the membership rows. */
export function teamFilterTarget(orgId: string): FilterTarget {
  return {
    resourceType: groupResourceType,
    columns: {
      id: sql`${teams.id}`,
      displayname: sql`${teams.displayNameLower}`,
      externalid: sql`${teams.externalId}`,
      "meta.created": sql`${teams.createdAt}`,
      "meta.lastmodified": sql`${teams.updatedAt}`,
    },
    sideTables: {
      members: {
        columns: { value: sql`${teamMembers.memberId}` },
        match: (condition) =>
          sql`${teams.id} IN (SELECT ${teamMembers.teamId} FROM ${teamMembers} WHERE ${teamMembers.orgId} = ${orgId} AND ${condition})`,
      },
    },
  };
}

function groupBy<T, K>(rows: T[], key: (row: T) => K): Map<K, T[]> {
  const groups = new Map<K, T[]>();
  for (const row of rows) {
    const list = groups.get(key(row));
    if (list) list.push(row);
    else groups.set(key(row), [row]);
  }
  return groups;
}

/** One page of a team's members in member-id order, a seek on the membership key: no team is read whole. */
export function selectTeamMemberKeysetPage(db: Database, teamId: string, query: { afterId?: string; limit: number }) {
  return db
    .select({
      id: members.id,
      userName: members.userName,
      email: members.email,
      source: members.source,
      provisioned: members.provisioned,
      active: members.active,
      // The name parts alone, not the whole document: a page of 50 stays small whatever the members hold.
      firstName: sql<string | null>`json_extract(${members.document}, '$.name.givenName')`,
      lastName: sql<string | null>`json_extract(${members.document}, '$.name.familyName')`,
    })
    .from(teamMembers)
    .innerJoin(members, eq(members.id, teamMembers.memberId))
    .where(and(eq(teamMembers.teamId, teamId), query.afterId ? gt(teamMembers.memberId, query.afterId) : undefined))
    .orderBy(asc(teamMembers.memberId))
    .limit(query.limit);
}
