import { type SQL, sql } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import type { Actor } from "../db/activity-entries";
import { PREVIOUS_STATEMENT_CHANGED } from "../db/activity-queries";
import { ChangeBatch } from "../db/change-batch";
import type { Database } from "../db/client";
import { selectLinkedMemberId } from "../db/conflict-queries";
import { licenceLimitBroken, memberNameTaken, memberQuotaRefused } from "../db/constraints";
import {
  deleteMemberStatement,
  insertMemberStatement,
  type MemberScope,
  memberExists,
  memberMovedOn,
  selectMember,
  selectMemberAtVersionStatement,
  selectMemberKeysetPage,
  selectMembersHolding,
  updateMemberAtVersionStatement,
} from "../db/member-queries";
import type { Source } from "../db/schema";
import type { Member, Organization } from "../db/schema-types";
import { selectTeamsOfMembers } from "../db/team-queries";
import { foldCase } from "../scim/folding";
import { memberEmail } from "../scim/normalize";
import { canonicalJson } from "../scim/patch/values";
import { ENTERPRISE_USER_SCHEMA, USER_SCHEMA } from "../scim/schemas/urns";
import { diffDocuments } from "./changes";
import {
  editedWhileOffConflict,
  type RefusalContext,
  recordSettled,
  refusedCreateConflict,
  refusedUpdateConflict,
  SETTLED_BY_CREATE,
  SETTLED_BY_UPDATE,
  type Settling,
  settleConflicts,
} from "./conflicts";
import { clearHoldOnActivation, deprovisioningGuard, type RequestOrigin } from "./deprovisioning";
import { DomainError } from "./errors";
import { licenceLimitReached } from "./licences";
import { memberQuotaReached } from "./member-quota";
import { getOrganization } from "./organizations";
import { type Page, type PageRequest, readPage } from "./pages";
import { assertEditable, isReadOnly } from "./read-only";

export type { MemberScope };

/** The control panel acts as the organization's admin, whether through the admin API or the console. */
const CONTROL_PANEL = "admin" as const;

/**
 * The largest member document stored, serialized as UTF-8. A rich Okta or Entra profile takes a few
 * KB; the bound keeps a row far below D1's 2 MB and a page of 1,000 members within a Worker's memory.
 */
export const MAX_DOCUMENT_BYTES = 32 * 1024;

/**
 * A member's profile is its SCIM document; these columns are derived from it for lookups and
 * uniqueness. Every write of a member goes through here, so this is where its size is bounded.
 */
function profileColumns(document: Record<string, unknown>) {
  const bytes = new TextEncoder().encode(JSON.stringify(document)).byteLength;
  if (bytes > MAX_DOCUMENT_BYTES) {
    throw new DomainError(
      "document_too_large",
      `The user is ${bytes} bytes as stored; at most ${MAX_DOCUMENT_BYTES} are allowed. Send fewer or shorter values.`,
    );
  }
  const userName = String(document.userName);
  const { email, emailLower } = memberEmail(document);
  return {
    userName,
    userNameLower: foldCase(userName),
    email,
    emailLower,
    externalId: typeof document.externalId === "string" ? document.externalId : null,
    document,
  };
}

export async function findMember(db: Database, scope: MemberScope, id: string): Promise<Member> {
  const member = await selectMember(db, scope, id);
  if (!member) throw new DomainError("not_found", `No member ${id}.`);
  return member;
}

/** The member with this id in the scope, or undefined (for what is shown only when it exists). */
export const memberIfExists = (db: Database, scope: MemberScope, id: string): Promise<Member | undefined> =>
  selectMember(db, scope, id);

/** Creates a member; `also` adds the caller's own statements about the new member to the same batch. */
export async function createMember(
  db: Database,
  organization: Organization,
  input: { document: Record<string, unknown>; active: boolean; source: Source },
  actor: Actor,
  also?: (batch: ChangeBatch, member: { id: string }) => void,
): Promise<Member> {
  const { document, active, source } = input;
  const columns = profileColumns(document);
  const row = {
    id: crypto.randomUUID(),
    orgId: organization.id,
    ...columns,
    active,
    source,
    provisioned: source !== "manual",
  };
  try {
    const batch = new ChangeBatch(db).write(insertMemberStatement(db, row)).stage({
      orgId: organization.id,
      actor,
      // A member made by hand is an invitation; one from an identity provider is provisioned.
      action: source === "manual" ? "member.invited" : "member.created",
      targetType: "member",
      targetId: row.id,
      targetName: row.userName,
    });
    also?.(batch, row);
    // A provisioning create that goes through settles what its earlier refusals (or a delete here) left open.
    const settling = row.provisioned
      ? { orgId: organization.id, subject: columns.userNameLower, kinds: SETTLED_BY_CREATE, actor }
      : undefined;
    if (settling) settleConflicts(batch, db, settling);
    const results = await batch.commit();
    const [member] = results[0] as Member[];
    if (settling) await recordSettled(db, settling, member, results.at(-1));
    return member;
  } catch (error) {
    const { refusal, read } = await explainWriteFailure(db, organization.id, error, columns);
    if (!(refusal instanceof DomainError)) throw refusal;
    const linked = source !== "manual" && (await linkedMember(db, organization.id, columns.userNameLower));
    if (linked) return linked; // the IdP's retry of the create an admin resolved by linking: that member
    await new ChangeBatch(db)
      .stage({
        orgId: organization.id,
        actor,
        action: "member.create_rejected",
        targetType: "member",
        targetName: columns.userName,
        changes: { reason: refusal.code, detail: refusal.message },
      })
      .write(...(await refusedCreateConflict(db, organization, input, columns, refusal, read)))
      .commit();
    throw refusal;
  }
}

/**
 * Replaces a member's profile and active state (and, when a conflict links it, its source), if the
 * member is still at the version the caller read (`version_mismatch` otherwise, so the caller can
 * re-read or report the conflict). `also` adds the caller's own statements to the same batch.
 *
 * A write that would store exactly what is stored (a PATCH of `password` only, `active` set to what
 * it is, an identical PUT) writes nothing: the member keeps its version and lastModified, and no
 * activity entry is made. It is still answered at the version read, confirmed in the same batch.
 */
export async function updateMember(
  db: Database,
  existing: Member,
  input: { document: Record<string, unknown>; active: boolean; source?: Source },
  actor: Actor,
  also?: (batch: ChangeBatch) => void,
  origin?: RequestOrigin,
): Promise<Member> {
  const source = input.source ?? existing.source;
  const clearHold = input.active ? clearHoldOnActivation(db, existing, actor) : undefined;
  const byProvider = actor.startsWith("scim:") && existing.provisioned;
  // The identity provider's request about this member that goes through settles what its refusals or an edit here left open.
  let settling: Settling | undefined;
  const addOwn = (batch: ChangeBatch, applies?: SQL) => {
    clearHold?.(batch);
    also?.(batch);
    settling = byProvider
      ? { orgId: existing.orgId, subject: existing.id, kinds: SETTLED_BY_UPDATE, actor, when: applies }
      : undefined;
    if (settling) settleConflicts(batch, db, settling);
  };
  const unchanged =
    existing.active === input.active &&
    source === existing.source &&
    canonicalJson(existing.document) === canonicalJson(input.document);
  if (unchanged) {
    const [confirmed, closed] = await confirmMember(db, existing, addOwn);
    if (settling) await recordSettled(db, settling, confirmed, closed);
    return confirmed;
  }
  const columns = profileColumns(input.document);
  const changes = diffDocuments(existing.document, input.document);
  if (existing.active !== input.active) changes.active = { from: existing.active, to: input.active };
  if (source !== existing.source) changes.source = { from: existing.source, to: source };
  const activation = existing.active === input.active ? undefined : input.active;
  const guard =
    activation === false
      ? deprovisioningGuard(db, existing, "deactivate", actor, { document: input.document, origin })
      : undefined;
  const batch = new ChangeBatch(db);
  guard?.decide(batch);
  // Only the columns that change: a column in the SET re-runs its triggers and rewrites its indexes
  // even when its value stays (the document's would rebuild member_emails and the sort keys for a
  // deactivation). A document equal byte for byte stays as stored.
  const documentChanged = JSON.stringify(existing.document) !== JSON.stringify(input.document);
  batch.write(
    updateMemberAtVersionStatement(
      db,
      existing.id,
      existing.version,
      {
        ...(documentChanged ? columns : {}),
        ...(existing.active === input.active ? {} : { active: input.active }),
        ...(source === existing.source ? {} : { source, provisioned: source !== "manual" }),
      },
      guard?.applies,
    ),
  );
  if (Object.keys(changes).length > 0) {
    batch.stage(
      {
        orgId: existing.orgId,
        actor,
        action: activation === undefined ? "member.updated" : activation ? "member.reactivated" : "member.deactivated",
        targetType: "member",
        targetId: existing.id,
        targetName: columns.userName,
        changes,
      },
      { when: PREVIOUS_STATEMENT_CHANGED },
    );
  }
  guard?.afterWrite(batch);
  addOwn(batch, guard?.applies);
  let results: unknown[];
  try {
    results = await batch.commit();
  } catch (error) {
    const { refusal, read } = await explainWriteFailure(db, existing.orgId, error, columns, existing.id);
    if (refusal instanceof DomainError && byProvider) {
      const conflict = await refusedUpdateConflict(db, existing, input, refusal, read);
      if (conflict.length > 0) await new ChangeBatch(db).write(...conflict).commit();
    }
    throw refusal;
  }
  if (guard) await guard.explain(results.shift() as Decided);
  const [updated] = results[0] as Member[];
  if (!updated) memberMoved(existing);
  if (settling) await recordSettled(db, settling, updated, results.at(-1));
  return updated;
}

/** The member as read, if it is still at that version, with the caller's statements in the same batch. */
async function confirmMember(
  db: Database,
  existing: Member,
  also: (batch: ChangeBatch) => void,
): Promise<[Member, unknown]> {
  const batch = new ChangeBatch(db).write(selectMemberAtVersionStatement(db, existing.id, existing.version));
  also(batch);
  const results = await batch.commit();
  const [current] = results[0] as Member[];
  return [current ?? memberMoved(existing), results.at(-1)];
}

function memberMoved(existing: Member): never {
  throw new DomainError("version_mismatch", `Member ${existing.id} was changed by another request.`);
}

/** Deletes a member the caller read (in its scope); `not_found` if it is gone meanwhile. */
export async function deleteMember(
  db: Database,
  member: Member,
  actor: Actor,
  also: BatchItem<"sqlite">[] = [],
  origin?: RequestOrigin,
): Promise<void> {
  const guard = deprovisioningGuard(db, member, "delete", actor, { document: null, origin });
  const batch = new ChangeBatch(db);
  guard?.decide(batch);
  batch
    .write(deleteMemberStatement(db, member, guard?.applies))
    .stage(
      {
        orgId: member.orgId,
        actor,
        action: "member.deleted",
        targetType: "member",
        targetId: member.id,
        targetName: member.userName,
      },
      { when: PREVIOUS_STATEMENT_CHANGED },
    )
    .write(...also);
  guard?.afterWrite(batch);
  const results = await batch.commit();
  if (guard) await guard.explain(results.shift() as Decided);
  if ((results[0] as unknown[]).length === 0) throw new DomainError("not_found", `No member ${member.id}.`);
}

/** What the safeguard's deciding statement returns (see deprovisioningGuard). */
type Decided = Parameters<NonNullable<ReturnType<typeof deprovisioningGuard>>["explain"]>[0];

/** The provisioned member an admin linked to this userName through a conflict, if any. */
async function linkedMember(db: Database, orgId: string, userNameLower: string): Promise<Member | undefined> {
  const id = await selectLinkedMemberId(db, orgId, userNameLower);
  const member = id ? await selectMember(db, { orgId, provisionedOnly: true }, id) : undefined;
  return member?.userNameLower === userNameLower ? member : undefined;
}

/**
 * Turns a constraint violation from a member write into the rule it broke, in words an admin can act on,
 * with what it read to say so (for the conflict the refusal may open, without reading it again).
 */
async function explainWriteFailure(
  db: Database,
  orgId: string,
  error: unknown,
  columns: ReturnType<typeof profileColumns>,
  memberId?: string,
): Promise<{ refusal: unknown; read: RefusalContext }> {
  if (licenceLimitBroken(error)) {
    const organization = await getOrganization(db, orgId);
    return { refusal: licenceLimitReached(organization), read: { organization } };
  }
  if (memberQuotaRefused(error)) return { refusal: memberQuotaReached(await getOrganization(db, orgId)), read: {} };
  if (!memberNameTaken(error)) return { refusal: error, read: {} };
  const holders = (await selectMembersHolding(db, orgId, columns)).filter((m) => m.id !== memberId);
  const byUserName = holders.find((m) => m.userNameLower === columns.userNameLower);
  const holder = byUserName ?? holders.find((m) => m.emailLower === columns.emailLower);
  const manually = holder && !holder.provisioned ? "A member created manually in the control panel" : undefined;
  const read = { holders };
  if (byUserName) {
    return {
      refusal: new DomainError(
        "user_name_taken",
        manually
          ? `${manually} already has the email ${columns.userName}.`
          : `A member with the username ${columns.userName} already exists.`,
      ),
      read,
    };
  }
  return {
    refusal: new DomainError("email_taken", `${manually ?? "Another member"} already has the email ${columns.email}.`),
    read,
  };
}

/** What the control panel (admin API and console) sees of an organization: manual and provisioned alike. */
export const controlPanelScope = (organization: Organization): MemberScope => ({
  orgId: organization.id,
  provisionedOnly: false,
});

export interface ProfileEdit {
  email?: string;
  firstName?: string;
  lastName?: string;
}

/** The control panel's invitation: a manual member whose login is its email; `also` as for createMember. */
export function inviteMember(
  db: Database,
  organization: Organization,
  input: ProfileEdit & { email: string },
  also?: (batch: ChangeBatch, member: { id: string }) => void,
) {
  const document = withProfileEdit(
    { schemas: [USER_SCHEMA], userName: input.email, emails: [{ value: input.email, primary: true }] },
    input,
  );
  return createMember(db, organization, { document, active: true, source: "manual" }, CONTROL_PANEL, also);
}

/** The control panel's edit of a member (refused while it is provisioned under active provisioning). */
export async function editMember(
  db: Database,
  organization: Organization,
  id: string,
  edit: ProfileEdit & { active?: boolean },
): Promise<Member> {
  const existing = await findMember(db, controlPanelScope(organization), id);
  assertEditable(organization, existing, "member");
  return updateMember(
    db,
    existing,
    { document: withProfileEdit(existing.document, edit), active: edit.active ?? existing.active },
    CONTROL_PANEL,
    (batch) =>
      batch.write(...editedWhileOffConflict(db, organization, "member", existing, "edited", memberMovedOn(existing))),
  );
}

/** The control panel's delete of a member, under the same read-only rule; returns the member as it was. */
export async function removeMember(db: Database, organization: Organization, id: string): Promise<Member> {
  const member = await findMember(db, controlPanelScope(organization), id);
  assertEditable(organization, member, "member");
  const gone = sql`NOT ${memberExists(member.id)}`;
  await deleteMember(
    db,
    member,
    CONTROL_PANEL,
    editedWhileOffConflict(db, organization, "member", member, "deleted", gone),
  );
  return member;
}

/** A member's given and family name, as the control panel shows and edits them. */
export function profileName(member: Member): { firstName: string | null; lastName: string | null } {
  const name = (member.document.name ?? {}) as { givenName?: string; familyName?: string };
  return { firstName: name.givenName ?? null, lastName: name.familyName ?? null };
}

/** The control panel's edit of a member's profile, applied to its SCIM document. */
export function withProfileEdit(document: Record<string, unknown>, edit: ProfileEdit): Record<string, unknown> {
  const next = structuredClone(document);
  if (edit.firstName !== undefined || edit.lastName !== undefined) {
    const name = { ...((next.name as Record<string, unknown>) ?? {}) };
    if (edit.firstName !== undefined) name.givenName = edit.firstName;
    if (edit.lastName !== undefined) name.familyName = edit.lastName;
    delete name.formatted; // would contradict the new parts
    next.name = name;
  }
  if (edit.email !== undefined) {
    const email = memberEmail(document).emailLower;
    // The login follows the email when it was the email (always so for members made here).
    if (foldCase(String(next.userName)) === email) next.userName = edit.email;
    const emails = Array.isArray(next.emails) ? [...(next.emails as Record<string, unknown>[])] : [];
    const index = emails.findIndex((e) => foldCase(String(e.value)) === email);
    if (index === -1) emails.unshift({ value: edit.email, primary: true });
    else emails[index] = { ...emails[index], value: edit.email };
    next.emails = emails;
  }
  return next;
}

/** A member as the control panel shows it: with its teams (by name), and whether it is read-only there. */
export type ListedMember = Member & { teams: { id: string; displayName: string }[]; readOnly: boolean };

export interface MemberFilters {
  /** Part of the email or of the first or last name, case-insensitively. */
  q?: string;
  source?: Source;
  status?: "active" | "deactivated";
}

/** The control panel's member list (admin API and console): filtered, a keyset page in creation order. */
export async function listMembers(
  db: Database,
  organization: Organization,
  filters: MemberFilters,
  request: PageRequest,
): Promise<Page<ListedMember>> {
  const { items, nextCursor } = await readPage(
    request,
    (after, limit) =>
      selectMemberKeysetPage(db, organization.id, {
        q: filters.q,
        source: filters.source,
        active: filters.status === undefined ? undefined : filters.status === "active",
        after: after && { createdAt: after[0], id: after[1] },
        limit,
      }),
    (member) => [member.createdAt, member.id],
  );
  return { items: await listedMembers(db, organization, items), nextCursor };
}

/** Members as the control panel shows them, their teams read in one round trip. */
export async function listedMembers(
  db: Database,
  organization: Organization,
  members: Member[],
): Promise<ListedMember[]> {
  const teams = await selectTeamsOfMembers(
    db,
    controlPanelScope(organization),
    members.map((m) => m.id),
  );
  return members.map((member) => ({
    ...member,
    teams: teams.get(member.id) ?? [],
    readOnly: isReadOnly(organization, member),
  }));
}

/** What an identity provider pushed about a member, as its page shows it read-only ("From Okta"). */
export interface ProviderProfile {
  userName: string;
  externalId: string | null;
  title: string | null;
  department: string | null;
  employeeNumber: string | null;
  manager: string | null;
  phoneNumbers: { value: string; type: string | null }[];
}

export function providerProfile(member: Member): ProviderProfile {
  const document = member.document;
  const enterprise = asFields(document[ENTERPRISE_USER_SCHEMA]);
  const manager = asFields(enterprise.manager);
  const text = (value: unknown) => (typeof value === "string" && value !== "" ? value : null);
  return {
    userName: member.userName,
    externalId: member.externalId,
    title: text(document.title),
    department: text(enterprise.department),
    employeeNumber: text(enterprise.employeeNumber),
    manager: text(manager.displayName) ?? text(manager.value),
    phoneNumbers: (Array.isArray(document.phoneNumbers) ? document.phoneNumbers : [])
      .map(asFields)
      .filter((phone) => text(phone.value))
      .map((phone) => ({ value: String(phone.value), type: text(phone.type) })),
  };
}

const asFields = (value: unknown): Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
