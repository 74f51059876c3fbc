/** Why the domain refused an operation; each API maps the code onto its own error format. */
export type DomainErrorCode =
  | "not_found"
  /** Input that breaks an input rule (a query parameter, a cursor), refused before anything is read. */
  | "invalid_input"
  | "license_limit_reached"
  | "licenses_below_used"
  | "user_name_taken"
  | "email_taken"
  | "version_mismatch"
  | "document_too_large"
  | "member_quota_reached"
  | "member_quota_below_members"
  | "display_name_taken"
  | "invalid_name"
  | "unknown_members"
  | "too_many_members"
  | "manual_member_in_provisioned_team"
  | "provisioned_read_only"
  | "conflict_closed"
  | "conflict_not_linkable"
  /** The deprovisioning safeguard holds a SCIM deactivation or deletion for an admin's review. */
  | "safeguard_held"
  /** An admin kept the member active: the safeguard refuses the identity provider's deactivation. */
  | "safeguard_refused"
  /** A release or reject with nothing held. */
  | "safeguard_not_tripped";

export class DomainError extends Error {
  constructor(
    readonly code: DomainErrorCode,
    message: string,
  ) {
    super(message);
    this.name = "DomainError";
  }
}
