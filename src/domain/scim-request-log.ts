import type { Database } from "../db/client";
import { timestamp } from "../db/clock";
import { selectOrganizationStatement } from "../db/organization-queries";
import type { ScimRequestRecord } from "../db/pipeline-messages";
import { sendScimRequest } from "../db/pipeline-send";
import type { Organization, ScimRequestRow } from "../db/schema-types";
import { isRetiredToken, type ScimRequestQuery, selectScimRequestPage } from "../db/scim-request-queries";
import { type Page, type PageRequest, readPage } from "./pages";
import { hashToken } from "./tokens";

/** How a request that failed authentication met the tenant: the row it read (if it got that far), the token it sent. */
export interface FailedAuthentication {
  tenant?: Organization;
  presentedToken?: string;
}

/**
 * Records a SCIM request, made at `startedAt` (epoch ms), through the activity pipeline (queue, or D1
 * directly if the queue refuses). Runs after the response, in waitUntil. A request that failed authentication is recorded only for
 * an organization that exists; it is a stale-token attempt if it presented one of the organization's
 * retired tokens (compared by hash: the token itself goes nowhere).
 */
export async function recordScimRequest(
  db: Database,
  record: Omit<ScimRequestRecord, "staleToken" | "at">,
  startedAt: number,
  failedAuthentication?: FailedAuthentication,
): Promise<void> {
  try {
    let staleToken = false;
    let provider = record.provider;
    if (failedAuthentication) {
      const tenant = failedAuthentication.tenant ?? (await selectOrganizationStatement(db, record.orgId))[0];
      if (!tenant) return;
      provider = tenant.scimProvider ?? undefined;
      const token = failedAuthentication.presentedToken;
      staleToken = token !== undefined && (await isRetiredToken(db, tenant.id, await hashToken(token)));
    }
    await sendScimRequest(db, { ...record, at: timestamp(startedAt), provider, staleToken });
  } catch (error) {
    console.error(
      JSON.stringify({
        event: "scim_request_unrecorded",
        id: record.id,
        error: error instanceof Error ? error.name : "",
      }),
    );
  }
}

/** Which records of an organization's SCIM request log: by outcome, method, resource, subject and time. */
export type ScimRequestFilters = Omit<ScimRequestQuery, "orgId" | "limit" | "after" | "concerning">;

/** The SCIM request log as the control panel reads it: newest first, filtered, a keyset page. */
export function scimRequestPage(
  db: Database,
  organization: Organization,
  filters: ScimRequestFilters,
  request: PageRequest,
): Promise<Page<ScimRequestRow>> {
  return readPage(
    request,
    (after, limit) =>
      selectScimRequestPage(db, {
        ...filters,
        orgId: organization.id,
        limit,
        after: after && { at: after[0], id: after[1] },
      }),
    (row) => [row.at, row.id],
  );
}

/** The latest requests that failed, newest first. */
export const recentFailedRequests = (db: Database, organization: Organization, limit: number) =>
  selectScimRequestPage(db, { orgId: organization.id, failed: true, limit });
