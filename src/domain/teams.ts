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
import { foldCase } from "../scim/folding";
import type { GroupPatchPlan, MembershipChange } from "../scim/group-membership";
import { normalizeResource } from "../scim/normalize";
import { applyPatch } from "../scim/patch/apply-patch";
import { canonicalJson } from "../scim/patch/values";
import { commonAttributes } from "../scim/schemas/common";
import { isClientWritable } from "../scim/schemas/definition";
import { groupResourceType } from "../scim/schemas/resource-type";
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

/** A team as SCIM shows it: a Group resource's attributes by name, `members` a list of `{value}`. */
export type GroupDocument = Record<string, unknown>;

/**
 * A team's Group attributes, members aside, each in the `teams` column of the same name: every
 * single-valued attribute of the Group schema and of the common ones that clients write
 * (displayName, externalId). With teamDocument, teamColumns and teamMemberIds, this is the one
 * mapping between a team's rows and its SCIM document, both ways: a new Group attribute is a line in
 * src/scim/schemas/group.ts and a column of `teams` (a unit test checks each has its column).
 */
export const TEAM_ATTRIBUTES = [...groupResourceType.schema.attributes, ...commonAttributes]
  .filter((attribute) => !attribute.multiValued && isClientWritable(attribute))
  .map((attribute) => attribute.name as keyof Team & keyof TeamChanges);

/** The columns a Group document sets: each attribute (null when absent) and the folded name teams are unique by. */
type TeamColumns = Required<Pick<TeamChanges, "displayName" | "displayNameLower">> & TeamChanges;

/** A team's Group document without its members (they are rows): the attributes that hold a value. */
export function teamDocument(team: Team): GroupDocument {
  const document: GroupDocument = { schemas: [groupResourceType.schema.id] };
  for (const name of TEAM_ATTRIBUTES) if (team[name] !== null) document[name] = team[name];
  return document;
}

function teamColumns(document: GroupDocument): TeamColumns {
  const columns: Partial<Record<keyof TeamChanges, unknown>> = {};
  for (const name of TEAM_ATTRIBUTES) columns[name] = document[name] ?? null;
  const displayName = String(document.displayName);
  return { ...columns, displayName, displayNameLower: foldCase(displayName) } as TeamColumns;
}

/** The member ids a Group document lists. */
function teamMemberIds(document: GroupDocument): string[] {
  const members = Array.isArray(document.members) ? (document.members as { value?: unknown }[]) : [];
  return members.map((m) => m.value).filter((v): v is string => typeof v === "string");
}

/** What a new team's activity entry lists: each of its Group attributes, null when absent. */
function attributeValues(columns: TeamColumns) {
  return Object.fromEntries(TEAM_ATTRIBUTES.map((name) => [name, columns[name] ?? null]));
}

/**
 * The columns whose value differs from the team's (with the folded name when the name changes) and
 * the changes an activity entry lists, old and new; undefined when nothing differs.
 */
function changedAttributes(team: Team, columns: TeamColumns) {
  const changed = TEAM_ATTRIBUTES.filter((name) => canonicalJson(columns[name] ?? null) !== canonicalJson(team[name]));
  if (changed.length === 0) return undefined;
  const set: TeamChanges = Object.fromEntries(changed.map((name) => [name, columns[name]]));
  if (set.displayName !== undefined) set.displayNameLower = columns.displayNameLower;
  const activity = Object.fromEntries(changed.map((name) => [name, { from: team[name], to: columns[name] }]));
  return { set, activity };
}

/** Creates a team from its Group document: its attributes and its members, checked against the rules. */
export async function createTeam(
  db: Database,
  organization: Organization,
  input: { document: GroupDocument; source: Source },
  actor: Actor,
): Promise<Team> {
  const columns = teamColumns(input.document);
  requireTeamName(columns.displayName);
  const memberIds = teamMemberIds(input.document);
  requireMembersNamed(memberIds.length);
  const provisioned = input.source !== "manual";
  const joining = await joiningMembers(db, { orgId: organization.id, provisioned }, memberIds);
  const row = {
    id: crypto.randomUUID(),
    orgId: organization.id,
    ...columns,
    source: input.source,
    provisioned,
  };
  const ids = [...joining.keys()];
  const batch = new ChangeBatch(db).stage({
    ...teamTarget(row, actor),
    action: "team.created",
    changes: attributeValues(row),
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
    throw await explainWriteFailure(db, organization.id, row.displayName, error);
  }
  return team;
}

/** SCIM's PUT: the team becomes the Group document, its attributes and its whole membership (see updateTeam). */
export function replaceTeam(
  db: Database,
  team: Team,
  document: GroupDocument,
  actor: Actor,
  options: { expectedVersion?: number } = {},
): Promise<Team> {
  return updateTeam(db, team, document, { replace: teamMemberIds(document), add: [], remove: [] }, actor, options);
}

/**
 * SCIM's PATCH: membership as row changes (never the list read and written back), the other
 * operations applied to the team's Group document, whose changed attributes are written (see updateTeam).
 */
export function patchTeam(
  db: Database,
  team: Team,
  patch: GroupPatchPlan,
  actor: Actor,
  options: { expectedVersion?: number } = {},
): Promise<Team> {
  const patched = applyPatch(teamDocument(team), patch.attributeOperations, groupResourceType);
  return updateTeam(db, team, normalizeResource(patched, groupResourceType), patch.membership, actor, options);
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
async function updateTeam(
  db: Database,
  team: Team,
  document: GroupDocument,
  membership: MembershipChange,
  actor: Actor,
  options: { expectedVersion?: number; also?: BatchItem<"sqlite">[] } = {},
): Promise<Team> {
  requireMembersNamed((membership.replace?.length ?? 0) + membership.add.length + membership.remove.length);
  const columns = teamColumns(document);
  const changes = changedAttributes(team, columns);
  if (changes?.set.displayName !== undefined) requireTeamName(changes.set.displayName);
  const additions = membership.replace ?? membership.add;
  // A full push also needs the team's size (see below), read at the same time.
  const [, currentSize] = await Promise.all([
    joiningMembers(db, team, additions),
    membership.replace ? countMembersOfTeams(db, [team.id]).then((counts) => counts.get(team.id) ?? 0) : 0,
  ]);
  const target = teamTarget({ ...team, displayName: columns.displayName }, actor);
  const batch = new ChangeBatch(db);
  const { expectedVersion } = options;
  if (expectedVersion !== undefined || changes) {
    batch.write(requireTeamStatement(db, team, expectedVersion ?? team.version));
  }
  if (changes) {
    batch
      .write(updateTeamAttributesStatement(db, team.id, changes.set))
      .stage({ ...target, action: "team.updated", changes: changes.activity }, { when: PREVIOUS_STATEMENT_CHANGED });
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
    throw await explainWriteFailure(db, team.orgId, columns.displayName, error);
  }
  const [updated] = results.at(-1) as Team[];
  if (!updated) throw teamGone(team.id);
  return updated;
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
  const members = memberIds.map((value) => ({ value }));
  return createTeam(db, organization, { document: { displayName, members }, source: "manual" }, CONTROL_PANEL);
}

/** The team a control panel write targets, refused while it is a provisioned team under active provisioning. */
export async function findEditableTeam(db: Database, organization: Organization, id: string): Promise<Team> {
  const team = await findTeam(db, controlPanelScope(organization), id);
  assertEditable(organization, team, "team");
  return team;
}

export async function renameTeam(db: Database, organization: Organization, id: string, displayName: string) {
  const team = await findEditableTeam(db, organization, id);
  return updateTeam(db, team, { ...teamDocument(team), displayName }, NO_MEMBERSHIP_CHANGE, CONTROL_PANEL, {
    also: editedWhileOff(db, organization, team),
  });
}

/** Adds members to a team under every rule: read-only while provisioned, manual members never in a provisioned team. */
export async function addTeamMembers(db: Database, organization: Organization, id: string, memberIds: string[]) {
  const team = await findEditableTeam(db, organization, id);
  return updateTeam(db, team, teamDocument(team), { add: memberIds, remove: [] }, CONTROL_PANEL, {
    also: editedWhileOff(db, organization, team),
  });
}

export async function removeTeamMember(db: Database, organization: Organization, id: string, memberId: string) {
  const team = await findEditableTeam(db, organization, id);
  const member = await findMember(db, controlPanelScope(organization), memberId);
  return updateTeam(db, team, teamDocument(team), { add: [], remove: [member.id] }, CONTROL_PANEL, {
    also: editedWhileOff(db, organization, team),
  });
}

/** Deletes a team the control panel may edit; returns the team as it was. */
export async function removeTeam(db: Database, organization: Organization, id: string): Promise<Team> {
  const team = await findEditableTeam(db, organization, id);
  const gone = sql`NOT ${teamExists(team.id)}`;
  await deleteTeam(db, team, CONTROL_PANEL, {
    also: editedWhileOffConflict(db, organization, "team", team, "deleted", gone),
  });
  return team;
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
    const holder = await selectTeamNamed(db, orgId, foldCase(displayName));
    const manually = holder && !holder.provisioned ? "A team created manually in the control panel" : "A team";
    return new DomainError("display_name_taken", `${manually} is already named ${displayName}.`);
  }
  return error;
}
