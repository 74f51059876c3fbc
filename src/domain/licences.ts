import type { Organization } from "../db/schema-types";
import { DomainError } from "./errors";

/**
 * Licences: every active member holds one. The count is kept by database triggers and the limit by a
 * CHECK constraint (LICENCE_LIMIT_CHECK, src/db/constraints.ts), so here we only explain a refusal
 * and warn when few are left.
 */
export function licencesInUseMessage(organization: Organization): string {
  return `No licence is free: ${organization.licensesUsed} of ${organization.licenses} licences are in use. Deactivate a member or add licences.`;
}

/** The licences left when few are (under 5 % of them, or none), for the control panel's warning; undefined otherwise. */
export function licencesRunningLow(organization: Organization): number | undefined {
  const remaining = organization.licenses - organization.licensesUsed;
  return remaining * 20 < organization.licenses || remaining === 0 ? remaining : undefined;
}

export function licenceLimitReached(organization: Organization): DomainError {
  return new DomainError("license_limit_reached", licencesInUseMessage(organization));
}
