import type { Database } from "../db/client";
import type { Organization } from "../db/schema-types";
import { selectScimHealth } from "../db/scim-request-queries";

const DAY_MS = 86_400_000;

export type HealthWarning = "no_recent_calls" | "stale_token_attempts";

/**
 * Is the identity provider still talking to us? From the counters the request log's consumer keeps
 * (never a scan of the log), with the two warnings an admin should act on: provisioning is on but
 * nothing called for a day, and requests still present a token that no longer works.
 */
export async function connectionHealth(db: Database, organization: Organization, at = new Date()) {
  const sinceHour = new Date(at.getTime() - DAY_MS).toISOString().slice(0, 13);
  const { health, requests, errors } = await selectScimHealth(db, organization.id, sinceHour);
  const lastRequestAt = health?.lastRequestAt ?? null;
  const staleTokenAttempts = health?.staleTokenAttempts ?? 0;
  const warnings: HealthWarning[] = [];
  const quietSince = lastRequestAt ?? organization.scimTokenCreatedAt;
  if (organization.scimEnabled && quietSince && at.getTime() - Date.parse(quietSince) > DAY_MS) {
    warnings.push("no_recent_calls");
  }
  // With provisioning off there is no current token to enter: a refused request is what off means.
  if (organization.scimEnabled && staleTokenAttempts > 0) warnings.push("stale_token_attempts");
  return {
    lastRequestAt,
    lastSuccessAt: health?.lastSuccessAt ?? null,
    lastErrorAt: health?.lastErrorAt ?? null,
    requestsLast24h: requests,
    errorsLast24h: errors,
    tokenLastUsedAt: health?.tokenLastUsedAt ?? null,
    staleTokenAttempts,
    warnings,
  };
}
