import type { Compare, Filter, Suffix } from "scim2-parse-filter";
import { invalidPath } from "../errors";
import { findSubAttribute, type AttributeDefinition } from "../schemas/definition";

type Element = Record<string, unknown>;

/** Evaluates a value filter (`type eq "work" and primary eq true`) on one element of a multi-valued attribute. */
export function matchesElement(filter: Filter, element: Element, attribute: AttributeDefinition): boolean {
  switch (filter.op) {
    case "and":
      return (filter as { filters: Filter[] }).filters.every((f) => matchesElement(f, element, attribute));
    case "or":
      return (filter as { filters: Filter[] }).filters.some((f) => matchesElement(f, element, attribute));
    case "not":
      return !matchesElement((filter as { filter: Filter }).filter, element, attribute);
    case "[]":
      throw invalidPath("Value filters cannot nest.");
    default:
      return compare(filter as Compare | Suffix, element, attribute);
  }
}

function compare(comparison: Compare | Suffix, element: Element, attribute: AttributeDefinition): boolean {
  const sub = findSubAttribute(attribute, comparison.attrPath);
  if (!sub) throw invalidPath(`"${attribute.name}" has no sub-attribute "${comparison.attrPath}".`);
  const actual = valueOf(element, sub.name);
  if (comparison.op === "pr") return actual !== undefined && actual !== null && actual !== "";
  const expected = comparison.compValue;
  if (actual === undefined || actual === null || expected === null) {
    return comparison.op === "eq" ? (actual ?? null) === expected : comparison.op === "ne" && (actual ?? null) !== expected;
  }
  const [a, b] = comparable(actual, expected, sub);
  switch (comparison.op) {
    case "eq":
      return a === b;
    case "ne":
      return a !== b;
    case "co":
      return String(a).includes(String(b));
    case "sw":
      return String(a).startsWith(String(b));
    case "ew":
      return String(a).endsWith(String(b));
    case "gt":
      return a > b;
    case "ge":
      return a >= b;
    case "lt":
      return a < b;
    case "le":
      return a <= b;
  }
}

/** Both sides in one form: booleans as booleans, case folded for case-insensitive strings. */
function comparable(actual: unknown, expected: string | number | boolean, sub: AttributeDefinition) {
  if (sub.type === "boolean") {
    const bool = (v: unknown) => (typeof v === "string" ? v.toLowerCase() === "true" : v === true);
    return [bool(actual), bool(expected)] as const;
  }
  if (typeof actual === "string" && typeof expected === "string" && !sub.caseExact) {
    return [actual.toLowerCase(), expected.toLowerCase()] as const;
  }
  return [actual as string | number, expected] as const;
}

/** Reads a sub-attribute whatever the case of its key. */
export function valueOf(element: Element, name: string): unknown {
  const lower = name.toLowerCase();
  const key = Object.keys(element).find((k) => k.toLowerCase() === lower);
  return key === undefined ? undefined : element[key];
}

/**
 * The element an add/replace creates when its value filter matched nothing: the filter's
 * and-ed `eq` terms (`type eq "work"` → {type: "work"}). Anything else cannot describe one element.
 */
export function elementFromFilter(filter: Filter, attribute: AttributeDefinition): Element | undefined {
  if (filter.op === "and") {
    const parts = (filter as { filters: Filter[] }).filters.map((f) => elementFromFilter(f, attribute));
    return parts.every(Boolean) ? Object.assign({}, ...parts) : undefined;
  }
  if (filter.op !== "eq") return undefined;
  const { attrPath, compValue } = filter as Compare;
  const sub = findSubAttribute(attribute, attrPath);
  return sub && compValue !== null ? { [sub.name]: compValue } : undefined;
}
