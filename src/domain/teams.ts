import type { Actor } from "../activity/actions";
import { recordActivity } from "../activity/record";
import { constraintFailed, type Database } from "../db/client";
import type { Source } from "../db/schema";
import type { Organization, Team } from "../db/schema-types";
import {
  addMembershipStatements,
  deleteTeamRow,
  insertTeamStatement,
  removeMembershipStatements,
  selectMembersById,
  selectTeam,
  selectTeamMemberIds,
  selectTeamNamed,
  type TeamScope,
  touchTeamStatement,
} from "../db/team-queries";
import type { MembershipChange } from "../scim/group-membership";
import { now } from "./clock";
import { DomainError } from "./errors";

export type { TeamScope };

/** The membership rule: a manual member cannot join a provisioned team; a provisioned member may join any team. */
export function mayJoin(team: { provisioned: boolean }, member: { provisioned: boolean }): boolean {
  return !team.provisioned || member.provisioned;
}

export async function findTeam(db: Database, scope: TeamScope, id: string): Promise<Team> {
  const team = await selectTeam(db, scope, id);
  if (!team) throw new DomainError("not_found", `No team ${id}.`);
  return team;
}

export interface TeamInput {
  displayName: string;
  externalId?: string | null;
}

export async function createTeam(
  db: Database,
  organization: Organization,
  input: TeamInput & { memberIds: string[]; source: Source },
  actor: Actor,
): Promise<Team> {
  const provisioned = input.source !== "manual";
  const joining = await joiningMembers(db, { orgId: organization.id, provisioned }, input.memberIds);
  const timestamp = now();
  const row = {
    id: crypto.randomUUID(),
    orgId: organization.id,
    displayName: input.displayName,
    displayNameLower: input.displayName.toLowerCase(),
    externalId: input.externalId ?? null,
    source: input.source,
    provisioned,
    createdAt: timestamp,
    updatedAt: timestamp,
  };
  let team: Team;
  try {
    [[team]] = await db.batch([insertTeamStatement(db, row), ...addMembershipStatements(db, row, [...joining.keys()])]);
  } catch (error) {
    throw await explainWriteFailure(db, organization.id, input.displayName, error);
  }
  await recordActivity(db, {
    orgId: organization.id,
    actor,
    action: "team.created",
    targetType: "team",
    targetId: team.id,
    targetName: team.displayName,
    changes: { displayName: team.displayName, externalId: team.externalId },
  });
  await recordMembershipActivity(db, team, actor, "team.members_added", [...joining.keys()], joining);
  return team;
}

/**
 * Renames a team and changes its membership in one atomic batch, touching only the rows that change:
 * a PATCH adding k members costs O(k) rows whatever the team's size.
 */
export async function updateTeam(
  db: Database,
  team: Team,
  input: TeamInput,
  membership: MembershipChange,
  actor: Actor,
): Promise<Team> {
  let { add, remove } = membership;
  if (membership.replace) {
    // A full push: the difference against the stored rows.
    const wanted = new Set(membership.replace);
    const current = new Set(await selectTeamMemberIds(db, team.id));
    add = [...wanted].filter((id) => !current.has(id));
    remove = [...current].filter((id) => !wanted.has(id));
  }
  const joining = await joiningMembers(db, team, add);
  const removals = removeMembershipStatements(db, team.id, remove);
  const additions = addMembershipStatements(db, team, add);
  const [[updated], ...changed] = await db
    .batch([
      touchTeamStatement(db, team.id, {
        displayName: input.displayName,
        displayNameLower: input.displayName.toLowerCase(),
        externalId: input.externalId ?? null,
        updatedAt: now(),
      }),
      ...removals,
      ...additions,
    ])
    .catch(async (error) => {
      throw await explainWriteFailure(db, team.orgId, input.displayName, error);
    });
  // Each membership statement returns the rows it really changed.
  const ids = (rows: unknown[]) => rows.flatMap((r) => (r as { id: string }[]).map((row) => row.id));
  const removed = ids(changed.slice(0, removals.length));
  const added = ids(changed.slice(removals.length));

  const renamed = updated.displayName !== team.displayName || updated.externalId !== team.externalId;
  if (renamed) {
    await recordActivity(db, {
      orgId: team.orgId,
      actor,
      action: "team.updated",
      targetType: "team",
      targetId: team.id,
      targetName: updated.displayName,
      changes: {
        ...(updated.displayName !== team.displayName
          ? { displayName: { from: team.displayName, to: updated.displayName } }
          : {}),
        ...(updated.externalId !== team.externalId
          ? { externalId: { from: team.externalId, to: updated.externalId } }
          : {}),
      },
    });
  }
  await recordMembershipActivity(db, updated, actor, "team.members_added", added, joining);
  await recordMembershipActivity(db, updated, actor, "team.members_removed", removed);
  return updated;
}

export async function deleteTeam(db: Database, scope: TeamScope, id: string, actor: Actor): Promise<void> {
  const team = await deleteTeamRow(db, scope, id);
  if (!team) throw new DomainError("not_found", `No team ${id}.`);
  await recordActivity(db, {
    orgId: scope.orgId,
    actor,
    action: "team.deleted",
    targetType: "team",
    targetId: team.id,
    targetName: team.displayName,
  });
}

/** The members about to join a team, checked against the rules: they exist in the organization and may join. */
async function joiningMembers(db: Database, team: { orgId: string; provisioned: boolean }, ids: string[]) {
  const unique = [...new Set(ids)];
  const found = new Map((await selectMembersById(db, team.orgId, unique)).map((m) => [m.id, m]));
  const unknown = unique.filter((id) => !found.has(id));
  if (unknown.length > 0) {
    throw new DomainError("unknown_members", `No member with id ${unknown.join(", ")} in this organization.`);
  }
  const refused = [...found.values()].filter((member) => !mayJoin(team, member));
  if (refused.length > 0) {
    throw new DomainError(
      "manual_member_in_provisioned_team",
      `${refused.map((m) => `${m.userName} (${m.id})`).join(", ")} ${refused.length === 1 ? "was" : "were"} created manually and cannot join a provisioned team.`,
    );
  }
  return found;
}

async function recordMembershipActivity(
  db: Database,
  team: Team,
  actor: Actor,
  action: "team.members_added" | "team.members_removed",
  memberIds: string[],
  names?: Map<string, { userName: string }>,
) {
  if (memberIds.length === 0) return;
  await recordActivity(db, {
    orgId: team.orgId,
    actor,
    action,
    targetType: "team",
    targetId: team.id,
    targetName: team.displayName,
    changes: { members: memberIds.map((id) => ({ id, userName: names?.get(id)?.userName })) },
  });
}

async function explainWriteFailure(db: Database, orgId: string, displayName: string, error: unknown): Promise<unknown> {
  if (constraintFailed(error, "teams.display_name_lower")) {
    const holder = await selectTeamNamed(db, orgId, displayName.toLowerCase());
    const manually = holder && !holder.provisioned ? "A team created manually in the control panel" : "A team";
    return new DomainError("display_name_taken", `${manually} is already named ${displayName}.`);
  }
  if (constraintFailed(error, "FOREIGN KEY")) {
    return new DomainError("unknown_members", "A member named in the request was deleted meanwhile.");
  }
  return error;
}
