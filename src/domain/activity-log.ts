import { type ActivityQuery, selectActivityPage } from "../db/activity-queries";
import type { Database } from "../db/client";
import type { Organization } from "../db/schema-types";
import { type Page, type PageRequest, readPage } from "./pages";

/** Which entries of an organization's activity log: by actor, action, target, and a range of time (`until` exclusive). */
export type ActivityFilters = Omit<ActivityQuery, "orgId" | "limit" | "after">;

export type ActivityLogEntry = Awaited<ReturnType<typeof selectActivityPage>>[number];

/** The activity log as the control panel reads it: newest first, filtered, a keyset page. */
export function activityPage(
  db: Database,
  organization: Organization,
  filters: ActivityFilters,
  request: PageRequest,
): Promise<Page<ActivityLogEntry>> {
  return readPage(
    request,
    (after, limit) =>
      selectActivityPage(db, {
        ...filters,
        orgId: organization.id,
        limit,
        after: after && { at: after[0], id: after[1] },
      }),
    (entry) => [entry.at, entry.id],
  );
}

/** Every filtered entry, newest first, read `pageSize` at a time (one query each): an export never holds the log whole. */
export async function* activityEntries(
  db: Database,
  organization: Organization,
  filters: ActivityFilters,
  pageSize: number,
): AsyncGenerator<ActivityLogEntry[]> {
  let after: { at: string; id: string } | undefined;
  for (;;) {
    const rows = await selectActivityPage(db, { ...filters, orgId: organization.id, limit: pageSize, after });
    yield rows;
    if (rows.length < pageSize) return;
    after = { at: rows[rows.length - 1].at, id: rows[rows.length - 1].id };
  }
}
