import type { Actor } from "../db/activity-entries";
import { PREVIOUS_STATEMENT_CHANGED } from "../db/activity-queries";
import { ChangeBatch } from "../db/change-batch";
import type { Database } from "../db/client";
import { now } from "../db/clock";
import { resolveConflictStatement, selectConflict } from "../db/conflict-queries";
import type { Source } from "../db/schema";
import type { Conflict, Member, Organization } from "../db/schema-types";
import { DomainError } from "./errors";
import { controlPanelScope, findMember, updateMember } from "./members";

const CONTROL_PANEL = "admin" as const;

export type Resolution = "link" | "dismiss";

/**
 * What an admin may decide on a conflict: any open one can be dismissed; one refused because a
 * manual member holds the email can also be linked (that member becomes the provisioned one).
 * Nothing once it is closed.
 */
export function conflictDecisions(conflict: Conflict): Resolution[] {
  if (conflict.status !== "open") return [];
  return conflict.kind === "email_held_by_manual_member" ? ["link", "dismiss"] : ["dismiss"];
}

/**
 * An admin's decision on an open conflict, recorded as an activity entry. `link` makes the manual
 * member holding the email the provisioned one: the identity provider's profile and active state are
 * applied through updateMember (licences and email uniqueness hold as for any write), it keeps its
 * teams (the membership rule lets a provisioned member join any team), and from then on SCIM sees it.
 */
export async function resolveConflict(
  db: Database,
  organization: Organization,
  id: string,
  action: Resolution,
): Promise<{ conflict: Conflict; member?: Member }> {
  const conflict = await selectConflict(db, organization.id, id);
  if (!conflict) throw new DomainError("not_found", `No conflict ${id}.`);
  if (conflict.status !== "open") throw closed(conflict);
  const entry = {
    orgId: organization.id,
    actor: CONTROL_PANEL as Actor,
    targetType: conflict.targetType,
    targetId: conflict.targetId ?? undefined,
    targetName: conflict.targetName ?? undefined,
  };
  const resolvedAt = now();
  if (action === "dismiss") {
    const [resolved] = (await new ChangeBatch(db)
      .write(resolveConflictStatement(db, id, "dismissed", resolvedAt))
      .stage(
        { ...entry, action: "conflict.dismissed", changes: { conflict: conflict.kind, detail: conflict.detail } },
        { when: PREVIOUS_STATEMENT_CHANGED },
      )
      .commit()) as [unknown[]];
    if (resolved.length === 0) throw closed(conflict);
    return { conflict: { ...conflict, status: "dismissed", resolvedAt } };
  }
  if (!conflictDecisions(conflict).includes("link") || !conflict.targetId || !conflict.document) {
    throw new DomainError(
      "conflict_not_linkable",
      "Only a create refused because a manually created member holds the email can be linked; dismiss this one.",
    );
  }
  const manual = await findMember(db, controlPanelScope(organization), conflict.targetId);
  if (manual.provisioned) {
    throw new DomainError("conflict_closed", `${manual.userName} is already provisioned; dismiss this conflict.`);
  }
  const member = await updateMember(
    db,
    manual,
    { document: conflict.document, active: conflict.active ?? manual.active, source: conflict.provider as Source },
    CONTROL_PANEL,
    (batch) =>
      batch
        .write(resolveConflictStatement(db, id, "linked", resolvedAt))
        .stage(
          { ...entry, action: "conflict.linked", changes: { conflict: conflict.kind, source: conflict.provider } },
          { when: PREVIOUS_STATEMENT_CHANGED },
        ),
  );
  return { conflict: { ...conflict, status: "linked", resolvedAt }, member };
}

const closed = (conflict: Conflict) =>
  new DomainError("conflict_closed", `This conflict is no longer open (${conflict.status}).`);
