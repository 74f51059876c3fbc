import { constraintFailed, refusedByTrigger } from "./client";

/**
 * The names under which the database refuses a write, as its errors report them: the schema's
 * CHECKs are declared with these constants, the migrations' triggers were created under them (the
 * file is named beside each), and the domain explains a refusal by them, never by a loose string.
 * test/integration/db-names.test.ts checks that each is in the migrated database.
 */

/** CHECK on organizations: licences_used ≤ licenses (drizzle/0000_init.sql; the count is kept by 0001's triggers). */
export const LICENCE_LIMIT_CHECK = "licenses_within_limit";
/** CHECK on organizations: licenses_used never goes below 0 (drizzle/0000_init.sql). */
export const LICENCES_NOT_NEGATIVE_CHECK = "licenses_not_negative";
/** CHECK on write_guards, broken by a conditional write whose row moved on (drizzle/0013_write_guards.sql). */
export const VERSION_MOVED_CHECK = "version_moved";

/** The trigger that holds member_count to member_quota (drizzle/0012_member_quota.sql), and the reason it raises. */
export const MEMBER_QUOTA_TRIGGER = "members_quota_on_insert";
export const MEMBER_QUOTA_REFUSAL = "member_quota_reached";

/** The triggers that move both sides' versions when a membership row joins or leaves (drizzle/0014_membership_versions.sql). */
export const MEMBERSHIP_VERSION_TRIGGERS = [
  "team_members_versions_on_insert",
  "team_members_versions_on_delete",
] as const;

/** CHECK on safeguards: settings within their bounds (drizzle/0017_safeguard.sql); the APIs validate first. */
export const SAFEGUARD_SETTINGS_CHECK = "safeguard_settings_in_range";
/** The trigger that ends a trip once its last held request is gone, reactivated or deleted (drizzle/0017_safeguard.sql). */
export const SAFEGUARD_UNTRIP_TRIGGER = "safeguard_holds_untrip_on_delete";

/** Unique columns, as SQLite names them in "UNIQUE constraint failed: <table>.<column>". */
export const UNIQUE_USER_NAME = "members.user_name_lower";
export const UNIQUE_EMAIL = "members.email_lower";
export const UNIQUE_TEAM_NAME = "teams.display_name_lower";

/** A write would have taken an organization past its licences. */
export const licenceLimitBroken = (error: unknown) => constraintFailed(error, LICENCE_LIMIT_CHECK);

/** A write would have taken an organization past its member quota. */
export const memberQuotaRefused = (error: unknown) => refusedByTrigger(error, MEMBER_QUOTA_REFUSAL);

/** A batch was rolled back because a row had moved past the version it was conditional on. */
export const versionMoved = (error: unknown) => constraintFailed(error, VERSION_MOVED_CHECK);

/** A member write collided with another member's userName or email. */
export const memberNameTaken = (error: unknown) =>
  constraintFailed(error, UNIQUE_USER_NAME) || constraintFailed(error, UNIQUE_EMAIL);

/** A team write collided with another team's display name. */
export const teamNameTaken = (error: unknown) => constraintFailed(error, UNIQUE_TEAM_NAME);
