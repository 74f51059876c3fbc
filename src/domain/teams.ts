import { sql } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import type { Actor } from "../activity/actions";
import { ChangeBatch } from "../activity/record";
import { PREVIOUS_STATEMENT_CHANGED } from "../db/activity-queries";
import { constraintFailed, type Database } from "../db/client";
import type { Source } from "../db/schema";
import type { Organization, Team } from "../db/schema-types";
import {
  addMembershipStatements,
  deleteTeamStatement,
  insertTeamStatement,
  membersAmong,
  removeMembershipStatements,
  selectMembersById,
  selectTeam,
  selectTeamMemberIds,
  selectTeamNamed,
  type TeamScope,
  teamExists,
  touchTeamStatement,
} from "../db/team-queries";
import type { MembershipChange } from "../scim/group-membership";
import { now } from "./clock";
import { editedWhileOffConflict } from "./conflicts";
import { DomainError } from "./errors";
import { controlPanelScope, findMember } from "./members";
import { assertEditable } from "./read-only";

export type { TeamScope };

/** The control panel acts as the organization's admin, whether through the admin API or the console. */
const CONTROL_PANEL = "admin" as const;
const NO_MEMBERSHIP_CHANGE = { add: [], remove: [] };

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
  const batch = new ChangeBatch(db)
    .write(insertTeamStatement(db, row), ...addMembershipStatements(db, row, [...joining.keys()]))
    .stage({
      ...teamTarget(row, actor),
      action: "team.created",
      changes: { displayName: row.displayName, externalId: row.externalId },
    });
  if (joining.size > 0) {
    const members = [...joining.values()].map((m) => ({ id: m.id, userName: m.userName }));
    batch.stage({ ...teamTarget(row, actor), action: "team.members_added", changes: { members } });
  }
  let team: Team;
  try {
    [[team]] = (await batch.commit()) as [Team[]];
  } catch (error) {
    throw await explainWriteFailure(db, organization.id, input.displayName, error);
  }
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
  also: BatchItem<"sqlite">[] = [],
): Promise<Team> {
  let { add, remove } = membership;
  if (membership.replace) {
    // A full push: the difference against the stored rows.
    const wanted = new Set(membership.replace);
    const current = new Set(await selectTeamMemberIds(db, team.id));
    add = [...wanted].filter((id) => !current.has(id));
    remove = [...current].filter((id) => !wanted.has(id));
  }
  await joiningMembers(db, team, add);
  const externalId = input.externalId ?? null;
  const target = teamTarget({ ...team, displayName: input.displayName }, actor);
  const batch = new ChangeBatch(db).write(
    touchTeamStatement(db, team.id, {
      displayName: input.displayName,
      displayNameLower: input.displayName.toLowerCase(),
      externalId,
      updatedAt: now(),
    }),
  );
  if (input.displayName !== team.displayName || externalId !== team.externalId) {
    batch.stage(
      {
        ...target,
        action: "team.updated",
        changes: {
          ...(input.displayName !== team.displayName
            ? { displayName: { from: team.displayName, to: input.displayName } }
            : {}),
          ...(externalId !== team.externalId ? { externalId: { from: team.externalId, to: externalId } } : {}),
        },
      },
      { when: PREVIOUS_STATEMENT_CHANGED },
    );
  }
  // Each membership entry names the members the database finds changing, just before the change
  // (add and remove never share an id).
  if (add.length > 0) {
    batch
      .stage({ ...target, action: "team.members_added", changes: {} }, { members: membersAmong(team, add, false) })
      .write(...addMembershipStatements(db, team, add));
  }
  if (remove.length > 0) {
    batch
      .stage({ ...target, action: "team.members_removed", changes: {} }, { members: membersAmong(team, remove, true) })
      .write(...removeMembershipStatements(db, team.id, remove));
  }
  batch.write(...also);
  const [[updated]] = (await batch.commit().catch(async (error) => {
    throw await explainWriteFailure(db, team.orgId, input.displayName, error);
  })) as [Team[]];
  return updated;
}

/** Deletes a team the caller read (in its scope); `not_found` if it is gone meanwhile. */
export async function deleteTeam(
  db: Database,
  team: Team,
  actor: Actor,
  also: BatchItem<"sqlite">[] = [],
): Promise<void> {
  const [deleted] = (await new ChangeBatch(db)
    .write(deleteTeamStatement(db, team))
    .stage({ ...teamTarget(team, actor), action: "team.deleted" }, { when: PREVIOUS_STATEMENT_CHANGED })
    .write(...also)
    .commit()) as [unknown[]];
  if (deleted.length === 0) throw new DomainError("not_found", `No team ${team.id}.`);
}

/** The control panel creates manual teams. */
export function createManualTeam(
  db: Database,
  organization: Organization,
  displayName: string,
  memberIds: string[] = [],
) {
  return createTeam(db, organization, { displayName, memberIds, source: "manual" }, CONTROL_PANEL);
}

/** The team a control panel write targets, refused while it is a provisioned team under active provisioning. */
export async function findEditableTeam(db: Database, organization: Organization, id: string): Promise<Team> {
  const team = await findTeam(db, controlPanelScope(organization), id);
  assertEditable(organization, team, "team");
  return team;
}

export async function renameTeam(db: Database, organization: Organization, id: string, displayName: string) {
  const team = await findEditableTeam(db, organization, id);
  return updateTeam(
    db,
    team,
    { displayName, externalId: team.externalId },
    NO_MEMBERSHIP_CHANGE,
    CONTROL_PANEL,
    editedWhileOff(db, organization, team),
  );
}

/** Adds members to a team under every rule: read-only while provisioned, manual members never in a provisioned team. */
export async function addTeamMembers(db: Database, organization: Organization, id: string, memberIds: string[]) {
  const team = await findEditableTeam(db, organization, id);
  return updateTeam(
    db,
    team,
    team,
    { add: memberIds, remove: [] },
    CONTROL_PANEL,
    editedWhileOff(db, organization, team),
  );
}

export async function removeTeamMember(db: Database, organization: Organization, id: string, memberId: string) {
  const team = await findEditableTeam(db, organization, id);
  const member = await findMember(db, controlPanelScope(organization), memberId);
  return updateTeam(
    db,
    team,
    team,
    { add: [], remove: [member.id] },
    CONTROL_PANEL,
    editedWhileOff(db, organization, team),
  );
}

export async function removeTeam(db: Database, organization: Organization, id: string): Promise<void> {
  const team = await findEditableTeam(db, organization, id);
  const gone = sql`NOT ${teamExists(team.id)}`;
  await deleteTeam(db, team, CONTROL_PANEL, editedWhileOffConflict(db, organization, "team", team, "deleted", gone));
}

/** A provisioned team changed here while provisioning is off: the IdP will push its version again. */
const editedWhileOff = (db: Database, organization: Organization, team: Team) =>
  editedWhileOffConflict(db, organization, "team", team, "edited", teamExists(team.id));

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

/** Who did it to which team: the common part of a team's activity entries. */
function teamTarget(team: { orgId: string; id: string; displayName: string }, actor: Actor) {
  return {
    orgId: team.orgId,
    actor,
    targetType: "team" as const,
    targetId: team.id,
    targetName: team.displayName,
  };
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
