import type { SQL } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import type { Actor } from "../db/activity-entries";
import { ChangeBatch } from "../db/change-batch";
import type { Database } from "../db/client";
import { now } from "../db/clock";
import {
  closeConflictsStatement,
  selectConflict,
  selectConflictPage,
  selectOpenConflictCounts,
  selectOpenConflictsOfKinds,
  upsertConflictStatement,
} from "../db/conflict-queries";
import { selectMembersHolding } from "../db/member-queries";
import type { ConflictKind, ConflictStatus, Source } from "../db/schema";
import type { Conflict, Member, Organization } from "../db/schema-types";
import { foldCase } from "../scim/folding";
import type { DomainError } from "./errors";
import { getOrganization } from "./organizations";
import { type Page, type PageRequest, readPage } from "./pages";
import { providerName } from "./providers";

/** An organization's conflicts in one state, most recently seen first, a keyset page. */
export function conflictPage(
  db: Database,
  organization: Organization,
  status: ConflictStatus,
  request: PageRequest,
): Promise<Page<Conflict>> {
  return readPage(
    request,
    (after, limit) =>
      selectConflictPage(db, { orgId: organization.id, status, after: after && { at: after[0], id: after[1] }, limit }),
    (conflict) => [conflict.lastSeenAt, conflict.id],
  );
}

/** The organization's conflict with this id, or undefined. */
export const conflictIfExists = (db: Database, organization: Organization, id: string): Promise<Conflict | undefined> =>
  selectConflict(db, organization.id, id);

/** What explaining a refused write read already (the organization's licences, the members holding the name). */
export interface RefusalContext {
  organization?: Organization;
  holders?: Member[];
}

/** A SCIM create the rules refused, as the conflict an admin should decide on (none for other refusals). */
export async function refusedCreateConflict(
  db: Database,
  organization: Organization,
  create: { document: Record<string, unknown>; active: boolean; source: Source },
  names: { userName: string; userNameLower: string; email: string; emailLower: string },
  refusal: DomainError,
  read: RefusalContext,
): Promise<BatchItem<"sqlite">[]> {
  if (create.source === "manual") return [];
  const base = {
    id: crypto.randomUUID(),
    orgId: organization.id,
    targetType: "member" as const,
    subject: names.userNameLower,
    targetId: null,
    targetName: names.userName,
    provider: create.source,
    document: create.document,
    active: create.active,
    licenses: null,
    licensesUsed: null,
    detail: refusal.message,
    createdAt: now(),
  };
  if (refusal.code === "license_limit_reached") {
    const { licenses, licensesUsed } = read.organization ?? (await getOrganization(db, organization.id));
    return [upsertConflictStatement(db, { ...base, kind: "no_licence", licenses, licensesUsed })];
  }
  if (refusal.code === "member_quota_reached") return [upsertConflictStatement(db, { ...base, kind: "member_quota" })];
  if (refusal.code !== "user_name_taken" && refusal.code !== "email_taken") return [];
  const holders = read.holders ?? (await selectMembersHolding(db, organization.id, names));
  const manual =
    holders.find((m) => !m.provisioned && m.userNameLower === names.userNameLower) ??
    holders.find((m) => !m.provisioned);
  // Linking can only help when no provisioned member holds the name as well.
  if (!manual || holders.some((m) => m.provisioned)) {
    const holder = holders.find((m) => m.provisioned);
    return [upsertConflictStatement(db, { ...base, kind: "name_taken", targetId: holder?.id ?? null })];
  }
  return [upsertConflictStatement(db, { ...base, kind: "email_held_by_manual_member", targetId: manual.id })];
}

/**
 * A SCIM update of a member the rules refused, as a conflict an admin must act on: a reactivation with
 * no licence free, or a userName or email another member holds. None for other refusals.
 */
export async function refusedUpdateConflict(
  db: Database,
  member: Member,
  update: { document: Record<string, unknown>; active: boolean },
  refusal: DomainError,
  read: RefusalContext,
): Promise<BatchItem<"sqlite">[]> {
  const kind =
    refusal.code === "license_limit_reached"
      ? ("reactivation_refused" as const)
      : refusal.code === "user_name_taken" || refusal.code === "email_taken"
        ? ("name_taken" as const)
        : undefined;
  if (!kind || !member.provisioned) return [];
  const { licenses, licensesUsed } =
    kind === "reactivation_refused"
      ? (read.organization ?? (await getOrganization(db, member.orgId)))
      : { licenses: null, licensesUsed: null };
  return [
    upsertConflictStatement(db, {
      id: crypto.randomUUID(),
      orgId: member.orgId,
      kind,
      targetType: "member",
      subject: member.id,
      targetId: member.id,
      targetName: member.userName,
      provider: member.source,
      document: update.document,
      active: update.active,
      licenses,
      licensesUsed,
      detail: refusal.message,
      createdAt: now(),
    }),
  ];
}

/** Conflicts a later create of the same userName by the identity provider settles (subject: the folded userName). */
export const SETTLED_BY_CREATE: ConflictKind[] = [
  "no_licence",
  "member_quota",
  "name_taken",
  "email_held_by_manual_member",
  "deleted_while_off",
];
/** Conflicts a later update of the member by the identity provider settles (subject: the member's id). */
export const SETTLED_BY_UPDATE: ConflictKind[] = ["reactivation_refused", "name_taken", "edited_while_off"];

/** Open conflicts about a subject that a later request of the identity provider settles once it goes through. */
export interface Settling {
  orgId: string;
  subject: string;
  kinds: ConflictKind[];
  actor: Actor;
  /** The batch's write went ahead (the safeguard let it through). */
  when?: SQL;
}

/**
 * Closes what a request of the identity provider settles, in the request's own batch: written last, so
 * the batch's last result is what it closed (for recordSettled). One statement: most requests settle
 * nothing, and every SCIM write (each of a /Bulk's within D1's query budget) carries it.
 */
export function settleConflicts(batch: ChangeBatch, db: Database, settling: Settling): void {
  batch.write(closeConflictsStatement(db, settling.orgId, settling.subject, settling.kinds, now(), settling.when));
}

/**
 * The activity entry of conflicts a request settled (the batch's last result, see settleConflicts):
 * in a batch of its own, written only in the rare case that the request closed one.
 */
export async function recordSettled(
  db: Database,
  settling: Settling,
  member: { id: string; userName: string },
  closed: unknown,
): Promise<void> {
  if (!Array.isArray(closed) || closed.length === 0) return;
  await new ChangeBatch(db)
    .stage({
      orgId: settling.orgId,
      actor: settling.actor,
      action: "conflict.settled",
      targetType: "member",
      targetId: member.id,
      targetName: member.userName,
    })
    .commit();
}

/**
 * What was edited or deleted here while provisioning was off, still open (the identity provider has not
 * pushed its version yet): what turning provisioning back on will overwrite. None while it is on.
 */
export async function changedWhileOff(db: Database, organization: Organization, limit = 50): Promise<Conflict[]> {
  if (organization.scimEnabled) return [];
  return selectOpenConflictsOfKinds(db, organization.id, ["edited_while_off", "deleted_while_off"], limit);
}

/** How many conflicts an organization has open, by kind and provider (for its banners and the Conflicts count). */
export const openConflictCounts = (db: Database, orgId: string) => selectOpenConflictCounts(db, orgId);

/**
 * An edit or delete here of something the identity provider provisioned, while provisioning is off:
 * once it is on again the IdP pushes its own version (a changed email comes back as a create that the
 * uniqueness rule refuses). Effective only if the batch's write went ahead (`when`).
 */
export function editedWhileOffConflict(
  db: Database,
  organization: Organization,
  what: "member" | "team",
  target: { id: string; provisioned: boolean; source: Source; userName?: string; displayName?: string },
  change: "edited" | "deleted",
  when: SQL,
): BatchItem<"sqlite">[] {
  if (!target.provisioned || organization.scimEnabled) return [];
  const provider = providerName(target.source);
  const name = target.userName ?? target.displayName ?? target.id;
  // A member deleted here comes back as a create of its userName, which settles this conflict.
  const subject = what === "member" && change === "deleted" && target.userName ? foldCase(target.userName) : target.id;
  const detail =
    change === "edited"
      ? `The ${what} ${name} was changed here while provisioning was off: when ${provider} provisions again it pushes its own version, and a changed email comes back as a new ${what === "member" ? "user" : "group"} that the uniqueness rule refuses.`
      : `The ${what} ${name} was deleted here while provisioning was off: ${provider} will create it again when provisioning is turned back on.`;
  return [
    upsertConflictStatement(
      db,
      {
        id: crypto.randomUUID(),
        orgId: organization.id,
        kind: change === "edited" ? "edited_while_off" : "deleted_while_off",
        targetType: what,
        subject,
        targetId: target.id,
        targetName: name,
        provider: target.source,
        document: null,
        active: null,
        licenses: null,
        licensesUsed: null,
        detail,
        createdAt: now(),
      },
      when,
    ),
  ];
}
