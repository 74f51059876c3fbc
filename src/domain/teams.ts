import { sql } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import type { Actor } from "../db/activity-entries";
import { PREVIOUS_STATEMENT_CHANGED } from "../db/activity-queries";
import { ChangeBatch } from "../db/change-batch";
import type { Database } from "../db/client";
import { teamNameTaken, versionMoved } from "../db/constraints";
import type { Source } from "../db/schema";
import type { Member, Organization, Team } from "../db/schema-types";
import {
  addFirstMembersStatements,
  addMembersStatement,
  countMembersOfTeams,
  deleteTeamStatement,
  insertTeamStatement,
  membersAmong,
  membersOfTeamExcept,
  removeMembersExceptStatement,
  removeMembersStatement,
  requireTeamStatement,
  selectMembersById,
  selectTeam,
  selectTeamByIdStatement,
  selectTeamNamed,
  type TeamChanges,
  type TeamScope,
  teamExists,
  updateTeamAttributesStatement,
} from "../db/team-queries";
import type { MembershipChange } from "../scim/group-membership";
import { editedWhileOffConflict } from "./conflicts";
import { DomainError } from "./errors";
import { controlPanelScope, findMember, inviteMember, type ProfileEdit } from "./members";
import { mayJoin, requireMembersNamed } from "./membership";
import { requireTeamName } from "./names";
import { assertEditable } from "./read-only";

export type { TeamScope };

/** Members listed by one activity entry of a full push's removals: about 350 KB of JSON at most. */
const ENTRY_MEMBERS = 5_000;

/** The activity entries a full push of a team of `size` members stages for its removals (one statement each). */
export const fullPushRemovalEntries = (size: number) => Math.max(1, Math.ceil(size / ENTRY_MEMBERS));

/** The control panel acts as the organization's admin, whether through the admin API or the console. */
const CONTROL_PANEL = "admin" as const;
const NO_MEMBERSHIP_CHANGE = { add: [], remove: [] };

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
  requireTeamName(input.displayName);
  requireMembersNamed(input.memberIds.length);
  const provisioned = input.source !== "manual";
  const joining = await joiningMembers(db, { orgId: organization.id, provisioned }, input.memberIds);
  const row = {
    id: crypto.randomUUID(),
    orgId: organization.id,
    displayName: input.displayName,
    displayNameLower: input.displayName.toLowerCase(),
    externalId: input.externalId ?? null,
    source: input.source,
    provisioned,
  };
  const ids = [...joining.keys()];
  const batch = new ChangeBatch(db).stage({
    ...teamTarget(row, actor),
    action: "team.created",
    changes: { displayName: row.displayName, externalId: row.externalId },
  });
  if (ids.length > 0) {
    // The members the database finds joining: not one deleted meanwhile.
    batch
      .stage(
        { ...teamTarget(row, actor), action: "team.members_added", changes: {} },
        { members: membersAmong(row, ids, false) },
      )
      .write(...addFirstMembersStatements(db, row, ids));
  }
  // Last, after its first members: a new team starts at version 1 whatever its size.
  batch.write(insertTeamStatement(db, row));
  let team: Team;
  try {
    const results = await batch.commit();
    [team] = results.at(-1) as Team[];
  } catch (error) {
    throw await explainWriteFailure(db, organization.id, input.displayName, error);
  }
  return team;
}

/**
 * Changes a team's attributes and membership in one atomic batch, touching only the rows that
 * change: adding k members costs k rows whatever the team's size, renaming it one row.
 *
 * Only the attributes whose value differs from `team` (the copy the caller read) are written. The
 * write is conditional on the version read when it depends on that read: when the caller names the
 * version (If-Match: `expectedVersion`) or attributes change (compared with the read copy); then
 * `version_mismatch` means the team moved on, and the caller reads again or reports the conflict.
 * Membership alone reads nothing it writes back (rows are added and removed by key, and a full
 * `replace` is differenced by SQLite inside the batch), so it never conflicts and never retries.
 * A change that touches no row writes nothing: the version moves with rows only (triggers).
 *
 * D1 allows 1,000 queries per invocation and 100 bound parameters per statement: member ids go as
 * one JSON parameter, so whatever their number (up to MAX_MEMBERS_PER_REQUEST), this is the tenant
 * check, one validation read (with the team's size for a full push) and one batch of eight
 * statements (guard, addition and removal with their activity entries, attributes and theirs, the
 * team as it now is), plus one more removal entry per ENTRY_MEMBERS members a full push removes:
 * emptying a 100,000-member team is 19 more, about 30 queries in all, far from 1,000.
 */
export async function updateTeam(
  db: Database,
  team: Team,
  input: TeamInput,
  membership: MembershipChange,
  actor: Actor,
  options: { expectedVersion?: number; also?: BatchItem<"sqlite">[] } = {},
): Promise<Team> {
  requireMembersNamed((membership.replace?.length ?? 0) + membership.add.length + membership.remove.length);
  const changes = changedAttributes(team, input);
  if (changes?.displayName !== undefined) requireTeamName(changes.displayName);
  const additions = membership.replace ?? membership.add;
  // A full push also needs the team's size (see below), read at the same time.
  const [, currentSize] = await Promise.all([
    joiningMembers(db, team, additions),
    membership.replace ? countMembersOfTeams(db, [team.id]).then((counts) => counts.get(team.id) ?? 0) : 0,
  ]);
  const target = teamTarget({ ...team, displayName: input.displayName }, actor);
  const batch = new ChangeBatch(db);
  const { expectedVersion } = options;
  if (expectedVersion !== undefined || changes) {
    batch.write(requireTeamStatement(db, team, expectedVersion ?? team.version));
  }
  if (changes) {
    batch.write(updateTeamAttributesStatement(db, team.id, changes)).stage(
      {
        ...target,
        action: "team.updated",
        changes: {
          ...(changes.displayName !== undefined
            ? { displayName: { from: team.displayName, to: changes.displayName } }
            : {}),
          ...(changes.externalId !== undefined
            ? { externalId: { from: team.externalId, to: changes.externalId } }
            : {}),
        },
      },
      { when: PREVIOUS_STATEMENT_CHANGED },
    );
  }
  // Each membership entry names the members the database finds changing, just before the change.
  if (additions.length > 0) {
    batch
      .stage(
        { ...target, action: "team.members_added", changes: {} },
        { members: membersAmong(team, additions, false) },
      )
      .write(addMembersStatement(db, team, additions));
  }
  if (membership.replace) {
    // A full push can remove a whole team: its entries list at most ENTRY_MEMBERS members each, so
    // that no pending entry outgrows D1's 2 MB row; the last one takes whatever is left.
    const entries = fullPushRemovalEntries(currentSize);
    for (let i = 0; i < entries; i++) {
      const slice = { offset: i * ENTRY_MEMBERS, limit: i === entries - 1 ? undefined : ENTRY_MEMBERS };
      batch.stage(
        { ...target, action: "team.members_removed", changes: {} },
        { members: membersOfTeamExcept(team.id, membership.replace, slice) },
      );
    }
    batch.write(removeMembersExceptStatement(db, team.id, membership.replace));
  } else if (membership.remove.length > 0) {
    batch
      .stage(
        { ...target, action: "team.members_removed", changes: {} },
        { members: membersAmong(team, membership.remove, true) },
      )
      .write(removeMembersStatement(db, team.id, membership.remove));
  }
  batch.write(...(options.also ?? []), selectTeamByIdStatement(db, team.id));
  let results: unknown[];
  try {
    results = await batch.commit();
  } catch (error) {
    if (versionMoved(error)) {
      if (!(await selectTeam(db, { orgId: team.orgId, provisionedOnly: false }, team.id))) throw teamGone(team.id);
      throw new DomainError("version_mismatch", `Team ${team.id} was changed by another request.`);
    }
    throw await explainWriteFailure(db, team.orgId, input.displayName, error);
  }
  const [updated] = results.at(-1) as Team[];
  if (!updated) throw teamGone(team.id);
  return updated;
}

/** The attributes of `input` that differ from the team's, as columns; undefined when none does. */
function changedAttributes(team: Team, input: TeamInput): TeamChanges | undefined {
  const changes: TeamChanges = {};
  if (input.displayName !== team.displayName) {
    changes.displayName = input.displayName;
    changes.displayNameLower = input.displayName.toLowerCase();
  }
  const externalId = input.externalId ?? null;
  if (externalId !== team.externalId) changes.externalId = externalId;
  return Object.keys(changes).length > 0 ? changes : undefined;
}

const teamGone = (id: string) => new DomainError("not_found", `No team ${id}: it was deleted meanwhile.`);

/**
 * Deletes a team the caller read (in its scope), only at `expectedVersion` when given (If-Match):
 * `version_mismatch` if it moved on, `not_found` if it is gone meanwhile.
 */
export async function deleteTeam(
  db: Database,
  team: Team,
  actor: Actor,
  options: { expectedVersion?: number; also?: BatchItem<"sqlite">[] } = {},
): Promise<void> {
  const { expectedVersion } = options;
  const [deleted] = (await new ChangeBatch(db)
    .write(deleteTeamStatement(db, team, expectedVersion))
    .stage({ ...teamTarget(team, actor), action: "team.deleted" }, { when: PREVIOUS_STATEMENT_CHANGED })
    .write(...(options.also ?? []))
    .commit()) as [unknown[]];
  if (deleted.length > 0) return;
  if (expectedVersion !== undefined && (await selectTeam(db, { orgId: team.orgId, provisionedOnly: false }, team.id))) {
    throw new DomainError("version_mismatch", `Team ${team.id} was changed by another request.`);
  }
  throw new DomainError("not_found", `No team ${team.id}.`);
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
  return updateTeam(db, team, { displayName, externalId: team.externalId }, NO_MEMBERSHIP_CHANGE, CONTROL_PANEL, {
    also: editedWhileOff(db, organization, team),
  });
}

/** Adds members to a team under every rule: read-only while provisioned, manual members never in a provisioned team. */
export async function addTeamMembers(db: Database, organization: Organization, id: string, memberIds: string[]) {
  const team = await findEditableTeam(db, organization, id);
  return updateTeam(db, team, team, { add: memberIds, remove: [] }, CONTROL_PANEL, {
    also: editedWhileOff(db, organization, team),
  });
}

export async function removeTeamMember(db: Database, organization: Organization, id: string, memberId: string) {
  const team = await findEditableTeam(db, organization, id);
  const member = await findMember(db, controlPanelScope(organization), memberId);
  return updateTeam(db, team, team, { add: [], remove: [member.id] }, CONTROL_PANEL, {
    also: editedWhileOff(db, organization, team),
  });
}

export async function removeTeam(db: Database, organization: Organization, id: string): Promise<void> {
  const team = await findEditableTeam(db, organization, id);
  const gone = sql`NOT ${teamExists(team.id)}`;
  await deleteTeam(db, team, CONTROL_PANEL, {
    also: editedWhileOffConflict(db, organization, "team", team, "deleted", gone),
  });
}

/** A provisioned team changed here while provisioning is off: the IdP will push its version again. */
const editedWhileOff = (db: Database, organization: Organization, team: Team) =>
  editedWhileOffConflict(db, organization, "team", team, "edited", teamExists(team.id));

/**
 * The control panel's invitation straight into a team. The team is checked first (it is in the
 * organization, editable, and one a manual member may join); then the member, its membership and
 * both activity entries are one atomic batch, which also rolls back if the team is deleted
 * meanwhile: a refusal leaves no member behind for a retry to collide with.
 */
export async function inviteMemberToTeam(
  db: Database,
  organization: Organization,
  input: ProfileEdit & { email: string },
  teamId: string,
): Promise<Member> {
  const team = await findEditableTeam(db, organization, teamId);
  if (!mayJoin(team, { provisioned: false })) {
    throw new DomainError(
      "manual_member_in_provisioned_team",
      `${input.email} would be a member created manually, and cannot join the provisioned team ${team.displayName}.`,
    );
  }
  try {
    return await inviteMember(db, organization, input, (batch, member) =>
      batch
        .write(requireTeamStatement(db, team))
        .stage(
          { ...teamTarget(team, CONTROL_PANEL), action: "team.members_added", changes: {} },
          { members: membersAmong(team, [member.id], false) },
        )
        .write(addMembersStatement(db, team, [member.id])),
    );
  } catch (error) {
    if (versionMoved(error)) throw teamGone(team.id);
    throw error;
  }
}

/** The members about to join a team, checked against the rules: they exist in the organization and may join. */
async function joiningMembers(db: Database, team: { orgId: string; provisioned: boolean }, ids: readonly string[]) {
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
  if (teamNameTaken(error)) {
    const holder = await selectTeamNamed(db, orgId, displayName.toLowerCase());
    const manually = holder && !holder.provisioned ? "A team created manually in the control panel" : "A team";
    return new DomainError("display_name_taken", `${manually} is already named ${displayName}.`);
  }
  return error;
}
