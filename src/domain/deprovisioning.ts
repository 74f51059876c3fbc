import { sql } from "drizzle-orm";
import type { Actor } from "../db/activity-entries";
import { PREVIOUS_STATEMENT_CHANGED } from "../db/activity-queries";
import type { ChangeBatch } from "../db/change-batch";
import type { Database } from "../db/client";
import {
  clearHoldStatement,
  countHeldStatement,
  type Deprovisioning,
  decideDeprovisioningStatement,
  holdStatement,
  safeguardApplies,
  safeguardHoldsNew,
  safeguardTrips,
  selectSafeguardStatement,
} from "../db/safeguard-queries";
import { members, type SafeguardDecision } from "../db/schema";
import type { Member } from "../db/schema-types";
import { DomainError } from "./errors";
import { actorProviderName } from "./providers";

/**
 * Where a deactivation or deletion is decided. Every one that arrives over SCIM (PATCH, PUT with
 * `active: false`, DELETE, each inside /Bulk) goes through updateMember or deleteMember, which ask
 * here; the control panel's own edits are an admin's and are never held.
 */

/** What a SCIM request tells about itself, kept with a hold (the request log's id, its client). */
export interface RequestOrigin {
  userAgent?: string;
  requestId?: string;
}

const isProvisioning = (actor: Actor): actor is `scim:${string}` => actor.startsWith("scim:");

/** Seconds Okta and Entra are asked to wait before they send a held request again (README: the safeguard). */
export const HELD_RETRY_AFTER_SECONDS = 300;

const HOLDING: SafeguardDecision[] = ["tripped", "held", "waiting"];

/**
 * The safeguard's statements in a SCIM deactivation's or deletion's batch, around its write: the
 * decision first (the database counts and decides, src/db/safeguard-queries.ts), the write made
 * conditional on it (`applies`), then the hold and its entries, or the hold cleared once applied.
 * Undefined for the control panel's writes.
 */
export function deprovisioningGuard(
  db: Database,
  member: Member,
  operation: Deprovisioning["operation"],
  actor: Actor,
  asked: { document: Record<string, unknown> | null; origin?: RequestOrigin },
) {
  if (!isProvisioning(actor)) return undefined;
  const request: Deprovisioning = { orgId: member.orgId, memberId: member.id, operation, version: member.version };
  return {
    applies: safeguardApplies(member.orgId),
    decide: (batch: ChangeBatch) => batch.write(decideDeprovisioningStatement(db, request)),
    afterWrite: (batch: ChangeBatch) => {
      batch
        .write(
          holdStatement(db, request, {
            document: asked.document,
            actor,
            userAgent: asked.origin?.userAgent?.slice(0, 256) ?? null,
            requestId: asked.origin?.requestId ?? null,
          }),
        )
        .stage(
          {
            orgId: member.orgId,
            actor,
            action: "member.deactivation_held",
            targetType: "member",
            targetId: member.id,
            targetName: member.userName,
            changes: { operation, ...(asked.origin?.requestId ? { requestId: asked.origin.requestId } : {}) },
          },
          { when: safeguardHoldsNew(member.orgId) },
        )
        .stage(
          {
            orgId: member.orgId,
            actor,
            action: "safeguard.tripped",
            targetType: "organization",
            targetId: member.orgId,
          },
          { when: safeguardTrips(member.orgId) },
        );
      // An applied deactivation ends the member's hold (a deletion's goes with the member).
      if (operation === "deactivate") {
        batch.write(
          clearHoldStatement(
            db,
            member.orgId,
            member.id,
            sql`NOT EXISTS (SELECT 1 FROM ${members} WHERE ${members.id} = ${member.id} AND ${members.active} = 1)`,
          ),
        );
      }
    },
    /** Throws the refusal the identity provider is given when the safeguard did not let the write through. */
    explain: async (decided: { decision: SafeguardDecision | null }[]) => {
      const decision = decided[0]?.decision;
      if (decision === "refused") throw refusedByAdmin(member, operation, actor);
      if (decision && HOLDING.includes(decision)) throw await heldRefusal(db, member, operation, actor);
    },
  };
}

/** The SCIM write that says a member is active ends its hold, whatever its status: the IdP no longer asks. */
export function clearHoldOnActivation(db: Database, member: Member, actor: Actor) {
  if (!isProvisioning(actor)) return undefined;
  return (batch: ChangeBatch) =>
    batch.write(clearHoldStatement(db, member.orgId, member.id)).stage(
      {
        orgId: member.orgId,
        actor,
        action: "member.hold_cleared",
        targetType: "member",
        targetId: member.id,
        targetName: member.userName,
      },
      { when: PREVIOUS_STATEMENT_CHANGED },
    );
}

const asked = (operation: Deprovisioning["operation"]) => (operation === "delete" ? "deletion" : "deactivation");

function refusedByAdmin(member: Member, operation: Deprovisioning["operation"], actor: Actor): DomainError {
  return new DomainError(
    "safeguard_refused",
    `An administrator kept ${member.userName} active when the deprovisioning safeguard held its ${asked(operation)}. ${actorProviderName(actor)}'s ${asked(operation)} of this member is refused until an administrator lets it through in the console (Safeguard), or until ${actorProviderName(actor)} stops asking.`,
  );
}

/** The counts the identity provider's admin reads in its task list or provisioning log, and what to do. */
async function heldRefusal(
  db: Database,
  member: Member,
  operation: Deprovisioning["operation"],
  actor: Actor,
): Promise<DomainError> {
  const [[safeguard], [held]] = await db.batch([
    selectSafeguardStatement(db, member.orgId),
    countHeldStatement(db, member.orgId),
  ]);
  const { windowApplied: applied, windowMinutes, windowLimit, thresholdPercent, minimumMembers } = safeguard!;
  const heldCount = held?.count ?? 0;
  return new DomainError(
    "safeguard_held",
    `Held by the deprovisioning safeguard: ${actorProviderName(actor)} asked to deactivate or delete ${applied + heldCount} members within ${windowMinutes} minutes, more than the ${windowLimit} it allows (${thresholdPercent} % of the members active when the window started, at least ${minimumMembers}). ${applied} were applied and ${heldCount} are held, this ${asked(operation)} of ${member.userName} among them. An administrator of the organization must review them in the console (Safeguard); once released, this request succeeds when sent again.`,
  );
}
