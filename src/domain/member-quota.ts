import type { Organization } from "../db/schema-types";
import { DomainError } from "./errors";

/**
 * The member quota: how many members (manual or provisioned, active or not) an organization may
 * hold. The count is kept by database triggers and the quota held by one (see
 * drizzle/0012_member_quota.sql), so here we only explain a refusal.
 */
export const MEMBER_QUOTA_TRIGGER = "member_quota_reached";

export function memberQuotaReached(organization: Organization): DomainError {
  return new DomainError(
    "member_quota_reached",
    `The organization holds ${organization.memberCount} members, its quota of ${organization.memberQuota} (inactive members included). Delete members or raise the quota.`,
  );
}
