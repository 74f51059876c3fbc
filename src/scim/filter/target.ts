import type { SQL } from "drizzle-orm";
import type { ResourceTypeDefinition } from "../schemas/resource-type";

/**
 * Where a filter's attributes live in the database. Keys are canonical lower-case paths:
 * "username", "name.givenname", "meta.created", "externalid", or, for an extension attribute,
 * its URN + ":" + name ("urn:ietf:params:scim:schemas:extension:enterprise:2.0:user:employeenumber").
 *
 * Column conventions: strings that are not caseExact hold the value lower-cased with JS
 * toLowerCase(); caseExact strings hold it as given; booleans are 0/1 integers; dateTimes are
 * ISO-8601 UTC text as produced by Date.prototype.toISOString().
 */
export interface FilterTarget {
  resourceType: ResourceTypeDefinition;
  /** Single-valued attributes with their own (ideally indexed) column. */
  columns: Record<string, SQL>;
  /** Multi-valued complex attributes mirrored one row per element, keyed like `columns` ("emails"). */
  sideTables: Record<string, SideTable>;
  /** The JSON document column: the fallback for every other attribute. */
  document: SQL;
}

export interface SideTable {
  /** Lower-case sub-attribute name ("value", "type", "primary") -> column, same conventions as above. */
  columns: Record<string, SQL>;
  /**
   * Turns a condition on one side-table row into a condition on the outer row, true when any
   * element matches, e.g. sql`members.id IN (SELECT member_id FROM member_emails WHERE org_id = ${orgId} AND ${condition})`.
   */
  match(condition: SQL): SQL;
}
