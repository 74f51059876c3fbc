import type { SQL } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import type { Database } from "../db/client";
import { now } from "../db/clock";
import { selectConflict, selectConflictPage, upsertConflictStatement } from "../db/conflict-queries";
import { selectMembersHolding } from "../db/member-queries";
import type { ConflictStatus, Source } from "../db/schema";
import type { Conflict, Organization } from "../db/schema-types";
import type { DomainError } from "./errors";
import { getOrganization } from "./organizations";
import { type Page, type PageRequest, readPage } from "./pages";

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

/** A SCIM create the rules refused, as the conflict an admin should decide on (none for other refusals). */
export async function refusedCreateConflict(
  db: Database,
  organization: Organization,
  create: { document: Record<string, unknown>; active: boolean; source: Source },
  names: { userName: string; userNameLower: string; email: string; emailLower: string },
  refusal: DomainError,
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
    const { licenses, licensesUsed } = await getOrganization(db, organization.id);
    return [upsertConflictStatement(db, { ...base, kind: "no_licence", licenses, licensesUsed })];
  }
  if (refusal.code !== "user_name_taken" && refusal.code !== "email_taken") return [];
  const holders = await selectMembersHolding(db, organization.id, names);
  const manual =
    holders.find((m) => !m.provisioned && m.userNameLower === names.userNameLower) ??
    holders.find((m) => !m.provisioned);
  // Linking can only help when no provisioned member holds the name as well.
  if (!manual || holders.some((m) => m.provisioned)) return [];
  return [upsertConflictStatement(db, { ...base, kind: "email_held_by_manual_member", targetId: manual.id })];
}

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
  const provider = target.source;
  const name = target.userName ?? target.displayName ?? target.id;
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
        subject: target.id,
        targetId: target.id,
        targetName: name,
        provider,
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
