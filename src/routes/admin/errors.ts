import { HTTPException } from "hono/http-exception";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { refusalOf } from "../refusals";

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

export function toAdminError(error: unknown): AdminError | undefined {
  if (error instanceof AdminError) return error;
  const refusal = refusalOf(error);
  return refusal && new AdminError(refusal.status, refusal.code, refusal.message);
}
