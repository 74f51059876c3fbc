import type { SQL } from "drizzle-orm";
import type { ResourceTypeDefinition } from "../../scim/schemas/resource-type";

/** A multi-valued complex attribute mirrored in a side table, one row per element. */
export interface SideTable {
  /** Sub-attribute (lower-case name) → column in the side table, with the conventions of FilterTarget.columns. */
  columns: Record<string, SQL>;
  /** Turns a condition over one side-table row into a condition on the resource row: true when any row matches. */
  match(condition: SQL): SQL;
  /**
   * The columns were folded by SQLite's lower() (a trigger fills the table), not by JS: literals are
   * then folded by lower() too, so both sides agree on every character, ASCII-only as lower() is.
   */
  foldedBySqlite?: boolean;
}

/**
 * Where a resource type's attributes live in storage, as the filter compiler needs to know it.
 * Provided by the storage layer; the compiler itself does no I/O.
 */
export interface FilterTarget {
  resourceType: ResourceTypeDefinition;
  /**
   * Attributes with their own (indexed) column, keyed by lower-case canonical path: `username`,
   * `meta.created`, `urn:…:user:employeenumber`. A string attribute that is not caseExact must hold
   * its value lower-cased by JS `toLowerCase()` (the literal is folded the same way); booleans are 0/1;
   * dateTimes are ISO-8601 UTC text (`toISOString()`).
   */
  columns: Record<string, SQL>;
  /** Multi-valued attributes with a side table, keyed by lower-case attribute name. */
  sideTables: Record<string, SideTable>;
  /** The JSON document column, for attributes without a column of their own; absent when every attribute has one. */
  document?: SQL;
}
