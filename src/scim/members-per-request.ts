import { ScimError } from "./errors";

/**
 * Member ids one request may name (POST, PUT, or all of a PATCH's operations together). A 1 MiB
 * body holds about 20,000; the largest PATCH Okta or Entra sends holds a few hundred. Membership is
 * rows, so this, not the 100-value cap on a user's attributes, bounds a request's work.
 */
export const MAX_MEMBERS_PER_REQUEST = 10_000;

/** 413 when a request names more members than MAX_MEMBERS_PER_REQUEST. */
export function requireMemberCount(count: number) {
  if (count > MAX_MEMBERS_PER_REQUEST) {
    throw new ScimError(
      413,
      `The request names ${count} members; at most ${MAX_MEMBERS_PER_REQUEST} can be named in one request. Split it into several PATCH requests.`,
    );
  }
}
