import { loggableFailure, transientFailure } from "../db/client";
import { StatementLimitReached } from "../db/counted-d1";

/** Seconds a client is asked to wait (Retry-After) before it sends a request refused as busy again. */
const RETRY_AFTER_SECONDS = 1;

/**
 * A failure that is neither a refusal of the domain nor bad input, as every adapter answers it:
 * `busy` when sending the request again later will do (Okta and Entra back off on 429 and 503 with an
 * integer Retry-After), `internal` otherwise.
 */
export type UnexpectedFailure =
  | { kind: "busy"; status: 429 | 503; retryAfterSeconds: number; message: string }
  | { kind: "internal" };

const BUSY = "The service is busy; retry after the number of seconds in Retry-After.";
const OUT_OF_QUERIES =
  "Not done: this request reached the database queries one request may make. Send it again after the seconds in Retry-After.";

/** Classifies (and logs) what an adapter's own error mapping did not recognise. `path` is logged, never a query. */
export function classifyFailure(error: unknown, path: string): UnexpectedFailure {
  if (error instanceof StatementLimitReached) {
    // Refused before it was sent: a write goes in one batch, so nothing of it was done.
    return { kind: "busy", status: 503, retryAfterSeconds: RETRY_AFTER_SECONDS, message: OUT_OF_QUERIES };
  }
  const transient = transientFailure(error);
  if (transient) {
    const status = transient === "overloaded" ? 429 : 503;
    console.error(JSON.stringify({ event: "database_busy", status, path }));
    return { kind: "busy", status, retryAfterSeconds: RETRY_AFTER_SECONDS, message: BUSY };
  }
  logFailure("error", error, { path });
  return { kind: "internal" };
}

/** Logs a failure nothing answered for: the event, its context and what of the error may be logged (never a query's values). */
export function logFailure(event: string, error: unknown, context: Record<string, string> = {}): void {
  console.error(JSON.stringify({ event, ...context, ...loggableFailure(error) }));
}
