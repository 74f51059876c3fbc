import { invalidValue } from "../errors";
import { normalizeSingleValue, requireMultiValuedCount } from "../normalize";
import { type AttributeDefinition, findAttribute, isClientWritable } from "../schemas/definition";

export type Json = Record<string, unknown>;

export const isObject = (value: unknown): value is Json =>
  typeof value === "object" && value !== null && !Array.isArray(value);

/**
 * Shapes one client value (one element, for a multi-valued attribute) by its definition, so the
 * document keeps canonical names and real types: each operation's values are checked against the
 * schema as it is applied, and the normaliser checks the patched document as a whole.
 */
export function prepareValue(value: unknown, definition: AttributeDefinition, path: string): unknown {
  if (definition.type === "complex") return prepareComplex(value, definition, path);
  return normalizeSingleValue(value, definition, path);
}

/**
 * A complex value with canonical sub-attribute names. Unknown and read-only sub-attributes are
 * dropped, as in POST bodies (Okta's member `display`); null ones are kept so that `merge` clears them.
 * A bare string stands for `{value}` of a single-valued attribute that has one (Entra's manager).
 */
export function prepareComplex(value: unknown, definition: AttributeDefinition, path: string): Json {
  if (typeof value === "string" && !definition.multiValued && findAttribute(definition.subAttributes, "value")) {
    return { value };
  }
  if (!isObject(value)) throw invalidValue(`${path} must be an object.`);
  const prepared: Json = {};
  for (const [key, item] of Object.entries(value)) {
    const sub = findAttribute(definition.subAttributes, key);
    if (!sub || !isClientWritable(sub)) continue;
    prepared[sub.name] = item === null ? null : prepareValue(item, sub, `${path}.${sub.name}`);
  }
  return prepared;
}

/** Sets the prepared sub-attributes on `target`, keeping the others; a null one removes it. */
export function merge(target: Json, prepared: Json): Json {
  for (const [key, item] of Object.entries(prepared)) {
    if (item === null) delete target[key];
    else target[key] = item;
  }
  return target;
}

/**
 * The elements given for a multi-valued attribute (a list or one element), prepared; null and empty
 * ones dropped. More than the attribute may hold is refused first, before any work per element.
 */
export function prepareElements(value: unknown, definition: AttributeDefinition, path: string): unknown[] {
  const items = Array.isArray(value) ? value : [value];
  requireMultiValuedCount(items.length, path);
  return items
    .filter((item) => item !== null && item !== undefined)
    .map((item) =>
      definition.type === "complex"
        ? merge({}, prepareComplex(item, definition, path))
        : prepareValue(item, definition, path),
    )
    .filter((item) => !isEmptyObject(item));
}

export const isEmptyObject = (value: unknown) => isObject(value) && Object.keys(value).length === 0;

/** A JSON value's text with object keys sorted: two values have the same key exactly when they are equal. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, item: unknown) =>
    isObject(item) ? Object.fromEntries(Object.entries(item).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) : item,
  );
}
