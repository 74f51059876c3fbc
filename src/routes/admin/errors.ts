import { HTTPException } from "hono/http-exception";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { DomainError, type DomainErrorCode } from "../../domain/errors";
import { BodyError } from "../json-body";

/** An admin API failure: `{"error":{"code","message"}}` with its status. */
export class AdminError extends HTTPException {
  constructor(
    status: ContentfulStatusCode,
    readonly code: string,
    message: string,
  ) {
    super(status, { message });
  }
}

const STATUS = {
  not_found: 404,
  license_limit_reached: 403,
  licenses_below_used: 409,
  user_name_taken: 409,
  email_taken: 409,
  version_mismatch: 409,
  document_too_large: 400,
  member_quota_reached: 403,
  member_quota_below_members: 409,
  display_name_taken: 409,
  invalid_name: 400,
  unknown_members: 400,
  manual_member_in_provisioned_team: 422,
  provisioned_read_only: 403,
  conflict_closed: 409,
  conflict_not_linkable: 422,
} satisfies Record<DomainErrorCode, ContentfulStatusCode>;

/** The admin API speaks of emails: a member's login is its email here. */
const CODE: Partial<Record<DomainErrorCode, string>> = { user_name_taken: "email_taken" };

export function toAdminError(error: unknown): AdminError | undefined {
  if (error instanceof AdminError) return error;
  if (error instanceof BodyError) {
    return error.problem === "unsupported_media_type"
      ? new AdminError(415, "unsupported_media_type", error.message)
      : new AdminError(400, "invalid_json", error.message);
  }
  if (error instanceof DomainError)
    return new AdminError(STATUS[error.code], CODE[error.code] ?? error.code, error.message);
  if (error instanceof HTTPException) {
    return new AdminError(error.status as ContentfulStatusCode, "http_error", error.message);
  }
  return undefined;
}
