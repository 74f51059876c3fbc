import type { Database } from "../db/client";
import { selectMembersByEmail } from "../db/member-queries";
import type { Organization, Team } from "../db/schema-types";
import {
  countMembersOfTeams,
  selectMembersOfTeams,
  selectTeamKeysetPage,
  selectTeamMemberKeysetPage,
} from "../db/team-queries";
import { foldCase } from "../scim/folding";
import { DomainError } from "./errors";
import { controlPanelScope, findMember } from "./members";
import { joinsManualTeamsOnly, requireMembersNamed } from "./membership";
import { type Page, type PageRequest, readPage } from "./pages";
import { isReadOnly } from "./read-only";

/** A team as the control panel shows it: with its size, and whether it is read-only there. */
export type ListedTeam = Team & { memberCount: number; readOnly: boolean };

/**
 * The teams a member may join (see mayJoin), a keyset page in creation order: every team for a
 * provisioned member, the manual ones for a manual member. Without a member, every team.
 */
export function assignableTeams(
  db: Database,
  organization: Organization,
  member: { provisioned: boolean } | undefined,
  request: PageRequest,
): Promise<Page<Team>> {
  const manualOnly = member !== undefined && joinsManualTeamsOnly(member);
  return readPage(
    request,
    (after, limit) =>
      selectTeamKeysetPage(db, organization.id, {
        manualOnly,
        after: after && { createdAt: after[0], id: after[1] },
        limit,
      }),
    (team) => [team.createdAt, team.id],
  );
}

/** The control panel's team list (admin API and console); `assignableTo` names a member to list only the teams it may join. */
export async function listTeams(
  db: Database,
  organization: Organization,
  request: PageRequest,
  assignableTo?: string,
): Promise<Page<ListedTeam>> {
  const member = assignableTo ? await findMember(db, controlPanelScope(organization), assignableTo) : undefined;
  const { items, nextCursor } = await assignableTeams(db, organization, member, request);
  return { items: await listedTeams(db, organization, items), nextCursor };
}

/** Teams as the control panel shows them, their sizes read in one round trip. */
export async function listedTeams(db: Database, organization: Organization, teams: Team[]): Promise<ListedTeam[]> {
  const counts = await countMembersOfTeams(
    db,
    teams.map((t) => t.id),
  );
  return teams.map((team) => ({
    ...team,
    memberCount: counts.get(team.id) ?? 0,
    readOnly: isReadOnly(organization, team),
  }));
}

/** Every member of a team, by user name. */
export async function teamMembers(db: Database, team: Team): Promise<{ id: string; userName: string }[]> {
  return (await selectMembersOfTeams(db, [team.id])).get(team.id) ?? [];
}

/** A member as a team's list shows it: name, email, provider and status. */
export type TeamMemberRow = Awaited<ReturnType<typeof selectTeamMemberKeysetPage>>[number];

/** A page of a team's members in member id order, after the member `after` names; `next` is where the next page starts. */
export async function teamMembersPage(
  db: Database,
  team: Team,
  request: { after?: string; limit: number },
): Promise<{ items: TeamMemberRow[]; next: string | null }> {
  const rows = await selectTeamMemberKeysetPage(db, team.id, { afterId: request.after, limit: request.limit + 1 });
  const items = rows.slice(0, request.limit);
  return { items, next: rows.length > request.limit ? items[items.length - 1].id : null };
}

/**
 * The ids of the organization's members with these emails (any case), at most MAX_MEMBERS_PER_REQUEST
 * of them; `unknown_members` naming every email no member has.
 */
export async function membersByEmail(db: Database, organization: Organization, emails: string[]): Promise<string[]> {
  const wanted = [...new Set(emails.map(foldCase))];
  requireMembersNamed(wanted.length);
  const found = await selectMembersByEmail(db, organization.id, wanted);
  const known = new Set(found.map((m) => m.emailLower));
  const unknown = wanted.filter((e) => !known.has(e));
  if (unknown.length > 0) throw new DomainError("unknown_members", `No member has the email ${unknown.join(", ")}.`);
  return found.map((m) => m.id);
}
