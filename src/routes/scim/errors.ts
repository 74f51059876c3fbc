import { DomainError } from "../../domain/errors";
import { invalidSyntax, invalidValue, ScimError, uniqueness } from "../../scim/errors";
import { BodyError } from "../json-body";

/** How a domain refusal reads in SCIM (RFC 7644 §3.12). */
export function toScimError(error: unknown): ScimError | undefined {
  if (error instanceof ScimError) return error;
  if (error instanceof BodyError) {
    return error.problem === "unsupported_media_type"
      ? new ScimError(415, error.message)
      : invalidSyntax(error.message);
  }
  if (!(error instanceof DomainError)) return undefined;
  switch (error.code) {
    case "not_found":
      return new ScimError(404, error.message);
    case "license_limit_reached":
    case "member_quota_reached":
    case "provisioned_read_only":
      return new ScimError(403, error.message);
    case "user_name_taken":
    case "email_taken":
    case "display_name_taken":
      return uniqueness(error.message);
    case "document_too_large":
    case "invalid_name":
    case "unknown_members":
    case "manual_member_in_provisioned_team":
      return invalidValue(error.message);
    case "version_mismatch":
      return new ScimError(412, `${error.message} Read it again and retry with its current version.`);
    case "licenses_below_used":
    case "member_quota_below_members":
    case "conflict_closed": // admin decisions: no SCIM request reaches them
    case "conflict_not_linkable":
      return new ScimError(409, error.message);
  }
}
