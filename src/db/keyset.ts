import { and, eq, gt, or, type SQL } from "drizzle-orm";
import type { SQLiteColumn } from "drizzle-orm/sqlite-core";

/** The position of the last row of a page in a (created_at, id) order. */
export interface Keyset {
  createdAt: string;
  id: string;
}

/** Rows after `after` in ascending (createdAt, id) order: an index seek, not an OFFSET walk. */
export function afterKeyset(createdAt: SQLiteColumn, id: SQLiteColumn, after: Keyset | undefined): SQL | undefined {
  return after ? or(gt(createdAt, after.createdAt), and(eq(createdAt, after.createdAt), gt(id, after.id))) : undefined;
}
