import { and, asc, count, eq, gt, inArray, type SQL, sql } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import type { FilterTarget } from "../scim/filter/target";
import { groupResourceType } from "../scim/schemas/resource-type";
import { chunksFor } from "./chunks";
import type { Database } from "./client";
import { afterKey, afterKeyset, type Keyset, orderByKey, type SortKey } from "./keyset";
import { members, teamMembers, teams } from "./schema";
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

export const selectMembersOfTeamStatement = (db: Database, teamId: string) =>
  selectTeamMemberRows(db, eq(teamMembers.teamId, teamId));

/** The team holding a display name in any scope, to explain a uniqueness conflict. */
export async function selectTeamNamed(db: Database, orgId: string, displayNameLower: string) {
  const [team] = await db
    .select()
    .from(teams)
    .where(and(eq(teams.orgId, orgId), eq(teams.displayNameLower, displayNameLower)));
  return team;
}

/** The organization's members with these ids (any scope), read in chunks within one round trip. */
export async function selectMembersById(db: Database, orgId: string, ids: string[]) {
  const chunks = chunksFor(ids, 1, 1);
  if (chunks.length === 0) return [];
  const [first, ...rest] = chunks.map((chunk) =>
    db
      .select({ id: members.id, userName: members.userName, provisioned: members.provisioned })
      .from(members)
      .where(and(eq(members.orgId, orgId), inArray(members.id, chunk))),
  );
  return (await db.batch([first, ...rest])).flat();
}

export async function selectTeamMemberIds(db: Database, teamId: string): Promise<string[]> {
  const rows = await db.select({ id: teamMembers.memberId }).from(teamMembers).where(eq(teamMembers.teamId, teamId));
  return rows.map((r) => r.id);
}

/** Members of several teams with their user names, for rendering `members` (one round trip). */
export async function selectMembersOfTeams(db: Database, teamIds: string[]) {
  if (teamIds.length === 0) return new Map<string, { id: string; userName: string }[]>();
  const [first, ...rest] = chunksFor(teamIds, 1).map((chunk) =>
    selectTeamMemberRows(db, inArray(teamMembers.teamId, chunk)),
  );
  return groupBy((await db.batch([first, ...rest])).flat(), (row) => row.teamId);
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

export const insertTeamStatement = (db: Database, row: NewTeam) => db.insert(teams).values(row).returning();

/** Adds membership rows; those already present are skipped, and only the new ones come back. */
export function addMembershipStatements(
  db: Database,
  team: Pick<Team, "id" | "orgId">,
  memberIds: string[],
): BatchItem<"sqlite">[] {
  return chunksFor(memberIds, 3).map((chunk) =>
    db
      .insert(teamMembers)
      .values(chunk.map((memberId) => ({ teamId: team.id, memberId, orgId: team.orgId })))
      .onConflictDoNothing()
      .returning({ id: teamMembers.memberId }),
  );
}

/** Deletes exactly these membership rows; only those that existed come back. */
export function removeMembershipStatements(db: Database, teamId: string, memberIds: string[]): BatchItem<"sqlite">[] {
  return chunksFor(memberIds, 1, 1).map((chunk) =>
    db
      .delete(teamMembers)
      .where(and(eq(teamMembers.teamId, teamId), inArray(teamMembers.memberId, chunk)))
      .returning({ id: teamMembers.memberId }),
  );
}

/** Bumps the team's version with every write, membership included, so its ETag changes. */
export const touchTeamStatement = (db: Database, id: string, changes: Partial<NewTeam>) =>
  db
    .update(teams)
    .set({ ...changes, version: sql`${teams.version} + 1` })
    .where(eq(teams.id, id))
    .returning();

/** A condition for a batch: the team exists. */
export const teamExists = (id: string) => sql`EXISTS (SELECT 1 FROM ${teams} WHERE ${teams.id} = ${id})`;

export const deleteTeamStatement = (db: Database, team: { orgId: string; id: string }) =>
  db
    .delete(teams)
    .where(and(eq(teams.orgId, team.orgId), eq(teams.id, team.id)))
    .returning({ id: teams.id });

/**
 * The members among `ids` that are (`inTeam`) or are not yet in the team, as (id, user_name) rows:
 * evaluated inside a batch before its membership writes, exactly what a removal or an addition will
 * change. The ids travel as one JSON parameter, whatever their number.
 */
export function membersAmong(team: { orgId: string; id: string }, ids: string[], inTeam: boolean): SQL {
  const membership = sql`EXISTS (SELECT 1 FROM ${teamMembers} WHERE ${teamMembers.teamId} = ${team.id} AND ${teamMembers.memberId} = m.id)`;
  return sql`SELECT m.id, m.user_name FROM ${members} AS m
    WHERE m.org_id = ${team.orgId} AND m.id IN (SELECT value FROM json_each(${JSON.stringify(ids)}))
      AND ${inTeam ? membership : sql`NOT ${membership}`}
    ORDER BY m.user_name_lower`;
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
    .select({ id: members.id, userName: members.userName, email: members.email, provisioned: members.provisioned })
    .from(teamMembers)
    .innerJoin(members, eq(members.id, teamMembers.memberId))
    .where(and(eq(teamMembers.teamId, teamId), query.afterId ? gt(teamMembers.memberId, query.afterId) : undefined))
    .orderBy(asc(teamMembers.memberId))
    .limit(query.limit);
}
