import { asc, desc, type SQL, sql } from "drizzle-orm";
import type { SQLiteColumn } from "drizzle-orm/sqlite-core";

/** The position of the last row of a page in a (created_at, id) order. */
export interface Keyset {
  createdAt: string;
  id: string;
}

/** A row's place in an order by (sort column, id): the sort column's value and the id. */
export interface SortKey {
  value: string;
  id: string;
}

/** An order by one column, ties broken by id, both in the same direction (one index serves either). */
export interface KeyOrder {
  column: SQLiteColumn;
  id: SQLiteColumn;
  descending: boolean;
}

export const orderByKey = ({ column, id, descending }: KeyOrder) =>
  descending ? [desc(column), desc(id)] : [asc(column), asc(id)];

/**
 * Rows after `from` (or from it, when inclusive) in the order: an index seek, not an OFFSET walk.
 * Written as a row value, the one form SQLite turns into an index range when the key is a bound
 * parameter (the equivalent OR of comparisons scans the organization).
 */
export function afterKey(order: KeyOrder, from: SortKey | undefined, inclusive = false): SQL | undefined {
  if (!from) return undefined;
  const operator = (order.descending ? "<" : ">") + (inclusive ? "=" : "");
  return sql`(${order.column}, ${order.id}) ${sql.raw(operator)} (${from.value}, ${from.id})`;
}

/** Rows after `after` in ascending (createdAt, id) order. */
export const afterKeyset = (createdAt: SQLiteColumn, id: SQLiteColumn, after: Keyset | undefined) =>
  afterKey({ column: createdAt, id, descending: false }, after && { value: after.createdAt, id: after.id });
