import { sql, type SQL } from "drizzle-orm";
import type { Compare, Filter, Suffix, ValuePath } from "scim2-parse-filter";
import { invalidFilter } from "../errors";
import { findAttribute, findSubAttribute, type AttributeDefinition } from "../schemas/definition";
import { resolveAttributePath, type ResolvedAttribute } from "../schemas/resource-type";
import { parseFilter } from "./parse";
import type { FilterTarget } from "./target";

type Comparison = Compare | Suffix;
type Literal = Compare["compValue"];

/** How the compared expression stores strings: folded already (indexed column) or as given (JSON). */
type Folding = "stored-lower-case" | "fold-in-sql";

/**
 * Compiles an RFC 7644 filter into a SQL condition over the target's columns, side tables and JSON
 * document. Values are always bound parameters. Unknown or unfilterable attributes and malformed
 * filters are 400 invalidFilter.
 */
export function compileFilter(text: string, target: FilterTarget): SQL {
  return compileNode(parseFilter(text), target);
}

function compileNode(filter: Filter, target: FilterTarget): SQL {
  switch (filter.op) {
    case "and":
    case "or":
      return logical(filter.op, (filter as { filters: Filter[] }).filters.map((f) => compileNode(f, target)));
    case "not":
      return negate(compileNode((filter as { filter: Filter }).filter, target));
    case "[]": {
      const { attrPath, valFilter } = filter as ValuePath;
      return multiValued(resolveMultiValued(attrPath, target), valFilter, target);
    }
    default:
      return attributeComparison(filter as Comparison, target);
  }
}

const logical = (op: "and" | "or", parts: SQL[]) =>
  sql`(${sql.join(parts, sql.raw(op === "and" ? " AND " : " OR "))})`;

/** NOT of an unknown (NULL) comparison is treated as NOT false, so absent attributes match `not (...)`. */
const negate = (condition: SQL) => sql`(NOT coalesce(${condition}, 0))`;

function resolve(path: string, target: FilterTarget): ResolvedAttribute {
  const resolved = resolveAttributePath(target.resourceType, path);
  if (!resolved) throw invalidFilter(`The attribute "${path}" is not filterable: it is unknown.`);
  const definition = resolved.subAttribute ?? resolved.attribute;
  if (definition.returned === "never" || resolved.attribute.returned === "never") {
    throw invalidFilter(`The attribute "${path}" cannot be filtered.`);
  }
  return resolved;
}

function resolveMultiValued(path: string, target: FilterTarget): ResolvedAttribute {
  const resolved = resolve(path, target);
  if (!resolved.attribute.multiValued || resolved.attribute.type !== "complex" || resolved.subAttribute) {
    throw invalidFilter(`"${path}" is not a multi-valued attribute, so it takes no [filter].`);
  }
  return resolved;
}

function attributeComparison(comparison: Comparison, target: FilterTarget): SQL {
  const resolved = resolve(comparison.attrPath, target);
  const { attribute, subAttribute } = resolved;
  if (attribute.multiValued && attribute.type === "complex") {
    // `emails.value eq "x"` and bare `emails eq "x"`: true when any element matches.
    const sub = subAttribute ?? findAttribute(attribute.subAttributes, "value");
    if (!sub) throw invalidFilter(`Name a sub-attribute of "${comparison.attrPath}" to filter on.`);
    return multiValued(resolved, { ...comparison, attrPath: sub.name }, target);
  }
  const definition = subAttribute ?? attribute;
  const column = target.columns[canonicalKey(resolved)];
  if (column) return compare(column, definition, comparison, "stored-lower-case");
  if (attribute.mutability === "readOnly" || !target.document) {
    throw invalidFilter(`The attribute "${comparison.attrPath}" cannot be filtered.`);
  }
  if (definition.type === "complex" && comparison.op !== "pr") {
    throw invalidFilter(`"${comparison.attrPath}" is complex: filter on one of its sub-attributes.`);
  }
  const value = sql`json_extract(${target.document}, ${jsonPath(resolved)})`;
  return compare(value, definition, comparison, "fold-in-sql");
}

/** A condition on the elements of a multi-valued attribute: true when at least one element satisfies it. */
function multiValued(resolved: ResolvedAttribute, elementFilter: Filter, target: FilterTarget): SQL {
  const { attribute } = resolved;
  const referenced = subAttributesOf(elementFilter, attribute);
  const side = resolved.extension ? undefined : target.sideTables[attribute.name.toLowerCase()];
  if (side && referenced.every((sub) => side.columns[sub.name.toLowerCase()])) {
    return side.match(elementCondition(elementFilter, attribute, (sub) => side.columns[sub.name.toLowerCase()], "stored-lower-case"));
  }
  if (attribute.mutability === "readOnly" || !target.document) {
    throw invalidFilter(`The attribute "${attribute.name}" cannot be filtered on these sub-attributes.`);
  }
  const condition = elementCondition(
    elementFilter,
    attribute,
    (sub) => sql`json_extract(element.value, ${`$.${quoteKey(sub.name)}`})`,
    "fold-in-sql",
  );
  return sql`EXISTS (SELECT 1 FROM json_each(${target.document}, ${jsonPath(resolved)}) AS element WHERE ${condition})`;
}

function elementCondition(
  filter: Filter,
  attribute: AttributeDefinition,
  column: (sub: AttributeDefinition) => SQL,
  folding: Folding,
): SQL {
  switch (filter.op) {
    case "and":
    case "or":
      return logical(
        filter.op,
        (filter as { filters: Filter[] }).filters.map((f) => elementCondition(f, attribute, column, folding)),
      );
    case "not":
      return negate(elementCondition((filter as { filter: Filter }).filter, attribute, column, folding));
    case "[]":
      throw invalidFilter("Value filters cannot nest.");
    default: {
      const comparison = filter as Comparison;
      const sub = subAttribute(attribute, comparison.attrPath);
      return compare(column(sub), sub, comparison, folding);
    }
  }
}

function subAttributesOf(filter: Filter, attribute: AttributeDefinition): AttributeDefinition[] {
  switch (filter.op) {
    case "and":
    case "or":
      return (filter as { filters: Filter[] }).filters.flatMap((f) => subAttributesOf(f, attribute));
    case "not":
      return subAttributesOf((filter as { filter: Filter }).filter, attribute);
    case "[]":
      throw invalidFilter("Value filters cannot nest.");
    default:
      return [subAttribute(attribute, (filter as Comparison).attrPath)];
  }
}

function subAttribute(attribute: AttributeDefinition, path: string): AttributeDefinition {
  const sub = findSubAttribute(attribute, path);
  if (!sub) throw invalidFilter(`"${attribute.name}" has no sub-attribute "${path}".`);
  return sub;
}

function compare(expression: SQL, definition: AttributeDefinition, comparison: Comparison, folding: Folding): SQL {
  const { op } = comparison;
  if (op === "pr") {
    return definition.type === "string"
      ? sql`(${expression} IS NOT NULL AND ${expression} <> '')`
      : sql`(${expression} IS NOT NULL)`;
  }
  const literal = comparison.compValue;
  if (literal === null) {
    if (op === "eq") return sql`(${expression} IS NULL)`;
    if (op === "ne") return sql`(${expression} IS NOT NULL)`;
    throw invalidFilter(`null can only be compared with eq or ne (${comparison.attrPath}).`);
  }
  const foldCase = isText(definition) && !definition.caseExact;
  const left = foldCase && folding === "fold-in-sql" ? sql`lower(${expression})` : expression;
  const value = comparableValue(definition, literal, comparison.attrPath);
  const right =
    foldCase && typeof value === "string"
      ? folding === "fold-in-sql"
        ? sql`lower(${value})`
        : sql`${value.toLowerCase()}`
      : sql`${value}`;

  switch (op) {
    case "eq":
      return sql`(${left} = ${right})`;
    case "ne":
      return sql`(${expression} IS NULL OR ${left} <> ${right})`;
    case "gt":
    case "ge":
    case "lt":
    case "le":
      if (definition.type === "boolean") throw invalidFilter(`${comparison.attrPath} is a boolean: use eq or ne.`);
      return sql`(${left} ${sql.raw({ gt: ">", ge: ">=", lt: "<", le: "<=" }[op])} ${right})`;
    case "co":
    case "sw":
    case "ew":
      if (!isText(definition)) {
        throw invalidFilter(`${op} applies to strings; ${comparison.attrPath} is a ${definition.type}.`);
      }
      return substring(left, right, String(value), op, foldCase);
  }
}

/** co/sw/ew: LIKE is case-insensitive in SQLite, so case-exact attributes use instr/substr instead. */
function substring(left: SQL, right: SQL, value: string, op: "co" | "sw" | "ew", foldCase: boolean): SQL {
  if (foldCase) {
    const escaped = value.replace(/[\\%_]/g, (c) => `\\${c}`);
    const pattern = op === "co" ? `%${escaped}%` : op === "sw" ? `${escaped}%` : `%${escaped}`;
    return sql`(${left} LIKE ${pattern} ESCAPE '\\')`;
  }
  if (op === "co") return sql`(instr(${left}, ${right}) > 0)`;
  if (op === "sw") return sql`(substr(${left}, 1, length(${right})) = ${right})`;
  return sql`(length(${left}) >= length(${right}) AND substr(${left}, -length(${right})) = ${right})`;
}

const isText = (definition: AttributeDefinition) =>
  definition.type === "string" || definition.type === "reference" || definition.type === "binary";

/** The literal in the form storage compares: 0/1 for booleans, toISOString() for dates. */
function comparableValue(definition: AttributeDefinition, literal: Exclude<Literal, null>, path: string) {
  switch (definition.type) {
    case "boolean": {
      const text = String(literal).toLowerCase();
      if (text !== "true" && text !== "false") throw invalidFilter(`${path} is a boolean: compare it with true or false.`);
      return text === "true" ? 1 : 0;
    }
    case "dateTime": {
      const date = typeof literal === "string" ? new Date(literal) : undefined;
      if (!date || Number.isNaN(date.getTime())) throw invalidFilter(`${path} needs a dateTime such as "2026-01-31T00:00:00Z".`);
      return date.toISOString();
    }
    case "integer":
    case "decimal":
      if (typeof literal !== "number") throw invalidFilter(`${path} is a number.`);
      return literal;
    default:
      if (typeof literal !== "string") throw invalidFilter(`${path} is a string: quote the value.`);
      return literal;
  }
}

/** `username`, `name.givenname`, `urn:…:user:employeenumber`: the key FilterTarget.columns uses. */
function canonicalKey({ extension, attribute, subAttribute }: ResolvedAttribute): string {
  const path = subAttribute ? `${attribute.name}.${subAttribute.name}` : attribute.name;
  return (extension ? `${extension}:${path}` : path).toLowerCase();
}

/** The JSON path of an attribute in the stored document (canonical names, extensions under their URN). */
function jsonPath({ extension, attribute, subAttribute }: ResolvedAttribute): string {
  const keys = [extension, attribute.name, subAttribute?.name].filter((k): k is string => !!k);
  return `$.${keys.map(quoteKey).join(".")}`;
}

const quoteKey = (key: string) => (/^[A-Za-z_][\w]*$/.test(key) ? key : `"${key}"`);
