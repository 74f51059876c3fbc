import { type SQL, sql } from "drizzle-orm";
import { invalidFilter } from "../../scim/errors";
import { isText, orderedComparison, type Test, textLiteral, type ValueTest } from "../../scim/filter/semantics";
import type { AttributeDefinition } from "../../scim/schemas/definition";

/** One attribute value as SQL sees it: a column, a side-table column or a JSON extract. */
export interface Operand {
  /** The path as the client wrote it, for error details. */
  path: string;
  definition: AttributeDefinition;
  value: SQL;
  /**
   * How strings that are not caseExact are folded: columns store them lower-cased by JS, so the
   * literal is lower-cased in JS; side tables filled by triggers store them through SQLite's lower(),
   * so the literal goes through lower() too; JSON values are as given, so both sides go through lower().
   */
  folding: "stored" | "stored-by-sqlite" | "in-sql";
}

const ORDERING = { eq: "=", gt: ">", ge: ">=", lt: "<", le: "<=" } as const;

/** The condition `operand <op> literal`, NULL when the operand is absent (the caller decides what that means). */
export function compare(operand: Operand, test: Test): SQL {
  const { value, definition, path } = operand;
  if (test.op === "pr") {
    return isText(definition) ? sql`(${value} IS NOT NULL AND ${value} <> '')` : sql`(${value} IS NOT NULL)`;
  }
  if (isText(definition)) return compareText(operand, test.op, textLiteral(path, test));
  const compared = orderedComparison(definition, path, test);
  return sql`(${value} ${sql.raw(ORDERING[compared.op])} ${storedForm(compared.value)})`;
}

function compareText(operand: Operand, op: ValueTest["op"], literal: string): SQL {
  const { value, definition, path, folding } = operand;
  // No stored string holds U+0000, and SQLite's LIKE would read a pattern only up to it.
  if (literal.includes("\u0000")) throw invalidFilter(`"${path}" cannot be compared with text holding U+0000.`);
  const foldCase = !definition.caseExact;
  const left = foldCase && folding === "in-sql" ? sql`lower(${value})` : value;
  const right = (text: string) =>
    !foldCase ? sql`${text}` : folding === "stored" ? sql`${text.toLowerCase()}` : sql`lower(${text})`;
  if (op !== "co" && op !== "sw" && op !== "ew") return sql`(${left} ${sql.raw(ORDERING[op])} ${right(literal)})`;
  if (foldCase) {
    // LIKE folds ASCII case by itself; the literal's own % _ \ must match literally.
    const escaped = escapeLike(literal);
    const pattern = op === "co" ? `%${escaped}%` : op === "sw" ? `${escaped}%` : `%${escaped}`;
    return sql`(${left} LIKE ${right(pattern)} ESCAPE '\\')`;
  }
  // caseExact: LIKE would ignore case, so compare positions instead.
  if (op === "co") return sql`(instr(${value}, ${literal}) > 0)`;
  if (op === "sw") return sql`(instr(${value}, ${literal}) = 1)`;
  // SQLite's length() counts code points, as the spread does; an empty literal matches every value.
  return sql`(substr(${value}, length(${value}) - ${[...literal].length} + 1) = ${literal})`;
}

/** A value as storage holds its type: 0/1 for booleans, toISOString() for dateTimes. */
const storedForm = (value: boolean | Date | number) =>
  typeof value === "boolean" ? (value ? 1 : 0) : value instanceof Date ? value.toISOString() : value;

/** Makes LIKE's own characters (%, _ and the backslash) match literally, for a pattern used with ESCAPE '\\'. */
export const escapeLike = (text: string) => text.replace(/[\\%_]/g, "\\$&");
