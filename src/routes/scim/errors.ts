import { HELD_RETRY_AFTER_SECONDS } from "../../domain/deprovisioning";
import { DomainError, type DomainErrorCode } from "../../domain/errors";
import { invalidSyntax, invalidValue, ScimError, uniqueness } from "../../scim/errors";
import { BodyError } from "../json-body";

const forbidden = (detail: string) => new ScimError(403, detail);
const conflict = (detail: string) => new ScimError(409, detail);

/** How each domain refusal reads in SCIM (RFC 7644 §3.12): a new code does not compile until it has its answer. */
const SCIM_ERROR = {
  not_found: (detail) => new ScimError(404, detail),
  license_limit_reached: forbidden,
  member_quota_reached: forbidden,
  provisioned_read_only: forbidden,
  user_name_taken: uniqueness,
  email_taken: uniqueness,
  display_name_taken: uniqueness,
  document_too_large: invalidValue,
  invalid_input: invalidValue,
  invalid_name: invalidValue,
  unknown_members: invalidValue,
  too_many_members: (detail) => new ScimError(413, detail),
  manual_member_in_provisioned_team: invalidValue,
  // 429 with Retry-After: Okta and Entra keep the operation pending and send it again later (README).
  safeguard_held: (detail) => new ScimError(429, detail, undefined, HELD_RETRY_AFTER_SECONDS),
  // 403: an admin decided; retrying soon cannot change it, the IdP's admin reads why.
  safeguard_refused: forbidden,
  version_mismatch: (detail) => new ScimError(412, `${detail} Read it again and retry with its current version.`),
  // Admin decisions: no SCIM request reaches them.
  licenses_below_used: conflict,
  member_quota_below_members: conflict,
  conflict_closed: conflict,
  conflict_not_linkable: conflict,
  safeguard_not_tripped: conflict,
} satisfies Record<DomainErrorCode, (detail: string) => ScimError>;

/** A failure that is the client's or the domain's, as a SCIM error; undefined for anything else. */
export function toScimError(error: unknown): ScimError | undefined {
  if (error instanceof ScimError) return error;
  if (error instanceof BodyError) {
    return error.problem === "unsupported_media_type"
      ? new ScimError(415, error.message)
      : invalidSyntax(error.message);
  }
  if (error instanceof DomainError) return SCIM_ERROR[error.code](error.message);
  return undefined;
}
