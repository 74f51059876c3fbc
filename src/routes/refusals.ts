import { HTTPException } from "hono/http-exception";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { DomainError, type DomainErrorCode } from "../domain/errors";
import { BodyError } from "./json-body";

/** A request refused for what it asked, as the admin API's JSON and the console's pages both answer it. */
export interface Refusal {
  status: ContentfulStatusCode;
  code: string;
  message: string;
}

const STATUS = {
  not_found: 404,
  invalid_input: 400,
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
  too_many_members: 413,
  manual_member_in_provisioned_team: 422,
  provisioned_read_only: 403,
  conflict_closed: 409,
  conflict_not_linkable: 422,
  safeguard_held: 429,
  safeguard_refused: 403,
  safeguard_not_tripped: 409,
} satisfies Record<DomainErrorCode, ContentfulStatusCode>;

/** The control panel speaks of emails (a member's login is its email there) and of invalid requests. */
const CODE: Partial<Record<DomainErrorCode, string>> = {
  user_name_taken: "email_taken",
  invalid_input: "invalid_request",
};

/** A refusal of the domain, of an unreadable body or of Hono (its status kept); undefined for anything else. */
export function refusalOf(error: unknown): Refusal | undefined {
  if (error instanceof BodyError) {
    return error.problem === "unsupported_media_type"
      ? { status: 415, code: "unsupported_media_type", message: error.message }
      : { status: 400, code: "invalid_json", message: error.message };
  }
  if (error instanceof DomainError) {
    return { status: STATUS[error.code], code: CODE[error.code] ?? error.code, message: error.message };
  }
  if (error instanceof HTTPException) {
    return { status: error.status as ContentfulStatusCode, code: "http_error", message: error.message };
  }
  return undefined;
}
