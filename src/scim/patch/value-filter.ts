import { invalidPath, ScimError } from "../errors";
import type { Compare, Filter } from "../filter/ast";
import { parseFilter } from "../filter/parse";
import { type AttributeDefinition, findSubAttribute } from "../schemas/definition";
import { isObject, type Json } from "./values";

type Literal = Compare["compValue"];

/** A value filter (`emails[type eq "work" and primary eq true]`) with every name resolved to its sub-attribute. */
export type ValueFilter =
  | { op: "and" | "or"; filters: ValueFilter[] }
  | { op: "not"; filter: ValueFilter }
  | { op: "pr"; attribute: AttributeDefinition }
  | { op: Compare["op"]; attribute: AttributeDefinition; value: Literal };

/**
 * Parses the text between the brackets of a PATCH path and resolves it against the multi-valued
 * `attribute`. A malformed filter or an unknown sub-attribute is 400 invalidPath: it is the path that
 * is wrong. `path` names the path in errors: its shape (patchPathShape), since error details are stored.
 */
export function compileValueFilter(text: string, attribute: AttributeDefinition, path: string): ValueFilter {
  let filter: Filter;
  try {
    filter = parseFilter(text);
  } catch (error) {
    if (error instanceof ScimError) throw invalidPath(`The value filter of "${path}" is not valid: ${error.detail}`);
    throw error;
  }
  return compile(filter, attribute, path);
}

function compile(filter: Filter, attribute: AttributeDefinition, path: string): ValueFilter {
  switch (filter.op) {
    case "and":
    case "or":
      return { op: filter.op, filters: filter.filters.map((part) => compile(part, attribute, path)) };
    case "not":
      return { op: "not", filter: compile(filter.filter, attribute, path) };
    case "[]":
      throw invalidPath(`The value filter of "${path}" nests another value filter.`);
    case "pr":
      return { op: "pr", attribute: subAttribute(attribute, filter.attrPath, path) };
    default: {
      const sub = subAttribute(attribute, filter.attrPath, path);
      if (sub.type === "boolean" && filter.op !== "eq" && filter.op !== "ne") {
        throw invalidPath(
          `"${attribute.name}.${sub.name}" is a boolean: "${filter.op}" cannot compare it (path "${path}").`,
        );
      }
      return { op: filter.op, attribute: sub, value: filter.compValue };
    }
  }
}

function subAttribute(attribute: AttributeDefinition, name: string, path: string): AttributeDefinition {
  const sub = findSubAttribute(attribute, name);
  if (!sub) throw invalidPath(`"${attribute.name}" has no sub-attribute "${name}" (path "${path}").`);
  return sub;
}

/** Whether one element of the multi-valued attribute satisfies the filter. */
export function matchesValueFilter(filter: ValueFilter, element: unknown): boolean {
  if (!isObject(element)) return false;
  switch (filter.op) {
    case "and":
      return filter.filters.every((part) => matchesValueFilter(part, element));
    case "or":
      return filter.filters.some((part) => matchesValueFilter(part, element));
    case "not":
      return !matchesValueFilter(filter.filter, element);
    case "pr": {
      const value = element[filter.attribute.name];
      return value !== undefined && value !== null && value !== "";
    }
    default:
      return compare(filter.op, element[filter.attribute.name], filter.value, filter.attribute);
  }
}

/** `eq` as a filter means it: case-insensitive unless the attribute is caseExact, "True" equal to true for booleans. */
export const equalValues = (actual: unknown, expected: unknown, attribute: AttributeDefinition) =>
  compare("eq", actual, expected, attribute);

/**
 * The element that add/replace create when a value filter matched nothing: the filter's `eq`
 * terms joined by `and` (`type eq "work"` → {type: "work"}). Undefined when the filter is anything
 * else, because then it does not describe one element.
 */
export function equalityTerms(filter: ValueFilter): Json | undefined {
  if (filter.op === "eq") return filter.value === null ? undefined : { [filter.attribute.name]: filter.value };
  if (filter.op !== "and") return undefined;
  const terms: Json = {};
  for (const part of filter.filters) {
    const term = equalityTerms(part);
    if (!term) return undefined;
    Object.assign(terms, term);
  }
  return terms;
}

function compare(op: Compare["op"], actual: unknown, expected: unknown, attribute: AttributeDefinition): boolean {
  if (actual === undefined || actual === null || expected === null || expected === undefined) {
    const bothAbsent = (actual ?? null) === (expected ?? null);
    return op === "eq" ? bothAbsent : op === "ne" && !bothAbsent;
  }
  const a = comparable(actual, attribute);
  const b = comparable(expected, attribute);
  switch (op) {
    case "eq":
      return a === b;
    case "ne":
      return a !== b;
    case "co":
      return typeof a === "string" && typeof b === "string" && a.includes(b);
    case "sw":
      return typeof a === "string" && typeof b === "string" && a.startsWith(b);
    case "ew":
      return typeof a === "string" && typeof b === "string" && a.endsWith(b);
    case "gt":
      return order(a, b) > 0;
    case "ge":
      return order(a, b) >= 0;
    case "lt":
      return order(a, b) < 0;
    case "le":
      return order(a, b) <= 0;
  }
}

/** One form for both sides: booleans from "True"/"False", dateTimes as instants, case folded unless caseExact. */
function comparable(value: unknown, attribute: AttributeDefinition): unknown {
  if (typeof value !== "string") return value;
  if (attribute.type === "boolean" && /^(true|false)$/i.test(value)) return value.toLowerCase() === "true";
  if (attribute.type === "dateTime" && !Number.isNaN(Date.parse(value))) return Date.parse(value);
  return attribute.caseExact ? value : value.toLowerCase();
}

/** Sign of a - b for two numbers or two strings; NaN (no comparison holds) for anything else. */
function order(a: unknown, b: unknown): number {
  const sameKind = (typeof a === "number" && typeof b === "number") || (typeof a === "string" && typeof b === "string");
  if (!sameKind) return Number.NaN;
  return a < b ? -1 : a > b ? 1 : 0;
}
