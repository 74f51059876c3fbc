import type { Organization } from "../db/schema-types";
import { DomainError } from "./errors";

/**
 * The member quota: how many members (manual or provisioned, active or not) an organization may
 * hold. The count is kept by database triggers and the quota held by one (MEMBER_QUOTA_TRIGGER,
 * src/db/constraints.ts), so here we only explain a refusal.
 */
export function memberQuotaReached(organization: Organization): DomainError {
  return new DomainError(
    "member_quota_reached",
    `The organization holds ${organization.memberCount} members, its quota of ${organization.memberQuota} (inactive members included). Delete members or raise the quota.`,
  );
}
