import { type SQL, sql } from "drizzle-orm";
import { invalidFilter } from "../../scim/errors";
import { isText, orderedComparison, type Test, textLiteral, type ValueTest } from "../../scim/filter/semantics";
import { foldCase } from "../../scim/folding";
import type { AttributeDefinition } from "../../scim/schemas/definition";

/**
 * One attribute value as SQL sees it: a column, a side-table column or a JSON extract. A string that
 * is not caseExact is compared folded (foldCase's rule): `value` is then the folded value, a column
 * stored folded or foldedSql() of a JSON extract, and the literal is bound folded by foldCase.
 */
export interface Operand {
  /** The path as the client wrote it, for error details. */
  path: string;
  definition: AttributeDefinition;
  value: SQL;
}

/** Whether the attribute's values are compared folded: strings that are not caseExact. */
export const comparedFolded = (definition: AttributeDefinition) => isText(definition) && !definition.caseExact;

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
  const { value, definition, path } = operand;
  // No stored string holds U+0000.
  if (literal.includes("\u0000")) throw invalidFilter(`"${path}" cannot be compared with text holding U+0000.`);
  const text = definition.caseExact ? literal : foldCase(literal);
  if (op !== "co" && op !== "sw" && op !== "ew") return sql`(${value} ${sql.raw(ORDERING[op])} ${text})`;
  return textMatch(value, op, text);
}

/**
 * Whether a text value contains (`co`), starts (`sw`) or ends (`ew`) with `text`, exactly: by
 * position, never LIKE, whose patterns D1 limits to 50 bytes and whose own characters (% _) would
 * need escaping. A case-insensitive match compares both sides folded.
 */
export function textMatch(value: SQL, op: "co" | "sw" | "ew", text: string): SQL {
  if (op === "co") return sql`(instr(${value}, ${text}) > 0)`;
  if (op === "sw") return sql`(instr(${value}, ${text}) = 1)`;
  // SQLite's length() counts code points, as the spread does; an empty text matches every value.
  return sql`(substr(${value}, length(${value}) - ${[...text].length} + 1) = ${text})`;
}

/** A value as storage holds its type: 0/1 for booleans, toISOString() for dateTimes. */
const storedForm = (value: boolean | Date | number) =>
  typeof value === "boolean" ? (value ? 1 : 0) : value instanceof Date ? value.toISOString() : value;
