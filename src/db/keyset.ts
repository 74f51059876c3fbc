import { type SQL, sql } from "drizzle-orm";
import type { SQLiteColumn } from "drizzle-orm/sqlite-core";

/** The position of the last row of a page in a (created_at, id) order. */
export interface Keyset {
  createdAt: string;
  id: string;
}

/**
 * Rows after `after` (or from it, when inclusive) in ascending (createdAt, id) order: an index seek,
 * not an OFFSET walk. Written as a row value, the one form SQLite turns into an index range when
 * the key is a bound parameter (the equivalent OR of comparisons scans the organization).
 */
export function afterKeyset(
  createdAt: SQLiteColumn,
  id: SQLiteColumn,
  after: Keyset | undefined,
  inclusive = false,
): SQL | undefined {
  if (!after) return undefined;
  return sql`(${createdAt}, ${id}) ${sql.raw(inclusive ? ">=" : ">")} (${after.createdAt}, ${after.id})`;
}
