import type { BatchItem, BatchResponse } from "drizzle-orm/batch";
import type { Database } from "../db/client";
import { selectOrganizationStatement } from "../db/organization-queries";
import type { Organization } from "../db/schema-types";

/**
 * The tenant check of a SCIM request, made with the request's first reads: the reads go in the same
 * D1 batch as the tenant's row (one round trip), and their results come back only once the request
 * is admitted (its token verified against the tenant); otherwise it throws.
 */
export type TenantCheck = <T extends BatchItem<"sqlite">[]>(
  reads: [...T],
) => Promise<{ organization: Organization; results: BatchResponse<T> }>;

/** The tenant's row (undefined for an unknown one) and the reads' results, in one D1 batch. */
export async function readTenantWith<T extends BatchItem<"sqlite">[]>(
  db: Database,
  orgId: string,
  reads: [...T],
): Promise<{ tenant: Organization | undefined; results: BatchResponse<T> }> {
  const [organizations, ...results] = await db.batch([selectOrganizationStatement(db, orgId), ...reads]);
  return { tenant: organizations[0], results: results as BatchResponse<T> };
}
