import { type SQL, sql } from "drizzle-orm";
import { invalidFilter } from "../../scim/errors";
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

/** A comparison left once `ne` and null literals have been rewritten in terms of eq and pr. */
export type Test = { op: "pr" } | { op: Operator; literal: Literal };
type Operator = "eq" | "gt" | "ge" | "lt" | "le" | "co" | "sw" | "ew";
type Literal = string | number | boolean;

const ORDERING = { eq: "=", gt: ">", ge: ">=", lt: "<", le: "<=" } as const;

/** The condition `operand <op> literal`, NULL when the operand is absent (the caller decides what that means). */
export function compare(operand: Operand, test: Test): SQL {
  const { value, definition, path } = operand;
  if (test.op === "pr") {
    return isText(definition) ? sql`(${value} IS NOT NULL AND ${value} <> '')` : sql`(${value} IS NOT NULL)`;
  }
  if (isText(definition)) return compareText(operand, test.op, test.literal);
  if (definition.type === "complex") {
    throw invalidFilter(`"${path}" is complex: filter on one of its sub-attributes, not on the whole.`);
  }
  if (test.op === "co" || test.op === "sw" || test.op === "ew") {
    throw invalidFilter(`"${path}" is a ${definition.type}: ${test.op} applies to strings only.`);
  }
  if (definition.type === "boolean" && test.op !== "eq") {
    throw invalidFilter(`"${path}" is a boolean: compare it with eq or ne only.`);
  }
  return sql`(${value} ${sql.raw(ORDERING[test.op])} ${comparableLiteral(definition, test.literal, path)})`;
}

const isText = (definition: AttributeDefinition) =>
  definition.type === "string" || definition.type === "reference" || definition.type === "binary";

function compareText(operand: Operand, op: Operator, literal: Literal): SQL {
  const { value, definition, path, folding } = operand;
  if (typeof literal !== "string") {
    throw invalidFilter(`"${path}" is a string: quote the value (${path} ${op} "…").`);
  }
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

/** The literal as storage holds the type: 0/1 for booleans, toISOString() for dateTimes. */
function comparableLiteral(definition: AttributeDefinition, literal: Literal, path: string) {
  switch (definition.type) {
    case "boolean": {
      // Entra sends booleans as strings ("True") in bodies; accept that here too.
      const text = String(literal).toLowerCase();
      if (text !== "true" && text !== "false") {
        throw invalidFilter(`"${path}" is a boolean: compare it with true or false.`);
      }
      return text === "true" ? 1 : 0;
    }
    case "dateTime": {
      const date = typeof literal === "string" ? new Date(literal) : undefined;
      if (!date || Number.isNaN(date.getTime())) {
        throw invalidFilter(`"${path}" is a dateTime: compare it with a date such as "2026-01-31T00:00:00Z".`);
      }
      return date.toISOString();
    }
    default:
      if (typeof literal !== "number") {
        throw invalidFilter(`"${path}" is a number: compare it with an unquoted number.`);
      }
      return literal;
  }
}

/** Makes LIKE's own characters (%, _ and the backslash) match literally, for a pattern used with ESCAPE '\\'. */
export const escapeLike = (text: string) => text.replace(/[\\%_]/g, "\\$&");
