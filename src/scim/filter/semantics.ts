import { invalidFilter } from "../errors";
import type { AttributeDefinition } from "../schemas/definition";
import { type ResolvedAttribute, type ResourceTypeDefinition, resolveAttributePath } from "../schemas/resource-type";
import type { Compare, Suffix } from "./ast";

/*
 * What a filter means, whatever holds the resources: the attribute a path names, the comparisons its
 * type allows and the value a literal stands for. src/db/filter compiles it to SQL.
 */

/** A filter's comparison: `attr op value` or `attr pr`. */
export type Comparison = Compare | Suffix;

type Ordering = "eq" | "gt" | "ge" | "lt" | "le";
type Literal = string | number | boolean;
/** A comparison with a value, once `ne` and null literals have been rewritten in terms of eq and pr. */
export type ValueTest = { op: Ordering | "co" | "sw" | "ew"; literal: Literal };
export type Test = { op: "pr" } | ValueTest;

/**
 * The comparison as a test that holds, or holds when negated: `ne` is exactly "not eq", `eq null`
 * is "not present" and `ne null` "present".
 */
export function positiveTest(comparison: Comparison): { test: Test; negated: boolean } {
  if (comparison.op === "pr") return { test: { op: "pr" }, negated: false };
  const { op, compValue: literal, attrPath } = comparison;
  if (literal === null) {
    if (op === "eq") return { test: { op: "pr" }, negated: true };
    if (op === "ne") return { test: { op: "pr" }, negated: false };
    throw invalidFilter(`"${attrPath} ${op} null": null can only be compared with eq or ne.`);
  }
  return op === "ne" ? { test: { op: "eq", literal }, negated: true } : { test: { op, literal }, negated: false };
}

/** The attribute a filter path names: an unknown one, or one never returned, cannot be filtered. */
export function resolveFilterAttribute(resourceType: ResourceTypeDefinition, path: string): ResolvedAttribute {
  const resolved = resolveAttributePath(resourceType, path);
  if (!resolved) throw invalidFilter(`Unknown attribute "${path}" in filter.`);
  if (resolved.attribute.returned === "never" || resolved.subAttribute?.returned === "never") {
    throw invalidFilter(`The attribute "${path}" cannot be filtered: it is never returned.`);
  }
  return resolved;
}

export const isText = (definition: AttributeDefinition) =>
  definition.type === "string" || definition.type === "reference" || definition.type === "binary";

/** The text a string attribute is compared with: the literal must be quoted. */
export function textLiteral(path: string, { op, literal }: ValueTest): string {
  if (typeof literal !== "string") throw invalidFilter(`"${path}" is a string: quote the value (${path} ${op} "…").`);
  return literal;
}

/**
 * A comparison of a boolean, dateTime or number attribute, as its type allows it: booleans by eq
 * with true or false ("True" too), dateTimes with an instant and numbers with a number, each by eq
 * or in order; complex attributes not at all.
 */
export function orderedComparison(
  definition: AttributeDefinition,
  path: string,
  { op, literal }: ValueTest,
): { op: Ordering; value: boolean | Date | number } {
  if (definition.type === "complex") {
    throw invalidFilter(`"${path}" is complex: filter on one of its sub-attributes, not on the whole.`);
  }
  if (op === "co" || op === "sw" || op === "ew") {
    throw invalidFilter(`"${path}" is a ${definition.type}: ${op} applies to strings only.`);
  }
  if (definition.type === "boolean" && op !== "eq") {
    throw invalidFilter(`"${path}" is a boolean: compare it with eq or ne only.`);
  }
  switch (definition.type) {
    case "boolean": {
      // Entra sends booleans as strings ("True") in bodies; accept that here too.
      const text = String(literal).toLowerCase();
      if (text !== "true" && text !== "false") {
        throw invalidFilter(`"${path}" is a boolean: compare it with true or false.`);
      }
      return { op, value: text === "true" };
    }
    case "dateTime": {
      const date = typeof literal === "string" ? new Date(literal) : undefined;
      if (!date || Number.isNaN(date.getTime())) {
        throw invalidFilter(`"${path}" is a dateTime: compare it with a date such as "2026-01-31T00:00:00Z".`);
      }
      return { op, value: date };
    }
    default:
      if (typeof literal !== "number") {
        throw invalidFilter(`"${path}" is a number: compare it with an unquoted number.`);
      }
      return { op, value: literal };
  }
}
