import { and, eq, gt, gte, or, type SQL } from "drizzle-orm";
import type { SQLiteColumn } from "drizzle-orm/sqlite-core";

/** The position of the last row of a page in a (created_at, id) order. */
export interface Keyset {
  createdAt: string;
  id: string;
}

/** Rows after `after` (or from it, when inclusive) in ascending (createdAt, id) order: an index seek, not an OFFSET walk. */
export function afterKeyset(
  createdAt: SQLiteColumn,
  id: SQLiteColumn,
  after: Keyset | undefined,
  inclusive = false,
): SQL | undefined {
  if (!after) return undefined;
  const sameTime = and(eq(createdAt, after.createdAt), inclusive ? gte(id, after.id) : gt(id, after.id));
  return or(gt(createdAt, after.createdAt), sameTime);
}
