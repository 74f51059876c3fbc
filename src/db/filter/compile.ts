import { type SQL, sql } from "drizzle-orm";
import { invalidFilter } from "../../scim/errors";
import type { Filter, ValuePath } from "../../scim/filter/ast";
import { parseFilter } from "../../scim/filter/parse";
import { type Comparison, positiveTest, resolveFilterAttribute, type Test } from "../../scim/filter/semantics";
import { type AttributeDefinition, findAttribute, findSubAttribute } from "../../scim/schemas/definition";
import type { ResolvedAttribute } from "../../scim/schemas/resource-type";
import { foldedSql } from "../folding";
import { compare, comparedFolded, type Operand } from "./compare";
import type { FilterTarget } from "./target";

/** The elements of one multi-valued attribute: how to read a sub-attribute, and "any element matches". */
interface Elements {
  operand(sub: AttributeDefinition): Operand;
  any(condition: SQL): SQL;
}

/**
 * Compiles an RFC 7644 filter into a condition on the target's rows, preferring columns, then side
 * tables, then the JSON document. Literals are always bound parameters. A malformed filter, an
 * unknown attribute or one that cannot be filtered is 400 invalidFilter.
 */
export function compileFilter(text: string, target: FilterTarget): SQL {
  return compileFilterWithCost(text, target).where;
}

/**
 * compileFilter, and the attribute paths the condition reads from the JSON document: no index
 * serves those, so the condition is evaluated on every row of the tenant.
 */
export function compileFilterWithCost(text: string, target: FilterTarget): { where: SQL; unindexed: string[] } {
  const unindexed: string[] = [];
  documentReads.set(target, unindexed);
  try {
    const where = condition(
      parseFilter(text),
      (comparison) => attributeComparison(comparison, target),
      (valuePath) => valuePathCondition(valuePath, target),
    );
    return { where, unindexed };
  } finally {
    documentReads.delete(target);
  }
}

/** Per compilation: the paths documentHolding handed the document out for. */
const documentReads = new WeakMap<FilterTarget, string[]>();

/** and/or/not over `leaf` conditions; value paths only where `valuePath` is given (they cannot nest). */
function condition(filter: Filter, leaf: (comparison: Comparison) => SQL, valuePath?: (path: ValuePath) => SQL): SQL {
  switch (filter.op) {
    case "and":
    case "or":
      return logical(
        filter.op,
        filter.filters.map((part) => condition(part, leaf, valuePath)),
      );
    case "not":
      return negate(condition(filter.filter, leaf, valuePath));
    case "[]":
      if (!valuePath) throw invalidFilter(`Value filters cannot nest: "${filter.attrPath}[...]".`);
      return valuePath(filter);
    default:
      return leaf(filter);
  }
}

const logical = (op: "and" | "or", parts: SQL[]) => sql`(${sql.join(parts, sql.raw(` ${op.toUpperCase()} `))})`;

/** NULL (attribute absent) counts as false before NOT: `not (title eq "x")` finds users without a title. */
const negate = (condition: SQL) => sql`(NOT coalesce(${condition}, 0))`;

/** A comparison's condition: `holds` builds its positive test, negated where `ne` or `eq null` asks for it. */
function test(comparison: Comparison, holds: (test: Test) => SQL): SQL {
  const positive = positiveTest(comparison);
  return positive.negated ? negate(holds(positive.test)) : holds(positive.test);
}

function attributeComparison(comparison: Comparison, target: FilterTarget): SQL {
  const path = comparison.attrPath;
  const resolved = resolveFilterAttribute(target.resourceType, path);
  if (!resolved.attribute.multiValued) {
    const operand = singleValued(resolved, path, target);
    return test(comparison, (t) => compare(operand, t));
  }
  // `emails.type eq "x"`, and bare `emails eq "x"` meaning its value: true when any element matches.
  const sub = resolved.subAttribute ?? findAttribute(resolved.attribute.subAttributes, "value");
  const elements = elementsOf(resolved, sub ? [sub] : [], path, target);
  return test(comparison, (t) => {
    if (sub) return elements.any(compare(elements.operand(sub), t));
    if (t.op === "pr") return elements.any(sql`1`); // at least one element
    throw invalidFilter(`"${path}" has no value sub-attribute: compare one of its sub-attributes.`);
  });
}

function valuePathCondition({ attrPath, valFilter }: ValuePath, target: FilterTarget): SQL {
  const resolved = resolveFilterAttribute(target.resourceType, attrPath);
  const { attribute } = resolved;
  if (!attribute.multiValued || resolved.subAttribute) {
    throw invalidFilter(`"${attrPath}" is not a multi-valued attribute, so it takes no [filter].`);
  }
  const subAttribute = ({ attrPath: name }: Comparison) => {
    const sub = findSubAttribute(attribute, name);
    if (!sub) throw invalidFilter(`Unknown attribute "${name}" in the filter of "${attrPath}".`);
    return sub;
  };
  const elements = elementsOf(resolved, comparisonsIn(valFilter).map(subAttribute), attrPath, target);
  const leaf = (comparison: Comparison) =>
    test(comparison, (t) => compare(elements.operand(subAttribute(comparison)), t));
  return elements.any(condition(valFilter, leaf));
}

function comparisonsIn(filter: Filter): Comparison[] {
  switch (filter.op) {
    case "and":
    case "or":
      return filter.filters.flatMap(comparisonsIn);
    case "not":
      return comparisonsIn(filter.filter);
    case "[]":
      return []; // refused by condition()
    default:
      return [filter];
  }
}

/** A single-valued attribute: its column when it has one (indexed lookups), else its place in the document. */
function singleValued(resolved: ResolvedAttribute, path: string, target: FilterTarget): Operand {
  const definition = resolved.subAttribute ?? resolved.attribute;
  const column = target.columns[columnKey(resolved)];
  if (column) return { path, definition, value: column };
  const document = documentHolding(target, path, [resolved.attribute, definition]);
  const { extension, attribute, subAttribute } = resolved;
  return documentOperand(
    path,
    definition,
    sql`json_extract(${document}, ${jsonPath([extension, attribute.name, subAttribute?.name])})`,
  );
}

/** A value read from the JSON document, as given: folded here when it is compared folded. */
const documentOperand = (path: string, definition: AttributeDefinition, extract: SQL): Operand => ({
  path,
  definition,
  value: comparedFolded(definition) ? foldedSql(extract) : extract,
});

/** The side table when it has a column for every sub-attribute the condition reads, else the document's array. */
function elementsOf(
  resolved: ResolvedAttribute,
  referenced: AttributeDefinition[],
  path: string,
  target: FilterTarget,
): Elements {
  // Keyed by the attribute: `emails.value eq …` reads the same side table as `emails[value eq …]`.
  const side = target.sideTables[columnKey({ ...resolved, subAttribute: undefined })];
  if (side && referenced.every((sub) => side.columns[sub.name.toLowerCase()])) {
    return {
      operand: (sub) => ({ path: `${path}.${sub.name}`, definition: sub, value: side.columns[sub.name.toLowerCase()] }),
      any: (condition) => side.match(condition),
    };
  }
  const document = documentHolding(target, path, [resolved.attribute, ...referenced]);
  const array = jsonPath([resolved.extension, resolved.attribute.name]);
  return {
    operand: (sub) =>
      documentOperand(`${path}.${sub.name}`, sub, sql`json_extract(scim_element.value, ${jsonPath([sub.name])})`),
    any: (condition) => sql`EXISTS (SELECT 1 FROM json_each(${document}, ${array}) AS scim_element WHERE ${condition})`,
  };
}

/** The document, when it holds these attributes: read-only ones (meta, groups) are computed, not stored there. */
function documentHolding(target: FilterTarget, path: string, definitions: AttributeDefinition[]): SQL {
  const readOnly = definitions.find((definition) => definition.mutability === "readOnly");
  if (readOnly || !target.document) {
    const reason = readOnly ? ` (${readOnly.name} is read-only and not stored)` : "";
    throw invalidFilter(`The attribute "${path}" cannot be filtered${reason}.`);
  }
  documentReads.get(target)?.push(path);
  return target.document;
}

/** `username`, `name.givenname`, `urn:…:user:employeenumber`: the keys of FilterTarget.columns and sideTables. */
function columnKey({ extension, attribute, subAttribute }: ResolvedAttribute): string {
  const path = subAttribute ? `${attribute.name}.${subAttribute.name}` : attribute.name;
  return (extension ? `${extension}:${path}` : path).toLowerCase();
}

/**
 * `'$.name.givenName'`, `'$."urn:…:User".department'`. The keys are canonical names from the schema
 * definitions, never text from the filter, so the path is inlined rather than spending a bound parameter.
 */
function jsonPath(keys: (string | undefined)[]): SQL {
  const segments = keys
    .filter((key) => key !== undefined)
    .map((key) => (/^[A-Za-z_]\w*$/.test(key) ? key : `"${key}"`));
  return sql.raw(`'$.${segments.join(".")}'`);
}
