import type { SQL } from "drizzle-orm";
import type { ResourceTypeDefinition } from "../../scim/schemas/resource-type";

/** A multi-valued complex attribute mirrored in a side table, one row per element. */
export interface SideTable {
  /** Sub-attribute (lower-case name) → column in the side table, with the conventions of FilterTarget.columns. */
  columns: Record<string, SQL>;
  /** Turns a condition over one side-table row into a condition on the resource row: true when any row matches. */
  match(condition: SQL): SQL;
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
   * its value folded by the one rule of src/scim/folding.ts (foldCase in TypeScript, lower() in SQL: the
   * same), as the literal is; booleans are 0/1; dateTimes are ISO-8601 UTC text (`toISOString()`).
   */
  columns: Record<string, SQL>;
  /** Multi-valued attributes with a side table, keyed by lower-case attribute name. */
  sideTables: Record<string, SideTable>;
  /** The JSON document column, for attributes without a column of their own; absent when every attribute has one. */
  document?: SQL;
}
