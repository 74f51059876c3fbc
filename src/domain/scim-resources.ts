import type { Actor } from "../db/activity-entries";
import type { Database } from "../db/client";
import { type MemberScope, type MemberWithGroups, selectMemberStatement } from "../db/member-queries";
import type { Source } from "../db/schema";
import type { Organization, Team } from "../db/schema-types";
import { selectCompleteMembersOfTeams, selectTeamMemberKeysetPage, selectTeamStatement } from "../db/team-queries";
import type { TenantCheck } from "./scim-tenant";

/** What SCIM sees of an organization: the members and teams its identity provider provisioned, nothing made by hand. */
export const scimScope = (orgId: string): MemberScope => ({ orgId, provisionedOnly: true });

/** Whose the members and teams SCIM creates are: the organization's identity provider (generic when none is named). */
export const provisioningSource = (organization: Organization): Source => organization.scimProvider ?? "generic";

/** Who SCIM's changes are attributed to in the activity log. */
export const provisioningActor = (organization: Organization): Actor => `scim:${provisioningSource(organization)}`;

/** A member of a Group as SCIM shows it. */
export interface GroupMember {
  id: string;
  userName: string;
}

/** Member rows per read of a group's members: a 100,000-member group is read (and written out) 5,000 at a time. */
export const GROUP_MEMBER_PAGE = 5_000;

/** A member SCIM can see, read with the tenant check (with its provisioned teams when `withGroups`); undefined otherwise. */
export async function provisionedMember(
  db: Database,
  check: TenantCheck,
  orgId: string,
  id: string,
  withGroups: boolean,
): Promise<MemberWithGroups | undefined> {
  const { results } = await check([selectMemberStatement(db, scimScope(orgId), id, withGroups)]);
  return results[0][0];
}

/** A team SCIM can see, read with the tenant check; undefined otherwise. */
export async function provisionedTeam(
  db: Database,
  check: TenantCheck,
  orgId: string,
  id: string,
): Promise<Team | undefined> {
  const { results } = await check([selectTeamStatement(db, scimScope(orgId), id)]);
  return results[0][0];
}

/**
 * A team SCIM can see and the first page of its members (GROUP_MEMBER_PAGE of them; the rest by
 * teamMemberPages), read with the tenant check in one round trip.
 */
export async function provisionedTeamWithMembers(
  db: Database,
  check: TenantCheck,
  orgId: string,
  id: string,
): Promise<{ team: Team | undefined; firstPage: GroupMember[] }> {
  const { results } = await check([
    selectTeamStatement(db, scimScope(orgId), id),
    selectTeamMemberKeysetPage(db, id, { limit: GROUP_MEMBER_PAGE }),
  ]);
  return { team: results[0][0], firstPage: results[1] };
}

/** A team's members, page after page by key (GROUP_MEMBER_PAGE each), starting from `first` when it was read already. */
export async function* teamMemberPages(db: Database, teamId: string, first?: GroupMember[]) {
  let page = first ?? (await selectTeamMemberKeysetPage(db, teamId, { limit: GROUP_MEMBER_PAGE }));
  yield page;
  while (page.length === GROUP_MEMBER_PAGE) {
    page = await selectTeamMemberKeysetPage(db, teamId, { afterId: page.at(-1)!.id, limit: GROUP_MEMBER_PAGE });
    yield page;
  }
}

/**
 * The members of a list page's teams in one round trip, up to GROUP_MEMBER_PAGE rows: a team is in
 * the map when all its members came back; a larger one (an "everyone" group) is read by teamMemberPages.
 */
export const completeMembersOfTeams = (db: Database, teamIds: string[]): Promise<Map<string, GroupMember[]>> =>
  selectCompleteMembersOfTeams(db, teamIds, GROUP_MEMBER_PAGE);
